/**
 * Where uploads live. The engine (protocol/) drives a store through this interface only, so a store
 * on object storage fits beside the file store. Everything a second instance must see (info, offset,
 * tombstones) is kept in the store, never only in process memory.
 */
export interface StoredUpload {
  id: string;
  /** Total size; undefined while the client deferred it. */
  length?: number;
  /** Bytes stored, never ahead of what is really in storage. */
  offset: number;
  /** Decoded client metadata. */
  metadata: Record<string, string | null>;
  /** The `Upload-Metadata` header exactly as the client sent it (HEAD echoes it). */
  rawMetadata?: string;
  /** Epoch ms. */
  createdAt: number;
  /**
   * Epoch ms of the last stored byte (or of creation). Once a write has finished it must read the
   * same on every lookup, after a restart too: downloads derive `ETag` and `Last-Modified` from it.
   */
  updatedAt: number;
  /** Set for the parts and the result of a concatenation. */
  concat?: ConcatInfo;
  /** The principal that owns the upload, when ownership is on. */
  owner?: string;
  /** Data the application stored beside the upload (never sent to clients). */
  serverMetadata?: Record<string, unknown>;
  /** Where under the store's root the bytes live (a sub-folder, or a key prefix), e.g. `users/alice`. */
  folder?: string;
}

/**
 * Concatenation (tus `Upload-Concat`): a partial may be waited for by finals created before it was
 * complete (concatenation-unfinished); a final lists its parts in order and is `assembled` once its
 * bytes are in place (the store derives that; it is not client state).
 */
export type ConcatInfo =
  | { kind: 'partial'; finals?: string[] }
  | { kind: 'final'; parts: string[]; header: string; assembled?: boolean };

export type NewUpload = Omit<StoredUpload, 'offset' | 'updatedAt'>;

/** Why an upload no longer exists: kept as a tombstone so requests get 410 rather than 404. */
export type GoneReason = 'terminated' | 'expired';

export type UploadLookup =
  | { state: 'active'; upload: StoredUpload }
  /** `owner`: the principal the upload belonged to, so its tombstone is hidden from others as well. */
  | { state: 'gone'; reason: GoneReason; owner?: string }
  | { state: 'missing' };

export interface PendingCompletion {
  /** Failed runs so far. */
  attempts: number;
  /** Epoch ms before which no retry runs. */
  notBefore: number;
  /** Route parameters of the request that completed the upload, for the handler's context. */
  params: Record<string, string>;
  /** Why the last run failed. */
  lastError?: string;
}

export interface AppendOptions {
  verify?: () => boolean | Promise<boolean>;
  /**
   * Whether the body was read to its end (the client sent all of it). An append that answered a
   * {@link UploadStore.checkpoint} and then fell short may end at that checkpoint's offset.
   */
  bodyComplete?: () => boolean;
  /**
   * The upload as `lookup` returned it moments ago, under the lock this append runs in: a store may
   * reuse what it read for it rather than read it again (S3Store saves a request per PATCH).
   */
  upload?: StoredUpload;
}

export interface CreateOptions {
  /** The id was generated here (128 random bits), not chosen by the application: a store may skip checking that it is free. */
  generatedId?: boolean;
}

/**
 * What every store must do. The tus extensions beyond the core come from optional members: a store
 * advertises (and accepts) only those whose methods it has, see {@link capabilitiesOf}.
 */
export interface CoreUploadStore {
  /**
   * Whether `append` honours `verify` (staged appends, the checksum extensions). A mode of `append`
   * rather than a method of its own, so it is a flag: absent means it does; `false` opts out.
   */
  readonly staging?: boolean;
  /** Prepares the store (creates directories, checks permissions). Called once at start-up. */
  init(): Promise<void>;
  /** Creates an empty upload. Rejects with {@link UploadExistsError} when the id is taken. */
  create(upload: NewUpload, options?: CreateOptions): Promise<StoredUpload>;
  lookup(id: string): Promise<UploadLookup>;
  /**
   * Appends the batches at `offset` and resolves with the new offset. Bytes written before a failure
   * stay (the offset is then what `lookup` reports). A full disk rejects with {@link StorageFullError}.
   *
   * With `verify`, the bytes are staged: no offset counts them (not even after a crash) until
   * `verify` has answered true once the body ended; on false they are discarded and the offset is
   * unchanged. The checksum extension uses this; a store that cannot stage says `staging: false`.
   */
  append(id: string, offset: number, body: AsyncIterable<Buffer[]>, options?: AppendOptions): Promise<number>;
  /** Deletes the upload's data and leaves a tombstone saying why (and whose it was). */
  remove(id: string, reason: GoneReason): Promise<void>;
  /** Every upload and tombstone, for cleanup jobs. Order is unspecified. */
  list(): AsyncIterable<StoreEntry>;
  /** Drops a tombstone for good. */
  forget(id: string): Promise<void>;
  /**
   * Durable completion bookkeeping: a completed upload whose UploadCompleteHandler has not succeeded
   * yet. Written before the handler runs, cleared after it succeeded, listed after a crash.
   */
  setPendingCompletion(id: string, pending: PendingCompletion): Promise<void>;
  clearPendingCompletion(id: string): Promise<void>;
  listPendingCompletions(): AsyncIterable<PendingCompletion & { id: string }>;
  /**
   * One upload's pending completion as stored now, or undefined once cleared. A retry reads it under the
   * completion lock, since a listing may be stale by then; without this method it lists them all.
   */
  getPendingCompletion?(id: string): Promise<PendingCompletion | undefined>;
  /** Health probe (`TusService.checkHealth()`): rejects when the store cannot serve; may report free space. */
  checkHealth?(): Promise<StoreHealth>;
  /**
   * For a store whose appends hold received bytes in memory before they count (S3Store): makes what a
   * running append of `id` in this process holds count now, and resolves once it does (at once when
   * none runs). Offset retrieval calls it, through the locker, on the instance holding the upload, so
   * the offset it reports is one the next append is accepted at. Stores that write through omit it.
   */
  checkpoint?(id: string): Promise<void>;
}

/**
 * The methods every store must have, for the start-up check of a store passed in the options. A
 * type-level test holds it equal to the required members of {@link UploadStore}.
 */
export const UPLOAD_STORE_METHODS = [
  'init',
  'create',
  'lookup',
  'append',
  'remove',
  'list',
  'forget',
  'setPendingCompletion',
  'clearPendingCompletion',
  'listPendingCompletions',
] as const;

/** creation-defer-length: an upload created without a length gets one later. */
export interface DeferredLengthStore {
  /** Records a deferred length once it is known. */
  declareLength(id: string, length: number): Promise<void>;
}

/**
 * The concatenation extensions. A final's length may be known only once its parts are, so a store
 * that concatenates also declares lengths.
 */
export interface ConcatenatingStore extends DeferredLengthStore {
  /**
   * Puts the bytes of `parts` (complete uploads, in order) in place as the data of the final upload
   * `id`, all at once: a reader sees the final either unassembled or whole. Stores that can copy
   * without reading through the process should (a file system's copy, S3's UploadPartCopy).
   */
  concatenate(id: string, parts: StoredUpload[]): Promise<StoredUpload>;
  /** Notes on a partial that the final `finalId` waits for it (concatenation-unfinished). */
  linkFinal(partialId: string, finalId: string): Promise<void>;
}

/** GET downloads, `TusService.read()` and the completion handler's `read()`. */
export interface ReadableStore {
  /**
   * The stored bytes of an upload: `range` (inclusive at both ends, like HTTP's `bytes=start-end`)
   * or, without it, all of them. The caller asks only for bytes below the offset it looked up; an
   * upload nothing was written to yet reads as empty.
   */
  read(id: string, range?: ByteSpan): Promise<import('node:stream').Readable>;
}

/** What a store can do beyond the core, as {@link capabilitiesOf} derives it from the store's members. */
export interface StoreCapabilities {
  /** Staged appends (`append` with `verify`): the checksum extensions. */
  staging: boolean;
  /** `concatenate` / `linkFinal`: the concatenation extensions. */
  concatenation: boolean;
  /** `declareLength`: creation-defer-length. */
  deferredLength: boolean;
  /** `read`: GET downloads and `TusService.read()`. */
  read: boolean;
}

/** A store: the core, plus whichever of the optional capabilities it has. */
export interface UploadStore extends CoreUploadStore, Partial<ConcatenatingStore>, Partial<ReadableStore> {}

/** A store with every capability (the file store and S3Store are). */
export type FullUploadStore = UploadStore & ConcatenatingStore & ReadableStore;

/** Positions of the first and last byte wanted, both included. */
export interface ByteSpan {
  start: number;
  end: number;
}

export type StoreEntry =
  | { state: 'active'; upload: StoredUpload }
  | { state: 'gone'; id: string; reason: GoneReason; at: number };

export class UploadExistsError extends Error {
  constructor(id: string) {
    super(`an upload with id ${id} already exists`);
    this.name = 'UploadExistsError';
  }
}

export class StorageFullError extends Error {
  constructor(cause?: unknown) {
    super('the upload store is out of space', { cause });
    this.name = 'StorageFullError';
  }
}

/** What a store's health probe found out besides "it answers". */
export interface StoreHealth {
  /** Bytes the store still has room for, when it knows (a file system does, S3 does not). */
  freeBytes?: number;
}
