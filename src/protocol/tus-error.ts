/**
 * A protocol outcome that is not a success. It carries the HTTP status, a stable code
 * (tusd style, handy in logs and client code) and a one-line reason a user can act on.
 * `headers` are added to the response (e.g. `Tus-Version` on a 412).
 */
export class TusError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'TusError';
  }
}

export const badRequest = (code: string, message: string) => new TusError(400, code, message);
export const notFound = () =>
  new TusError(404, 'ERR_UPLOAD_NOT_FOUND', 'upload not found; create a new one with POST');
export const gone = (why: string) =>
  new TusError(410, 'ERR_UPLOAD_GONE', `upload ${why}; create a new one with POST`);

export const storageFull = () => new TusError(507, 'ERR_STORAGE_FULL', 'the server ran out of storage; retry later');

export const unsupportedMediaType = (message: string) => new TusError(415, 'ERR_INVALID_CONTENT_TYPE', message);

/** 405 with `Allow`: what the collection URL and an upload URL answer. */
export function methodNotAllowed(method: string, onUpload: boolean): TusError {
  const allow = onUpload ? 'OPTIONS, HEAD, PATCH, DELETE, GET' : 'OPTIONS, POST';
  return new TusError(405, 'ERR_METHOD_NOT_ALLOWED', `${method} is not allowed here; allowed: ${allow}`, { Allow: allow });
}

/** The same error with more response headers (e.g. `Location`, `Upload-Offset`). */
export function withHeaders(error: TusError, headers: Record<string, string>): TusError {
  return new TusError(error.status, error.code, error.message, { ...headers, ...error.headers });
}
