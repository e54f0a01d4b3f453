import type { Locker } from '../locking/locker.js';
import type { UploadStore } from '../storage/upload-store.js';
import type { DownloadPolicy } from './download.js';
import type { EngineHooks } from './upload-record.js';

/** What the protocol engine is built from: the store, the locker, user hooks and the limits. */
export interface TusEngineConfig {
  store: UploadStore;
  locker: Locker;
  hooks: EngineHooks;
  /** The largest upload accepted for this request, or undefined for no limit. */
  maxSize(context: unknown): Promise<number | undefined>;
  maxMetadataSize: number;
  maxMetadataPairs: number;
  expireIncompleteAfter: number;
  completedRetention: number;
  /** How long a terminated or expired id keeps answering 410 before it is forgotten (404). */
  tombstoneRetention: number;
  idleTimeout: number;
  lockTimeout: number;
  /** GET on an upload URL: served at all, and for incomplete uploads too? */
  download: DownloadPolicy;
}
