import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sees every tus request (metrics); `started` may be called twice for one request and counts it once. */
export interface RequestObserver {
  started(req: IncomingMessage, res: ServerResponse, method: string): void;
}
