import type { StoredUpload, UploadStore } from '../../storage/upload-store.js';
import { withCapability } from '../../storage/store-capabilities.js';
import { parseRange } from '../http-semantics/byte-range.js';
import { contentDisposition } from '../http-semantics/content-disposition.js';
import { isComplete } from './expiry-policy.js';
import { servedType } from '../http-semantics/served-type.js';
import { TusError } from '../tus-error.js';
import type { TusRequest, TusResponse } from '../tus-request.js';
import { entityTag, httpDate, ifRangeHolds, noneMatch } from '../http-semantics/validators.js';

/** Whether `GET` on an upload URL serves its bytes. */
export interface DownloadPolicy {
  /** false: GET answers 405. */
  enabled: boolean;
  /** Also serve an incomplete upload (its bytes so far); otherwise it is a 404 until complete. */
  incomplete: boolean;
}

export interface DownloadSource {
  store: UploadStore;
  /** The upload the request's URL names; throws the 404 / 410 every tus method gives. */
  find(): Promise<StoredUpload>;
}

/** The methods an upload URL answers when downloads are off. */
const ALLOW_WITHOUT_GET = 'OPTIONS, HEAD, PATCH, DELETE';

/** 405 when GET is switched off (answered before any other check of the request). */
export function checkDownloadsEnabled(policy: DownloadPolicy): void {
  if (!policy.enabled) {
    throw new TusError(405, 'ERR_METHOD_NOT_ALLOWED', `downloads are disabled on this server; allowed: ${ALLOW_WITHOUT_GET}`, {
      Allow: ALLOW_WITHOUT_GET,
    });
  }
}

/**
 * The `Content-Length` of a HEAD on an upload URL. RFC 9110 §8.6 allows a HEAD only the length its GET
 * would have: GET serves the bytes stored (the offset) when downloads serve this upload; otherwise GET
 * answers 404/405 and the upload has no content for HEAD to describe, so 0. Either way HEAD is framed,
 * which Node's keep-alive client needs to reuse the connection (without it, every HEAD costs a new one).
 */
export function headContentLength(policy: DownloadPolicy, offset: number | undefined, length: number | undefined): number {
  if (offset === undefined || !policy.enabled) return 0;
  return policy.incomplete || offset === length ? offset : 0;
}

/**
 * GET of an upload URL: the bytes stored, not part of tus (tusd's addition; HEAD framing
 * follows it). A single `Range` gives 206, `If-None-Match` 304, `If-Range` guards a resumed download.
 *
 * Served bytes come from client input, so the type and disposition are chosen to keep them from
 * running in this origin: see {@link servedType}. No lock is taken (as for HEAD): bytes below the
 * offset never change, so a download and a running PATCH do not disturb each other, and the
 * download ends at the offset it looked up even while the file grows.
 */
export async function serveDownload(req: TusRequest, policy: DownloadPolicy, source: DownloadSource): Promise<TusResponse> {
  checkDownloadsEnabled(policy);
  const upload = await source.find();
  const complete = isComplete(upload);
  if (!complete && !policy.incomplete) {
    throw new TusError(404, 'ERR_UPLOAD_INCOMPLETE', 'the upload is not complete yet; it can be downloaded once every byte has arrived');
  }

  const total = upload.offset;
  const etag = entityTag(upload);
  const lastModified = httpDate(upload.updatedAt);
  const headers: Record<string, string> = {
    ETag: etag,
    'Last-Modified': lastModified,
    'Accept-Ranges': 'bytes',
    // A copy may be kept but is checked every time (a cheap 304): the request passes the guards
    // again, and an incomplete upload grows. `private`: downloads are usually behind auth.
    'Cache-Control': 'private, no-cache',
  };
  // RFC 9110 §13.2.2: If-None-Match before Range. A 304 has no body and no content headers.
  if (noneMatch(req.headers['if-none-match'], etag)) return { status: 304, headers };

  const type = servedType(upload.metadata.filetype || upload.metadata.contentType);
  headers['Content-Type'] = type.contentType;
  headers['Content-Disposition'] = contentDisposition(
    type.inline ? 'inline' : 'attachment',
    upload.metadata.filename || upload.metadata.name,
  );

  // An If-Range that does not hold makes the request a plain GET (RFC 9110 §13.1.5).
  const range = ifRangeHolds(req.headers['if-range'], etag, lastModified, complete)
    ? parseRange(req.headers.range, total)
    : ({ kind: 'whole' } as const);
  switch (range.kind) {
    case 'unsatisfiable':
      throw new TusError(416, 'ERR_RANGE_NOT_SATISFIABLE', `the Range selects none of the ${total} bytes of this upload`, {
        'Accept-Ranges': 'bytes',
        'Content-Range': `bytes */${total}`,
      });
    case 'partial':
      return {
        status: 206,
        headers: {
          ...headers,
          'Content-Range': `bytes ${range.start}-${range.end}/${total}`,
          'Content-Length': String(range.end - range.start + 1),
        },
        body: await withCapability(source.store, 'read').read(upload.id, { start: range.start, end: range.end }),
      };
    case 'whole':
      return {
        status: 200,
        headers: { ...headers, 'Content-Length': String(total) },
        // Always bounded by the offset looked up: a running PATCH may be appending past it.
        body: total === 0 ? '' : await withCapability(source.store, 'read').read(upload.id, { start: 0, end: total - 1 }),
      };
  }
}
