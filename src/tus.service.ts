import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Observable, Subject } from 'rxjs';
import { checkTusHealth, countPendingCompletions, type TusHealthOptions, type TusHealthReport } from './operations/health-check.js';
import type { TusEvent } from './protocol/tus-events.js';
import { UploadOperations } from './protocol/uploads/upload-operations.js';
import type { UploadRecord } from './protocol/upload-record.js';
import type { ByteSpan, UploadStore } from './storage/upload-store.js';
import { TUS_EVENTS, TUS_RESOLVED_OPTIONS, TUS_STORE } from './tus.constants.js';
import type { ResolvedTusOptions } from './tus-options.js';

/**
 * One tus endpoint: its options, store and uploads. Inject it to read uploads or to run the cleanup
 * yourself. The endpoint's parts are built in tus.providers.ts; its timers and shutdown live in
 * `TusLifecycle`.
 */
@Injectable()
export class TusService {
  /**
   * What happens to this endpoint's uploads: created, progress (throttled), completed, terminated,
   * expired, failed. Delivered asynchronously: subscribers never hold an upload back. A subscriber
   * that throws is reported by rxjs like any unhandled error, so catch in your handlers.
   */
  readonly events$: Observable<TusEvent>;

  constructor(
    @Inject(TUS_RESOLVED_OPTIONS) readonly options: ResolvedTusOptions,
    @Inject(TUS_STORE) readonly store: UploadStore,
    /** @internal the framework-free upload operations this endpoint runs. */
    readonly engine: UploadOperations,
    @Inject(TUS_EVENTS) events: Subject<TusEvent>,
  ) {
    this.events$ = events.asObservable();
  }

  /** An upload's record, or undefined when it does not exist, was terminated or has expired. */
  getUpload(id: string): Promise<UploadRecord | undefined> {
    return this.engine.getUpload(id);
  }

  /** The stored bytes of an upload (optionally an inclusive byte range), or undefined when it does not exist. */
  read(id: string, range?: ByteSpan): Promise<Readable | undefined> {
    return this.engine.readUpload(id, range);
  }

  /** Removes an upload as a DELETE would (a running PATCH is stopped first). False when there was none. */
  terminate(id: string): Promise<boolean> {
    return this.engine.terminateUpload(id);
  }

  /** Every live upload of this endpoint, for admin pages and cleanup jobs. */
  list(): AsyncIterable<UploadRecord> {
    return this.engine.listUploads();
  }

  /**
   * Removes expired incomplete uploads (and completed ones past `completedRetention`) now, and
   * forgets old tombstones. Resolves with the number of uploads removed. Runs on its own every
   * `cleanupInterval`.
   */
  cleanup(): Promise<number> {
    return this.engine.cleanup();
  }

  /**
   * Whether this endpoint can serve: the store answers (a file store's directory takes a file and has
   * `minFreeBytes` left; an S3Store's bucket answers), the locker answers (Redis PING), and how many
   * completion handlers are owed. `TusHealthIndicator` (`nestjs-tus/health`) reports it to terminus.
   */
  checkHealth(options?: TusHealthOptions): Promise<TusHealthReport> {
    return checkTusHealth(this.store, this.options.locker, () => this.countPendingCompletions(), options);
  }

  /** Completed uploads whose handler is still owed (a failed run waiting for its retry, or one cut by a crash). */
  countPendingCompletions(): Promise<number> {
    return countPendingCompletions(this.store);
  }
}
