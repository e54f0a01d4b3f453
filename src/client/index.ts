// nestjs-tus/client: upload to any tus server from Node (built on tus-js-client). Nothing here loads Nest
// or the server's code.
export { upload, DEFAULT_STREAM_CHUNK_SIZE, type UploadOptions } from './upload.js';
export { metadata, type UploadInfo } from './metadata.js';
export { terminate } from './terminate.js';
export { TusClientError, TusHttpError } from './errors.js';
export { FileUrlStore, defaultUrlStorePath, type StoredUpload } from './url-store.js';
export type { UploadSource } from './upload-source.js';
export type { Metadata } from './upload-metadata.js';
export { DEFAULT_RETRY_DELAYS, type Headers, type HeadersOption, type RequestOptions, type RetryOptions } from './request-options.js';
