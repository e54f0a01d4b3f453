import { Logger, type Provider } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { Subject } from 'rxjs';
import { httpExceptionStatus } from './http/http-exception-status.js';
import { TusHttpHandler } from './http/tus-http-handler.js';
import type { PreCreateHandler, PreTerminateHandler, UploadCompleteHandler } from './interfaces/tus-handlers.interface.js';
import { DrainingLocker } from './locking/draining-locker.js';
import { MemoryLocker } from './locking/memory-locker.js';
import { RedisLocker } from './locking/redis-locker.js';
import { validateMetadata } from './metadata-validation.js';
import { GracefulShutdown } from './operations/graceful-shutdown.js';
import { countPendingCompletions } from './operations/health-check.js';
import { TusMetrics } from './operations/metrics/tus-metrics.js';
import type { DownloadPolicy } from './protocol/uploads/download.js';
import { IetfDraft } from './protocol/ietf-draft/ietf-draft.js';
import { TusEngine } from './protocol/tus-engine.js';
import type { TusEvent } from './protocol/tus-events.js';
import { TusV1 } from './protocol/tus-v1.js';
import type { MetadataLimits } from './protocol/uploads/upload-metadata.js';
import { UploadOperations } from './protocol/uploads/upload-operations.js';
import type { EngineHooks } from './protocol/upload-record.js';
import { FileStore } from './storage/file-store.js';
import { capabilitiesOf } from './storage/store-capabilities.js';
import type { UploadStore } from './storage/upload-store.js';
import {
  PRE_CREATE_HANDLER,
  PRE_TERMINATE_HANDLER,
  TUS_ENDPOINT,
  TUS_EVENTS,
  TUS_LOCKER,
  TUS_METRICS,
  TUS_MODULE_OPTIONS,
  TUS_RESOLVED_OPTIONS,
  TUS_SHUTDOWN,
  TUS_STORE,
  UPLOAD_COMPLETE_HANDLER,
} from './tus.constants.js';
import { resolveTusOptions, type ResolvedTusOptions, type TusModuleOptions } from './tus-options.js';

const DEFAULT_METADATA_PAIRS = 64;

const optional = (token: symbol | typeof HttpAdapterHost) => ({ token, optional: true });

/**
 * The composition root of one registration: every part of the endpoint is a provider built from the
 * resolved options, so each `forRoot` gets its own set and the layers below (http, operations,
 * protocol, storage, locking) never see Nest's container or the module's option types.
 */
export const TUS_PROVIDERS: Provider[] = [
  {
    provide: TUS_RESOLVED_OPTIONS,
    inject: [TUS_MODULE_OPTIONS],
    useFactory: (options: TusModuleOptions): ResolvedTusOptions => resolveTusOptions(options),
  },
  {
    provide: TUS_STORE,
    inject: [TUS_RESOLVED_OPTIONS],
    useFactory: (o: ResolvedTusOptions): UploadStore => o.store ?? new FileStore({ directory: o.directory, fsync: o.fsync }),
  },
  { provide: TUS_EVENTS, useFactory: () => new Subject<TusEvent>() },
  {
    provide: TUS_METRICS,
    inject: [TUS_RESOLVED_OPTIONS, TUS_STORE, TUS_EVENTS, optional(TUS_ENDPOINT)],
    useFactory: (o: ResolvedTusOptions, store: UploadStore, events: Subject<TusEvent>, endpoint = 'files'): TusMetrics | null => {
      if (!o.metrics) return null;
      const metrics = new TusMetrics(o.metrics, endpoint, () => countPendingCompletions(store));
      events.subscribe((event) => metrics.event(event));
      return metrics;
    },
  },
  {
    provide: TUS_LOCKER,
    inject: [TUS_RESOLVED_OPTIONS, TUS_METRICS],
    useFactory: (o: ResolvedTusOptions, metrics: TusMetrics | null): DrainingLocker => {
      const locker = o.locker ?? new MemoryLocker();
      // A RedisLocker built without `onError` reports through Nest's logger, like the rest of the module.
      if (locker instanceof RedisLocker) locker.useLogger(new Logger('RedisLocker'));
      return new DrainingLocker(metrics ? metrics.observeLocker(locker) : locker);
    },
  },
  {
    provide: TUS_SHUTDOWN,
    inject: [TUS_RESOLVED_OPTIONS, TUS_LOCKER, optional(HttpAdapterHost)],
    useFactory: (o: ResolvedTusOptions, locker: DrainingLocker, adapterHost?: HttpAdapterHost) =>
      new GracefulShutdown(locker, o.shutdownTimeout, () => adapterHost?.httpAdapter?.getHttpServer() as Server | undefined, new Logger('TusModule')),
  },
  {
    provide: UploadOperations,
    inject: [
      TUS_RESOLVED_OPTIONS,
      TUS_STORE,
      TUS_LOCKER,
      TUS_METRICS,
      TUS_EVENTS,
      optional(PRE_CREATE_HANDLER),
      optional(UPLOAD_COMPLETE_HANDLER),
      optional(PRE_TERMINATE_HANDLER),
    ],
    useFactory: (
      o: ResolvedTusOptions,
      rawStore: UploadStore,
      locker: DrainingLocker,
      metrics: TusMetrics | null,
      events: Subject<TusEvent>,
      preCreate?: PreCreateHandler,
      uploadComplete?: UploadCompleteHandler,
      preTerminate?: PreTerminateHandler,
    ): UploadOperations => {
      const { maxSize, principal, metadata } = o;
      const onUploadComplete: EngineHooks['uploadComplete'] = uploadComplete && ((upload, context) => uploadComplete.onUploadComplete(upload, context));
      return new UploadOperations({
        store: metrics ? metrics.observeStore(rawStore) : rawStore,
        locker,
        hooks: {
          preCreate: preCreate && ((context) => preCreate.onPreCreate(context)),
          uploadComplete: metrics ? metrics.observeCompletion(onUploadComplete) : onUploadComplete,
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
        download: downloadPolicy(o, rawStore),
        emit: (event) => setImmediate(() => events.next(event)),
        progressInterval: o.progressInterval,
        completion: { background: o.completion === 'background', retryDelay: o.completionRetryDelay, answerStatus: httpExceptionStatus },
      });
    },
  },
  {
    provide: TusV1,
    inject: [UploadOperations, TUS_RESOLVED_OPTIONS, TUS_STORE],
    useFactory: (operations: UploadOperations, o: ResolvedTusOptions, store: UploadStore) =>
      new TusV1(operations, { metadataLimits: metadataLimits(o), download: downloadPolicy(o, store) }),
  },
  {
    provide: IetfDraft,
    inject: [UploadOperations, TUS_RESOLVED_OPTIONS],
    useFactory: (operations: UploadOperations, o: ResolvedTusOptions) => new IetfDraft(operations, metadataLimits(o), operations.capabilities.staging),
  },
  { provide: TusEngine, inject: [TusV1, IetfDraft], useFactory: (tus: TusV1, draft: IetfDraft) => new TusEngine(tus, draft) },
  {
    provide: TusHttpHandler,
    inject: [TusEngine, TUS_RESOLVED_OPTIONS, TUS_SHUTDOWN, TUS_METRICS],
    useFactory: (engine: TusEngine, o: ResolvedTusOptions, shutdown: GracefulShutdown, metrics: TusMetrics | null) =>
      new TusHttpHandler(engine, { cors: o.cors, trustProxy: o.trustProxy, relativeLocation: o.relativeLocation }, shutdown, metrics ?? undefined),
  },
];

function metadataLimits(o: ResolvedTusOptions): MetadataLimits {
  return { maxSize: o.maxMetadataSize, maxPairs: DEFAULT_METADATA_PAIRS };
}

/** GET serves uploads when the option says so and the store can read them back. */
function downloadPolicy(o: ResolvedTusOptions, store: UploadStore): DownloadPolicy {
  return { enabled: o.download && capabilitiesOf(store).read, incomplete: o.downloadIncomplete };
}
