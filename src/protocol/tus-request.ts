import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** A tus request as the engine sees it: no framework types, only what the protocol needs. */
export interface TusRequest {
  /** The method to act on, after `X-HTTP-Method-Override`. */
  method: string;
  headers: IncomingHttpHeaders;
  /** The request body, unread. */
  body: Readable;
  /** The upload id from the URL (decoded, not yet validated), absent on the collection URL. */
  id?: string;
  /** The collection URL new uploads are placed under (absolute or a path), without trailing slash. */
  collectionUrl: string;
  /** The framework's request object, handed to user handlers (guards may have set `user` on it). */
  context: unknown;
  /** Route parameters of the endpoint path other than the upload id (e.g. `username`). */
  params: Record<string, string>;
  /**
   * Sends an interim (1xx) answer ahead of the final one; false when the connection cannot carry it
   * (see the http layer). Absent where there is no connection to write to.
   */
  sendInterim?(status: number, headers: Record<string, string>): boolean;
}

/** What to answer. Header names are written as given. */
export interface TusResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Readable;
}
