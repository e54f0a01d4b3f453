import type { HeaderValue } from './header-values.js';

/** What a `Range` request header asks of a representation (RFC 9110 §14). */
export type RangeRequest =
  /** No usable Range: answer 200 with every byte. */
  | { kind: 'whole' }
  /** One satisfiable range, both ends included and within the representation: answer 206. */
  | { kind: 'partial'; start: number; end: number }
  /** A well-formed range that selects no byte: answer 416. */
  | { kind: 'unsatisfiable' };

const WHOLE: RangeRequest = { kind: 'whole' };
const INT_RANGE = /^([0-9]+)-([0-9]*)$/;
const SUFFIX_RANGE = /^-([0-9]+)$/;

/**
 * Reads `Range: bytes=a-b`, `bytes=a-` and `bytes=-n` against a representation of `total` bytes.
 *
 * Anything else is answered with the whole body, as RFC 9110 §14.2 allows (a server MAY ignore
 * Range): a unit other than bytes, a malformed or invalid spec (`5-2`), and several ranges. Several
 * ranges would need a multipart/byteranges body, which no tus or download client asks for, and a
 * list of many small or overlapping ranges is a known way to make a server do far more work than
 * the bytes it sends; one whole body is always a correct answer.
 */
export function parseRange(raw: HeaderValue, total: number): RangeRequest {
  if (raw === undefined) return WHOLE;
  // Node joins a repeated Range header with ", ": it then reads as several ranges, so the whole body.
  const value = Array.isArray(raw) ? raw.join(', ') : raw;
  const equals = value.indexOf('=');
  if (equals < 0 || value.slice(0, equals).trim().toLowerCase() !== 'bytes') return WHOLE;
  // A list may carry empty elements (RFC 9110 §5.6.1): `bytes=0-4,` is one range.
  const specs = value
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec.length > 0);
  if (specs.length !== 1) return WHOLE;
  const spec = specs[0];

  const suffix = SUFFIX_RANGE.exec(spec);
  if (suffix) {
    // The last n bytes; all of them when there are fewer. An empty body has no last byte.
    const length = Number(suffix[1]);
    if (length === 0 || total === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, total - length), end: total - 1 };
  }
  const int = INT_RANGE.exec(spec);
  if (!int) return WHOLE;
  const first = Number(int[1]);
  const last = int[2] === '' ? undefined : Number(int[2]);
  if (last !== undefined && last < first) return WHOLE; // invalid, not unsatisfiable (§14.1.1)
  if (first >= total) return { kind: 'unsatisfiable' };
  // A last position past the end means "to the end" (§14.1.2). Huge digit strings become
  // Infinity or lose precision; both still compare correctly against a safe-integer total.
  return { kind: 'partial', start: first, end: Math.min(last ?? total - 1, total - 1) };
}
