import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { answerHeaderOverflow } from './http/header-overflow.js';
import { TusHttpHandler } from './http/tus-http-handler.js';
import { Subject, type Observable } from 'rxjs';
import type { Readable } from 'node:stream';
import type { PreCreateHandler, PreTerminateHandler, UploadCompleteHandler } from './interfaces/tus-handlers.interface.js';
import { validateMetadata } from './metadata-validation.js';
import type { TusEvent } from './protocol/tus-events.js';
import { DrainingLocker } from './locking/draining-locker.js';
import { MemoryLocker } from './locking/memory-locker.js';
import { GracefulShutdown } from './operations/graceful-shutdown.js';
import { checkTusHealth, type TusHealthOptions, type TusHealthReport } from './operations/health-check.js';
import { TusMetrics, type InstrumentedParts } from './operations/metrics/tus-metrics.js';
import { TusEngine } from './protocol/tus-engine.js';
import type { UploadRecord } from './protocol/upload-record.js';
import { FileStore } from './storage/file-store.js';
import { capabilitiesOf } from './storage/store-capabilities.js';
import type { ByteSpan, UploadStore } from './storage/upload-store.js';
import { PRE_CREATE_HANDLER, PRE_TERMINATE_HANDLER, TUS_ENDPOINT, TUS_MODULE_OPTIONS, UPLOAD_COMPLETE_HANDLER } from './tus.constants.js';
import { resolveTusOptions, type ResolvedTusOptions, type TusModuleOptions } from './tus-options.js';

const NODE_DEFAULT_REQUEST_TIMEOUT = 300_000;
const DEFAULT_METADATA_PAIRS = 64;

/**
 * One tus endpoint: its options, store, engine and housekeeping. Inject it to read uploads or to run
 * the cleanup yourself.
 */
@Injectable()
export class TusService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  readonly options: ResolvedTusOptions;
  readonly store: UploadStore;
  /** @internal the protocol engine (framework-free). */
  readonly engine: TusEngine;
  /** @internal the HTTP glue used by the generated controller. */
  readonly http: TusHttpHandler;
  private readonly logger = new Logger('TusModule');
  private cleanupTimer: NodeJS.Timeout | undefined;
  private completionTimer: NodeJS.Timeout | undefined;
  private readonly shutdown: GracefulShutdown;

  /**
   * What happens to this endpoint's uploads: created, progress (throttled), completed, terminated,
   * expired, failed. Delivered asynchronously: subscribers never hold an upload back. A subscriber
   * that throws is reported by rxjs like any unhandled error, so catch in your handlers.
   */
  readonly events$: Observable<TusEvent>;
  private readonly events = new Subject<TusEvent>();

  constructor(
    @Inject(TUS_MODULE_OPTIONS) options: TusModuleOptions,
    @Optional() @Inject(PRE_CREATE_HANDLER) preCreate?: PreCreateHandler,
    @Optional() @Inject(UPLOAD_COMPLETE_HANDLER) uploadComplete?: UploadCompleteHandler,
    @Optional() @Inject(PRE_TERMINATE_HANDLER) preTerminate?: PreTerminateHandler,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
    @Optional() @Inject(TUS_ENDPOINT) endpoint = 'files',
  ) {
    this.options = resolveTusOptions(options);
    this.events$ = this.events.asObservable();
    const o = this.options;
    this.store = o.store ?? new FileStore({ directory: o.directory, fsync: o.fsync });
    const { maxSize, principal, metadata } = o;
    const metrics = o.metrics ? new TusMetrics(o.metrics, endpoint, () => this.countPendingCompletions()) : undefined;
    if (metrics) this.events.subscribe((event) => metrics.event(event));
    const parts: InstrumentedParts = {
      store: this.store,
      locker: o.locker ?? new MemoryLocker(),
      uploadComplete: uploadComplete && ((upload, context) => uploadComplete.onUploadComplete(upload, context)),
    };
    const { store, locker: observed, uploadComplete: onUploadComplete } = metrics ? metrics.instrument(parts) : parts;
    const locker = new DrainingLocker(observed);
    this.shutdown = new GracefulShutdown(locker, o.shutdownTimeout, () => this.adapterHost?.httpAdapter?.getHttpServer() as Server | undefined);
    this.engine = new TusEngine({
      store,
      locker,
      hooks: {
        preCreate: preCreate && ((context) => preCreate.onPreCreate(context)),
        uploadComplete: onUploadComplete,
        preTerminate: preTerminate && ((upload, context) => preTerminate.onPreTerminate(upload, context)),
        validateMetadata: metadata && ((values) => validateMetadata(metadata, values)),
        principal: principal && (async (request) => principal(request)),
      },
      maxSize: async (request) => (typeof maxSize === 'function' ? await maxSize(request) : maxSize),
      maxMetadataSize: o.maxMetadataSize,
      maxMetadataPairs: DEFAULT_METADATA_PAIRS,
      maxConcatParts: o.maxConcatParts,
      expireIncompleteAfter: o.expireIncompleteAfter,
      completedRetention: o.completedRetention,
      tombstoneRetention: o.tombstoneRetention,
      idleTimeout: o.idleTimeout,
      minDataRate: o.minDataRate || undefined,
      lockTimeout: o.lockTimeout,
      download: { enabled: o.download && capabilitiesOf(this.store).read, incomplete: o.downloadIncomplete },
      emit: (event) => setImmediate(() => this.events.next(event)),
      progressInterval: o.progressInterval,
      completion: { background: o.completion === 'background', retryDelay: o.completionRetryDelay },
    });
    this.http = new TusHttpHandler(this.engine, o, this.shutdown, metrics);
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

  async onModuleInit(): Promise<void> {
    try {
      await this.store.init();
    } catch (error) {
      const hint = this.store instanceof FileStore ? 'check the "directory" option and its permissions' : "check the store's settings (bucket, endpoint, credentials)";
      throw new Error(`TusModule: the upload store could not be prepared (${(error as Error).message}); ${hint}`, { cause: error });
    }
    if (this.options.cleanupInterval > 0) {
      this.cleanupTimer = setInterval(() => void this.runCleanup(), this.options.cleanupInterval);
      this.cleanupTimer.unref();
    }
  }

  onApplicationBootstrap(): void {
    // Completion handlers owed from before a crash run once the whole application is up (the
    // handlers' own dependencies included), then failed ones on their backoff schedule.
    void this.runCompletions();
    this.completionTimer = setInterval(() => void this.runCompletions(), this.options.completionRetryDelay);
    this.completionTimer.unref();
    const server = this.adapterHost?.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) answerHeaderOverflow(server);
    if (!this.options.disableRequestTimeout) return;
    // Only Node's default is changed; a value the application chose is left alone.
    if (server && server.requestTimeout === NODE_DEFAULT_REQUEST_TIMEOUT) server.requestTimeout = 0;
  }

  /**
   * The first shutdown hook (the HTTP server still answers): refuses new uploads, asks running PATCHes
   * to stop and waits up to `shutdownTimeout` for them and for running completion handlers.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.cleanupTimer);
    clearInterval(this.completionTimer);
    await this.shutdown.drain();
  }

  /** The server has closed: `events$` completes after the last event it emitted. */
  async onApplicationShutdown(): Promise<void> {
    this.shutdown.finish();
    // Behind the events still queued (they are delivered on setImmediate too), before Nest ends the process.
    await new Promise((resolve) => setImmediate(resolve));
    this.events.complete();
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
  async countPendingCompletions(): Promise<number> {
    let count = 0;
    for await (const _pending of this.store.listPendingCompletions()) count++;
    return count;
  }

  private async runCompletions(): Promise<void> {
    if (this.shutdown.closing) return;
    const end = this.shutdown.work.begin();
    try {
      await this.engine.resumeCompletions();
    } catch (error) {
      this.logger.error(`completion retry failed: ${(error as Error).message}`);
    } finally {
      end();
    }
  }

  private async runCleanup(): Promise<void> {
    if (this.shutdown.closing) return;
    const end = this.shutdown.work.begin();
    try {
      const removed = await this.cleanup();
      if (removed > 0) this.logger.log(`cleanup removed ${removed} expired upload(s)`);
    } catch (error) {
      this.logger.error(`cleanup failed: ${(error as Error).message}`);
    } finally {
      end();
    }
  }
}
