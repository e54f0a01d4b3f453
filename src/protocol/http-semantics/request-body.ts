import type { Readable } from 'node:stream';
import { H } from '../tus-headers.js';
import type { TusRequest } from '../tus-request.js';

/** The request's `Content-Length`, or undefined for a chunked (or bodiless) request. */
export function contentLength(req: TusRequest): number | undefined {
  const raw = req.headers[H.contentLength];
  return raw === undefined ? undefined : Number(raw);
}

/** A body is coming when it has a non-zero length or is chunked. */
export function hasBody(req: TusRequest, declared = contentLength(req)): boolean {
  if (declared !== undefined) return declared > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * True when something read the body before it reached the module: a framework body parser (Express's
 * JSON and URL-encoded parsers take any request with their type). Its bytes are gone, and storing
 * "nothing" for them would silently lose data.
 */
export function bodyTakenElsewhere(body: Readable): boolean {
  return body.readableDidRead || body.readableEnded;
}
