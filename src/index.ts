export { TusModule } from './tus.module.js';
export { TusService } from './tus.service.js';
export { PRE_CREATE_HANDLER, PRE_TERMINATE_HANDLER, TUS_MODULE_OPTIONS, UPLOAD_COMPLETE_HANDLER } from './tus.constants.js';
export { InjectTusService, getTusServiceToken } from './decorators/inject-tus-service.decorator.js';
export type { TusEvent } from './protocol/tus-events.js';
export type { DataRate } from './protocol/uploads/body-reader.js';
export type { TusModuleOptions, TusModuleExtras, TusCorsOptions, TusOptionsFactory, MaxSizeResolver, PrincipalResolver } from './tus-options.js';
export type { TusMetricsOptions } from './tus-options.js';
export type { TusHealthOptions, TusHealthReport } from './operations/health-check.js';
export type { PreCreateHandler, PreTerminateHandler, UploadCompleteHandler } from './interfaces/tus-handlers.interface.js';
export type { HandlerContext, PreCreateContext, PreCreateResult, UploadCompleteContext, UploadRecord } from './protocol/upload-record.js';
export { TusError } from './protocol/tus-error.js';
export { FileStore, type FileStoreOptions } from './storage/file-store.js';
export {
  TusDataStoreAdapter,
  type TusDataStoreAdapterOptions,
  type TusDataStoreLike,
  type KvStoreLike,
  type SideRecord,
} from './storage/tus-datastore-adapter.js';
export {
  StorageFullError,
  UploadExistsError,
  type GoneReason,
  type NewUpload,
  type PendingCompletion,
  type StoreCapabilities,
  type ConcatenatingStore,
  type CoreUploadStore,
  type DeferredLengthStore,
  type FullUploadStore,
  type ReadableStore,
  type ByteSpan,
  type StoreEntry,
  type StoreHealth,
  type StoredUpload,
  type UploadLookup,
  type UploadStore,
} from './storage/upload-store.js';
export { capabilitiesOf } from './storage/store-capabilities.js';
export { MemoryLocker } from './locking/memory-locker.js';
export { LockTimeoutError, type Lock, type Locker } from './locking/locker.js';
export {
  RedisLocker,
  type RedisLockerClient,
  type RedisLockerOptions,
  type RedisLockerSubscriber,
} from './locking/redis-locker.js';
export { S3Store, type S3StoreOptions, type S3ClientLike, type S3ClientSettings } from './storage/s3-store.js';
