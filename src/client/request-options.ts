import { TusHttpError, type TusClientError } from './errors.js';

/** Request headers, e.g. `{ Authorization: 'Bearer …' }`. */
export type Headers = Record<string, string>;

/** Static headers, or a function asked before every request (a token that is refreshed, for instance). */
export type HeadersOption = Headers | (() => Headers | Promise<Headers>);

export interface RetryOptions {
  /** Milliseconds to wait before each retry; as many retries as delays. Default [0, 1000, 3000, 5000]. */
  delays?: number[];
  /**
   * Whether to retry after `error` (`attempt` counts from 0). Default: network failures, 5xx, 409, 423
   * and 460 (checksum mismatch: the chunk was damaged on its way and is sent again).
   */
  shouldRetry?: (error: TusClientError, attempt: number) => boolean;
}

/** What every call (upload, metadata, terminate) accepts. */
export interface RequestOptions {
  headers?: HeadersOption;
  /** `false`: no retries. */
  retry?: RetryOptions | false;
  /** Aborting stops the call; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const DEFAULT_RETRY_DELAYS = [0, 1000, 3000, 5000];

export function resolveHeaders(option: HeadersOption | undefined): Promise<Headers> {
  return Promise.resolve(typeof option === 'function' ? option() : (option ?? {}));
}

export function retryDelays(options: RequestOptions): number[] {
  return options.retry === false ? [] : (options.retry?.delays ?? DEFAULT_RETRY_DELAYS);
}

export function defaultShouldRetry(error: TusClientError): boolean {
  if (!(error instanceof TusHttpError)) return true;
  const { status } = error;
  return status >= 500 || status === 409 || status === 423 || status === 460;
}

export function shouldRetry(options: RequestOptions, error: TusClientError, attempt: number): boolean {
  if (options.retry === false) return false;
  return (options.retry?.shouldRetry ?? defaultShouldRetry)(error, attempt);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
