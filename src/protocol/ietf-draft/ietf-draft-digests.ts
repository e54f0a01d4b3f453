import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ChecksumClaim } from '../uploads/checksum.js';
import { PROBLEM_TYPES, ProblemError } from './problem-details.js';
import { StructuredFieldError, parseDictionary, type DictionaryValue } from '../http-semantics/structured-field.js';
import { badRequest } from '../tus-error.js';

/**
 * RFC 9530 digest fields on draft requests. Drafts -04 to -11 (interop 6 to 8) describe them for
 * uploads; -12 dropped that text without replacing it, and the fields keep their plain HTTP meaning:
 * `Content-Digest` is the digest of this request's content, `Repr-Digest` of the representation it
 * encloses, which for a PATCH is the patch document (again this request's content) and for a creation
 * is the whole upload, so only checkable on a creation that carries all of it (`Upload-Complete: ?1`).
 * Failures use the HTTP problem types for digest fields (draft-ietf-httpapi-digest-fields-problem-types).
 */

type Algorithm = 'sha-256' | 'sha-512';
type DigestField = 'Content-Digest' | 'Repr-Digest';

/** Node's hash for each algorithm, and its digest size; strongest first (the one verified when several are sent). */
const ALGORITHMS: ReadonlyArray<readonly [Algorithm, string, number]> = [
  ['sha-512', 'sha512', 64],
  ['sha-256', 'sha256', 32],
];

/** What a client asking for an unsupported algorithm is told to use instead (RFC 9530 preference weights). */
export const DIGEST_PREFERENCE = 'sha-256=10, sha-512=10';

/** The digest of this request's content the client promised, as the body writer verifies it. */
export interface DigestClaim {
  field: DigestField;
  algorithm: Algorithm;
  digest: Buffer;
  checksum: ChecksumClaim;
}

/**
 * The digest this request's content must match, or undefined when it carries none that describes
 * its content. `reprCoversContent`: whether `Repr-Digest` describes this request's content. Throws a
 * 400 (a problem for unsupported algorithms and impossible values) before any byte is stored.
 */
export function readDigestClaim(headers: IncomingHttpHeaders, reprCoversContent: boolean): DigestClaim | undefined {
  const content = readField(headers, 'Content-Digest');
  const repr = reprCoversContent ? readField(headers, 'Repr-Digest') : undefined;
  return content ?? repr;
}

function readField(headers: IncomingHttpHeaders, field: DigestField): DigestClaim | undefined {
  const raw = headers[field.toLowerCase()];
  if (raw === undefined) return undefined;
  let members: Map<string, DictionaryValue>;
  try {
    members = parseDictionary(String(raw));
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    throw badRequest('ERR_INVALID_DIGEST', `${field} must be a structured-field dictionary such as sha-256=:<base64 digest>: (${error.message})`);
  }
  const invalid: Array<{ algorithm: string; header: string; reason: string }> = [];
  let claim: DigestClaim | undefined;
  for (const [algorithm, hash, size] of ALGORITHMS) {
    const value = members.get(algorithm);
    if (value === undefined) continue;
    if (value.type !== 'binary' || value.value.length !== size) {
      invalid.push({ algorithm, header: field, reason: `a ${algorithm} digest is a byte sequence of ${size} bytes` });
    } else {
      claim ??= { field, algorithm, digest: value.value, checksum: { algorithm: hash, digest: value.value } };
    }
  }
  if (invalid.length > 0) {
    throw new ProblemError({
      status: 400,
      type: PROBLEM_TYPES.digestInvalidValues,
      title: 'Invalid digest values',
      detail: `${field}: ${invalid.map((i) => i.reason).join('; ')}`,
      members: { invalid_digests: invalid },
    });
  }
  if (claim) return claim;
  const unsupported = [...members.keys()].map((algorithm) => ({ algorithm, header: field }));
  throw new ProblemError({
    status: 400,
    type: PROBLEM_TYPES.digestUnsupportedAlgorithms,
    title: 'Unsupported hashing algorithms',
    detail: `${field} names no algorithm this server checks; send sha-256 or sha-512`,
    members: { unsupported_algorithms: unsupported },
    headers: { [`Want-${field}`]: DIGEST_PREFERENCE },
  });
}

/** The digest of empty content, for a claim on a request without content (no body is written then). */
export function matchesEmpty(claim: DigestClaim): boolean {
  return createHash(claim.checksum.algorithm).digest().equals(claim.digest);
}

/** 400 `digest-mismatched-values`; the calculated digest is left out (no oracle for an attacker). */
export function digestMismatch(claim: DigestClaim, extraHeaders: Record<string, string> = {}): ProblemError {
  return new ProblemError({
    status: 400,
    type: PROBLEM_TYPES.digestMismatchedValues,
    title: 'Mismatched digest values',
    detail: `the content does not match its ${claim.field} (${claim.algorithm}); nothing of it was stored, send it again`,
    members: {
      mismatched_digests: [{ algorithm: claim.algorithm, provided_digest: `:${claim.digest.toString('base64')}:`, header: claim.field }],
    },
    headers: extraHeaders,
  });
}

/**
 * The algorithm a `Want-Repr-Digest` asks for: the supported one with the highest weight above 0
 * (ties go to the stronger). A malformed preference is ignored, as a preference may be.
 */
export function wantedReprAlgorithm(headers: IncomingHttpHeaders): Algorithm | undefined {
  const raw = headers['want-repr-digest'];
  if (raw === undefined) return undefined;
  let members: Map<string, DictionaryValue>;
  try {
    members = parseDictionary(String(raw));
  } catch {
    return undefined;
  }
  let best: { algorithm: Algorithm; weight: number } | undefined;
  for (const [algorithm] of ALGORITHMS) {
    const value = members.get(algorithm);
    if (value?.type !== 'integer' || value.value < 1 || value.value > 10) continue;
    if (!best || value.value > best.weight) best = { algorithm, weight: value.value };
  }
  return best?.algorithm;
}

/** `Repr-Digest` of the bytes stored so far (streamed, constant memory). */
export async function reprDigestOf(bytes: Readable | undefined, algorithm: Algorithm): Promise<string> {
  const hash = createHash(ALGORITHMS.find(([name]) => name === algorithm)![1]);
  if (bytes) for await (const chunk of bytes) hash.update(chunk as Buffer);
  return `${algorithm}=:${hash.digest('base64')}:`;
}
