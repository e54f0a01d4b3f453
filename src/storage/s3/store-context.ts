import type { KeyLayout } from './layout.js';
import type { PartLimits } from './part-plan.js';
import type { S3Api } from './s3-api.js';

/** What the writers share with the store. */
export interface StoreContext {
  api: S3Api;
  keys: KeyLayout;
  limits: PartLimits;
}
