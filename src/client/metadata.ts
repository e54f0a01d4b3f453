import { TusClientError } from './errors.js';
import { tusRequest } from './http.js';
import type { RequestOptions } from './request-options.js';
import { decodeMetadata, type Metadata } from './upload-metadata.js';

/** What a HEAD on an upload URL tells. */
export interface UploadInfo {
  url: string;
  /** Bytes the server has. */
  offset: number;
  /** Undefined while the length is deferred. */
  length: number | undefined;
  metadata: Metadata;
  /** When an incomplete upload expires, if the server says. */
  expires: Date | undefined;
}

/** HEAD on an upload URL: its offset, length, metadata and expiry. */
export async function metadata(url: string, options: RequestOptions = {}): Promise<UploadInfo> {
  const { headers } = await tusRequest('HEAD', url, options);
  const offset = Number(headers.get('upload-offset'));
  if (headers.get('upload-offset') === null || !Number.isSafeInteger(offset)) {
    throw new TusClientError(`HEAD ${url} answered without a valid Upload-Offset: is this a tus upload URL?`);
  }
  const length = headers.get('upload-length');
  const expires = headers.get('upload-expires');
  return {
    url,
    offset,
    length: length === null ? undefined : Number(length),
    metadata: decodeMetadata(headers.get('upload-metadata')),
    expires: expires === null ? undefined : new Date(expires),
  };
}
