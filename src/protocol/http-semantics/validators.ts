import { createHash } from 'node:crypto';
import type { StoredUpload } from '../../storage/upload-store.js';
import type { HeaderValue } from './header-values.js';

/**
 * A strong entity tag for the bytes a download serves. An upload only ever grows, so its id, length,
 * offset and time of the last write pin those bytes exactly; hashed, so the tag says nothing about
 * them and has one fixed size.
 */
export function entityTag(upload: StoredUpload): string {
  const source = `${upload.id}\n${upload.length ?? ''}\n${upload.offset}\n${upload.updatedAt}`;
  return `"${createHash('sha256').update(source).digest('base64url').slice(0, 22)}"`;
}

/** `Last-Modified` as an IMF-fixdate (whole seconds). */
export function httpDate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}

/**
 * `If-None-Match` (RFC 9110 §13.1.2): true when the client already holds this representation.
 * Weak comparison, so `W/"x"` matches `"x"`; `*` matches any upload that exists.
 */
export function noneMatch(raw: HeaderValue, etag: string): boolean {
  if (raw === undefined) return false;
  const value = Array.isArray(raw) ? raw.join(', ') : raw;
  if (value.trim() === '*') return true;
  // Entity tags may contain commas, so tags are matched whole rather than split on ",".
  for (const [, opaque] of value.matchAll(/(?:W\/)?("[^"]*")/g)) {
    if (opaque === etag) return true;
  }
  return false;
}

/**
 * `If-Range` (RFC 9110 §13.1.5): true when the Range may be honoured, i.e. the client's partial
 * copy is of these very bytes; false sends the whole body instead.
 *
 * An entity tag must match strongly (a weak one never does). A date must equal `Last-Modified`
 * exactly, and counts only when `dateIsStrong`: a completed upload never changes, while an
 * incomplete one may grow twice within the same second (§8.8.2.2). Only IMF-fixdate is read, the
 * format every sender must produce; an obsolete date format then means the whole body, which is
 * always a correct answer.
 */
export function ifRangeHolds(raw: HeaderValue, etag: string, lastModified: string, dateIsStrong: boolean): boolean {
  if (raw === undefined) return true;
  if (Array.isArray(raw)) return false;
  const value = raw.trim();
  if (value.startsWith('"')) return value === etag;
  if (value.startsWith('W/')) return false;
  return dateIsStrong && value === lastModified;
}
