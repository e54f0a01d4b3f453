import { tusRequest } from './http.js';
import type { RequestOptions } from './request-options.js';

/** DELETE on an upload URL (termination extension): the server drops the upload and its bytes. */
export async function terminate(url: string, options: RequestOptions = {}): Promise<void> {
  await tusRequest('DELETE', url, options);
}
