// A tiny raw HTTP/1.1 client for the e2e tests. No supertest on purpose: the tests need the exact
// request path on the wire (`%2e%2e%2f` must not be normalised), chunked bodies, bodies fed by hand
// and sockets destroyed mid-body.
import http from 'node:http';

export type HeaderInput = Record<string, string | number | readonly string[]>;
export type BodyInput = Buffer | string | AsyncIterable<Buffer | Uint8Array | string>;

export interface HttpResponse {
  status: number;
  /** Lower-cased header names as Node parses them. */
  headers: http.IncomingHttpHeaders;
  /** Name/value pairs exactly as received (case and duplicates kept). */
  rawHeaders: string[];
  body: Buffer;
  /** True when the connection ended before the response body was complete. */
  truncated: boolean;
  /** Interim (1xx) answers received before this one, in order (Node's 'information' events). */
  interim: InterimResponse[];
}

export interface InterimResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
}

export interface RequestOptions {
  method: string;
  /** Sent verbatim as the request target, e.g. `/files/%2e%2e%2fx`. */
  path: string;
  headers?: HeaderInput;
  /**
   * Buffer/string: sent with a Content-Length (unless the headers already set Content-Length or
   * Transfer-Encoding). AsyncIterable: sent chunked unless the headers set a Content-Length.
   */
  body?: BodyInput;
  /** Destroys the request when no response arrived in time (default 30 s). */
  timeoutMs?: number;
  /** HTTP trailers sent after a chunked body (announce them with a `Trailer` header). */
  trailers?: Record<string, string>;
}

export interface ManualRequest {
  /** Writes one chunk; resolves true once it is handed to the socket, false when the request is dead. */
  write(chunk: Buffer | string): Promise<boolean>;
  /** Ends the body (optionally with a last chunk). */
  end(chunk?: Buffer | string): Promise<boolean>;
  /** Destroys the socket at once, mid-body if need be. */
  abort(): void;
  /** Sets trailers to send after the last chunk (chunked bodies only). */
  addTrailers(trailers: Record<string, string>): void;
  /** The response; rejects when the connection fails before a response head arrived. */
  readonly response: Promise<HttpResponse>;
  /** Never rejects: the response or the error. */
  readonly settled: Promise<HttpResponse | Error>;
  /** Body bytes successfully handed to the socket so far. */
  readonly bytesWritten: number;
  /** True once a response head arrived or the request failed. */
  readonly done: boolean;
  /** Interim (1xx) answers received so far. */
  readonly interim: readonly InterimResponse[];
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function hasHeader(headers: HeaderInput | undefined, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers ?? {}).some((key) => key.toLowerCase() === lower);
}

function toNodeHeaders(headers: HeaderInput | undefined): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    out[key] = Array.isArray(value) ? [...value] : (value as string | number);
  }
  return out;
}

/**
 * Opens a request and returns a handle whose body is fed by hand. The request headers are sent
 * with the first write (or on `end`). Without a Content-Length header the body goes chunked
 * (for methods that carry a body).
 */
export function openRequest(baseUrl: string, options: Omit<RequestOptions, 'body'>): ManualRequest {
  const base = new URL(baseUrl);
  const req = http.request({
    host: base.hostname,
    port: base.port,
    method: options.method,
    path: options.path,
    headers: toNodeHeaders(options.headers),
    agent: false,
  });
  let bytesWritten = 0;
  let done = false;
  let dead = false;
  const interim: InterimResponse[] = [];
  req.on('information', (info) => interim.push({ status: info.statusCode, headers: info.headers }));

  const response = new Promise<HttpResponse>((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy(new Error(`no response to ${options.method} ${options.path} within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    timer.unref();
    req.on('error', (error) => {
      dead = true;
      done = true;
      clearTimeout(timer);
      reject(error);
    });
    req.on('response', (res) => {
      done = true;
      clearTimeout(timer);
      const chunks: Buffer[] = [];
      let finished = false;
      const finish = (truncated: boolean) => {
        if (finished) return;
        finished = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
          truncated,
          interim,
        });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(false));
      res.on('aborted', () => finish(true));
      res.on('error', () => finish(true));
      res.on('close', () => finish(!res.complete));
    });
  });
  response.catch(() => undefined);
  const settled = response.then(
    (res) => res,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );

  const writeWith = (fn: (cb: (error?: Error | null) => void) => void, size: number) =>
    new Promise<boolean>((resolve) => {
      if (dead || req.destroyed) return resolve(false);
      try {
        fn((error) => {
          if (error) {
            dead = true;
            return resolve(false);
          }
          bytesWritten += size;
          resolve(true);
        });
      } catch {
        dead = true;
        resolve(false);
      }
    });

  return {
    write: (chunk) => writeWith((cb) => req.write(chunk, cb), Buffer.byteLength(chunk)),
    end: (chunk) =>
      chunk === undefined
        ? writeWith((cb) => req.end(() => cb()), 0)
        : writeWith((cb) => req.end(chunk, () => cb()), Buffer.byteLength(chunk)),
    abort: () => {
      dead = true;
      req.destroy();
    },
    addTrailers: (trailers) => req.addTrailers(trailers),
    response,
    settled,
    get bytesWritten() {
      return bytesWritten;
    },
    get done() {
      return done;
    },
    interim,
  };
}

/** One request with a complete body; resolves with status, headers and the whole response body. */
export async function request(baseUrl: string, options: RequestOptions): Promise<HttpResponse> {
  const headers: HeaderInput = { ...options.headers };
  const { body } = options;
  if (
    (typeof body === 'string' || Buffer.isBuffer(body)) &&
    !hasHeader(headers, 'content-length') &&
    !hasHeader(headers, 'transfer-encoding')
  ) {
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  const req = openRequest(baseUrl, { ...options, headers });
  if (body === undefined) {
    // Raced with the outcome: a request that fails before it is flushed (a server that just died) never calls back from end().
    await Promise.race([req.end(), req.settled]);
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    await Promise.race([req.end(body), req.settled]);
  } else {
    for await (const chunk of body) {
      if (req.done) break; // the server already answered (e.g. 413): stop feeding
      if (!(await req.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk)))) break;
    }
    if (options.trailers) req.addTrailers(options.trailers);
    await req.end();
  }
  return req.response;
}

/** An async iterable yielding `chunks` one by one (a chunked body when used without Content-Length). */
export async function* chunked(...chunks: Array<Buffer | string>): AsyncIterable<Buffer> {
  for (const chunk of chunks) yield Buffer.from(chunk);
}

/** First value of a response header (Node joins most repeated headers already). */
export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Comma-separated header value as a list of lower-cased, trimmed tokens. */
export function headerTokens(res: HttpResponse, name: string): string[] {
  return (header(res, name) ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter(Boolean);
}
