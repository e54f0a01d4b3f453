/** Protocol constants shared by every layer. Header names are lower-case: Node gives them so. */
export const TUS_VERSION = '1.0.0';
export const SUPPORTED_VERSIONS = [TUS_VERSION] as const;
export const OFFSET_CONTENT_TYPE = 'application/offset+octet-stream';

export const H = {
  tusResumable: 'tus-resumable',
  tusVersion: 'tus-version',
  tusExtension: 'tus-extension',
  tusMaxSize: 'tus-max-size',
  uploadOffset: 'upload-offset',
  uploadLength: 'upload-length',
  uploadDeferLength: 'upload-defer-length',
  uploadMetadata: 'upload-metadata',
  uploadExpires: 'upload-expires',
  uploadConcat: 'upload-concat',
  methodOverride: 'x-http-method-override',
  contentType: 'content-type',
  contentLength: 'content-length',
  location: 'location',
  cacheControl: 'cache-control',
} as const;

/** The extensions this server speaks, in the order OPTIONS lists them. */
export const EXTENSIONS = [
  'creation',
  'creation-with-upload',
  'creation-defer-length',
  'termination',
  'expiration',
  'checksum',
  'checksum-trailer',
  'concatenation',
  'concatenation-unfinished',
] as const;

/** Headers a browser may send (CORS preflight) and read (expose) on tus requests. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Origin',
  'X-Requested-With',
  'X-Request-ID',
  'X-HTTP-Method-Override',
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Offset',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'Upload-Concat',
  'Upload-Checksum',
  'Trailer',
  // The IETF draft (Upload-Incomplete is interop 3's name; a file name comes in Content-Disposition).
  'Upload-Complete',
  'Upload-Incomplete',
  'Upload-Draft-Interop-Version',
  'Content-Disposition',
  // RFC 9530 digests on draft requests.
  'Content-Digest',
  'Repr-Digest',
  'Want-Repr-Digest',
  // GET downloads: a browser resuming or revalidating one sends these.
  'Range',
  'If-Range',
  'If-None-Match',
];

export const CORS_EXPOSED_HEADERS = [
  'Location',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Defer-Length',
  'Upload-Metadata',
  'Upload-Expires',
  'Upload-Concat',
  'Upload-Complete',
  'Upload-Incomplete',
  'Upload-Limit',
  'Upload-Draft-Interop-Version',
  'Repr-Digest',
  'Want-Content-Digest',
  'Want-Repr-Digest',
  // 429 (a rate limit) and 503 (shutting down) say when to come back.
  'Retry-After',
  // GET downloads (Content-Type, Content-Length and Last-Modified are readable without being listed).
  'Content-Disposition',
  'Content-Range',
  'Accept-Ranges',
  'ETag',
];

export const ROUTED_METHODS = ['OPTIONS', 'POST', 'HEAD', 'PATCH', 'DELETE', 'GET'] as const;
