import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderValue } from '../http-semantics/header-values.js';
import { parseBooleanItem, parseNonNegativeIntegerItem, serializeIntegerDictionary } from '../http-semantics/structured-field.js';
import { badRequest } from '../tus-error.js';

/**
 * The header fields of the IETF draft "Resumable Uploads for HTTP" and how they changed between the
 * interop versions this server speaks (docs/ietf-draft.md has the full table):
 *
 * | interop | draft      | what changes for a server                                                 |
 * |---------|------------|---------------------------------------------------------------------------|
 * | 3       | -01        | `Upload-Incomplete` (the inverse of the later `Upload-Complete`)            |
 * | 4       | -02        | `Upload-Complete`                                                           |
 * | 5       | -03        | (progress 104s, 200 allowed for HEAD: nothing this server must do)          |
 * | 6       | -04, -05   | PATCH needs `application/partial-upload`; `Upload-Limit` with `expires`    |
 * | 7       | -06 … -08  | `expires` is called `max-age`                                                |
 * | 8       | -09 … -11  | limits must be announced; -10 and -11 ask OPTIONS for `Accept-Patch`         |
 * | 9       | -12 …      | GET is offset retrieval; `Upload-Complete: ?0` marks the protocol's own answers; no `Accept-Patch` |
 *
 * Any other value, or none, is a tus v1 request.
 */
export const DRAFT_INTEROP_VERSIONS = [3, 4, 5, 6, 7, 8, 9] as const;
export type InteropVersion = (typeof DRAFT_INTEROP_VERSIONS)[number];

export const INTEROP_VERSION_HEADER = 'upload-draft-interop-version';
export const PARTIAL_UPLOAD_TYPE = 'application/partial-upload';

/**
 * The draft interop version a request speaks, or undefined for tus v1. Only a supported value makes
 * a draft request (the point of the version handshake: final-RFC and other-draft clients must never
 * be mistaken for this one).
 */
export function draftInteropVersion(headers: IncomingHttpHeaders): InteropVersion | undefined {
  const raw = headers[INTEROP_VERSION_HEADER];
  if (typeof raw !== 'string') return undefined;
  const value = parseNonNegativeIntegerItem(raw);
  return DRAFT_INTEROP_VERSIONS.find((version) => version === value);
}

/** What the upload may tell a client about its limits. */
export interface UploadLimits {
  /** The largest upload accepted, when there is a maximum. */
  maxSize?: number;
  /** Seconds until the upload resource may expire, when it will. */
  lifetime?: number;
}

/** The wire details of one interop version. */
export class DraftDialect {
  constructor(readonly version: InteropVersion) {}

  /** Interop 3 (draft -01) says `Upload-Incomplete: ?1` where later versions say `Upload-Complete: ?0`. */
  get completeField(): 'Upload-Complete' | 'Upload-Incomplete' {
    return this.version === 3 ? 'Upload-Incomplete' : 'Upload-Complete';
  }

  /** From interop 6 on, an append must be labelled `application/partial-upload`. */
  get appendNeedsPartialUploadType(): boolean {
    return this.version >= 6;
  }

  /** From interop 9 on, GET on the upload resource is offset retrieval (before, the draft defined no GET). */
  get getRetrievesOffset(): boolean {
    return this.version >= 9;
  }

  /** `Accept-Patch` on OPTIONS: required by drafts -10 and -11 (interop 8), dropped again for 9. */
  get announcesAcceptPatch(): boolean {
    return this.version >= 6 && this.version <= 8;
  }

  /**
   * From interop 9 on, `Upload-Complete` on an answer says whose semantics apply: `?0` the upload
   * protocol's (its errors included), `?1` the target resource's. Errors then say `?0` explicitly.
   */
  get errorsCarryComplete(): boolean {
    return this.version >= 9;
  }

  /**
   * Whether the request says it ends the upload; undefined when it does not say. In interop 3 the
   * field was only sent for an incomplete upload, so its absence means complete there.
   */
  requestCompletes(headers: IncomingHttpHeaders): boolean | undefined {
    const field = this.completeField;
    const value = readBoolean(field, headers[field.toLowerCase()]);
    if (this.version === 3) return value === undefined ? true : !value;
    return value;
  }

  /** The completeness state, as this version writes it. */
  completeHeader(complete: boolean): Record<string, string> {
    return this.version === 3 ? { 'Upload-Incomplete': complete ? '?0' : '?1' } : { 'Upload-Complete': complete ? '?1' : '?0' };
  }

  /**
   * `Upload-Limit` (interop 6 on): `min-size=0` says "no minimum" (the draft asks for a member even
   * without limits), then the maximum and the remaining lifetime when there are ones. Versions before
   * 6 had no such field.
   */
  limitHeader(limits: UploadLimits): Record<string, string> {
    if (this.version < 6) return {};
    const members: Array<[string, number]> = [['min-size', 0]];
    if (limits.maxSize !== undefined) members.push(['max-size', limits.maxSize]);
    if (limits.lifetime !== undefined) members.push([this.version >= 7 ? 'max-age' : 'expires', limits.lifetime]);
    return { 'Upload-Limit': serializeIntegerDictionary(members) };
  }
}

/** A Boolean Item header (`?0` / `?1`); undefined when absent, 400 when it is anything else. */
export function readBoolean(name: string, raw: HeaderValue): boolean | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' ? parseBooleanItem(raw) : undefined;
  if (value === undefined) throw badRequest('ERR_INVALID_' + code(name), `${name} must be ?1 or ?0 (a structured-field boolean)`);
  return value;
}

/**
 * A non-negative Integer Item header (`Upload-Offset`, `Upload-Length`); undefined when absent, 400
 * when malformed. (The draft lets a receiver ignore a malformed field; answering 400 tells the client
 * why instead of acting on a guess.)
 */
export function readInteger(name: string, raw: HeaderValue): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' ? parseNonNegativeIntegerItem(raw) : undefined;
  if (value === undefined) throw badRequest('ERR_INVALID_' + code(name), `${name} must be a non-negative integer of at most 15 digits`);
  return value;
}

function code(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}
