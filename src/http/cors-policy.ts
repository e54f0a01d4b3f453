import type { IncomingHttpHeaders } from 'node:http';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, ROUTED_METHODS } from '../protocol/tus-headers.js';
import type { CorsSettings } from './tus-http-options.js';

/**
 * CORS for the tus endpoint, answered by the module itself: browsers cannot read `Location` or
 * `Upload-Offset` unless they are exposed, and an error without CORS headers looks to a browser
 * client like a network failure (it then retries instead of reporting the real status).
 */
export class CorsPolicy {
  private readonly expose: string;
  private readonly allowHeaders: string;
  private readonly allowMethods = ROUTED_METHODS.join(', ');

  constructor(private readonly options: CorsSettings | false) {
    this.expose = options ? unique([...CORS_EXPOSED_HEADERS, ...options.exposedHeaders]).join(', ') : '';
    this.allowHeaders = options ? unique([...CORS_ALLOWED_HEADERS, ...options.allowedHeaders]).join(', ') : '';
  }

  /** True when the request comes from an origin the options do not allow. */
  forbids(headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    return this.options !== false && origin !== undefined && !this.allows(origin);
  }

  /** The CORS headers for the response to this request (empty without `Origin` or with CORS off). */
  headers(headers: IncomingHttpHeaders, method: string): Record<string, string> {
    const origin = headers.origin;
    if (this.options === false || origin === undefined || !this.allows(origin)) return {};
    const result: Record<string, string> = {
      'Access-Control-Allow-Origin': origin,
      Vary: 'Origin',
      'Access-Control-Expose-Headers': this.expose,
    };
    if (this.options.credentials) result['Access-Control-Allow-Credentials'] = 'true';
    if (method === 'OPTIONS' && headers['access-control-request-method'] !== undefined) {
      result['Access-Control-Allow-Methods'] = this.allowMethods;
      result['Access-Control-Allow-Headers'] = this.allowHeaders;
      result['Access-Control-Max-Age'] = String(this.options.maxAge);
    }
    return result;
  }

  private allows(origin: string): boolean {
    if (this.options === false) return false;
    const { origins } = this.options;
    if (origins === '*') return true;
    if (typeof origins === 'function') return origins(origin);
    return origins.includes(origin);
  }
}

function unique(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const key = n.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
