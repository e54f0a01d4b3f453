import type { Locker } from '../../locking/locker.js';
import type { UploadStore } from '../../storage/upload-store.js';
import type { DataRate } from './body-reader.js';
import type { CompletionSettings } from './completion-runner.js';
import type { DownloadPolicy } from './download.js';
import type { EmitEvent } from '../tus-events.js';
import type { EngineHooks } from '../upload-record.js';

/** What the protocol engine is built from: the store, the locker, user hooks and the limits. */
export interface TusEngineConfig {
  store: UploadStore;
  locker: Locker;
  hooks: EngineHooks;
  /** The largest upload accepted for this request, or undefined for no limit. */
  maxSize(context: unknown): Promise<number | undefined>;
  maxMetadataSize: number;
  maxMetadataPairs: number;
  /** Most parts (repeats included) one final upload may list. */
  maxConcatParts: number;
  expireIncompleteAfter: number;
  completedRetention: number;
  /** How long a terminated or expired id keeps answering 410 before it is forgotten (404). */
  tombstoneRetention: number;
  idleTimeout: number;
  /** The slowest a request body may arrive (bytes per interval ms); undefined = no floor. */
  minDataRate?: DataRate;
  lockTimeout: number;
  /** Where upload events go (`TusService.events$`); must not throw or block. */
  emit: EmitEvent;
  /** ms between two progress events of one upload. */
  progressInterval: number;
  completion: CompletionSettings;
  /** GET on an upload URL: served at all, and for incomplete uploads too? */
  download: DownloadPolicy;
}
