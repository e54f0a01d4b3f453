/** Anything the client could not do: a bad argument, a failed connection, a file it could not read. */
export class TusClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TusClientError';
  }
}

/** The server answered with an error status; `reason` is its one-line explanation (the response body). */
export class TusHttpError extends TusClientError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${url} answered ${status}${reason ? `: ${reason}` : ''}`, options);
    this.name = 'TusHttpError';
  }
}

const MAX_REASON = 300;

/** The first line of a response body, short enough for a log line or a terminal. */
export function reasonOf(body: string | undefined): string {
  const line = (body ?? '').trim().split(/\r?\n/, 1)[0] ?? '';
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

/** The parts of tus-js-client's DetailedError this module reads (its class is not needed to read them). */
interface DetailedErrorLike {
  message: string;
  originalRequest?: { getMethod(): string; getURL(): string } | null;
  originalResponse?: { getStatus(): number; getBody(): string } | null;
  causingError?: Error | null;
}

/** tus-js-client's errors as this module's: a TusHttpError when the server answered, else a TusClientError. */
export function fromTusJsError(error: unknown): TusClientError {
  if (error instanceof TusClientError) return error;
  const detailed = error as DetailedErrorLike;
  const request = detailed?.originalRequest;
  const response = detailed?.originalResponse;
  if (request && response) {
    return new TusHttpError(response.getStatus(), reasonOf(response.getBody()), request.getMethod(), request.getURL(), { cause: error });
  }
  const cause = detailed?.causingError ?? error;
  const detail = cause instanceof Error ? cause.message : String(cause);
  const where = request ? `${request.getMethod()} ${request.getURL()} failed: ` : '';
  return new TusClientError(`${where}${detail}`, { cause: error });
}
