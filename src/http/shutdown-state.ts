import type { Activity } from '../protocol/activity.js';

/** What the HTTP glue needs to know of a shutdown in progress (see operations/graceful-shutdown.ts). */
export interface ShutdownState {
  /** New uploads and appends are refused with 503 once this is true. */
  readonly closing: boolean;
  /** Seconds for `Retry-After` on those refusals. */
  readonly retryAfter: number;
  /** Writing requests are counted here, so the shutdown can wait for them. */
  readonly work: Activity;
}
