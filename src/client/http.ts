import { TusClientError, TusHttpError, reasonOf } from './errors.js';
import { resolveHeaders, retryDelays, shouldRetry, sleep, type RequestOptions } from './request-options.js';

/** A response of one of the small requests (OPTIONS, HEAD, DELETE) this client sends itself. */
export interface SmallResponse {
  status: number;
  headers: globalThis.Headers;
}

/**
 * One bodiless tus request with the caller's headers and retries; any status but 2xx is a TusHttpError
 * carrying the server's reason. Uploads themselves go through tus-js-client.
 */
export async function tusRequest(method: string, url: string, options: RequestOptions): Promise<SmallResponse> {
  const delays = retryDelays(options);
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    const headers = { 'Tus-Resumable': '1.0.0', ...(await resolveHeaders(options.headers)) };
    let error: TusClientError;
    try {
      const response = await fetch(url, { method, headers, signal: options.signal, redirect: 'follow' });
      const body = method === 'HEAD' ? '' : await response.text();
      if (response.ok) return { status: response.status, headers: response.headers };
      error = new TusHttpError(response.status, reasonOf(body) || response.statusText, method, url);
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason;
      error = new TusClientError(`${method} ${url} failed: ${(cause as Error).cause ? String((cause as Error).cause) : (cause as Error).message}`, { cause });
    }
    if (attempt >= delays.length || !shouldRetry(options, error, attempt)) throw error;
    await sleep(delays[attempt]!, options.signal);
  }
}
