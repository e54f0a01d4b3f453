import { Readable, Transform } from 'node:stream';
import { storageError } from './file-io.js';
import { metadataObject } from './metadata-object.js';
import { StorageFullError } from './upload-store.js';
import type {
  ByteSpan,
  GoneReason,
  NewUpload,
  PendingCompletion,
  StoreEntry,
  StoredUpload,
  UploadLookup,
  UploadStore,
} from './upload-store.js';

/** The part of a `@tus/utils` DataStore (e.g. `@tus/file-store`, `@tus/gcs-store`, `@tus/azure-store`) used here. */
export interface TusDataStoreLike {
  extensions: string[];
  create(upload: TusUploadLike): Promise<unknown>;
  getUpload(id: string): Promise<TusUploadLike>;
  write(stream: Readable, id: string, offset: number): Promise<number>;
  declareUploadLength(id: string, length: number): Promise<void>;
  remove(id: string): Promise<void>;
  read?(id: string): Readable | Promise<Readable>;
}

export interface TusUploadLike {
  id: string;
  size?: number;
  offset: number;
  metadata?: Record<string, string | null>;
  creation_date?: string;
}

/** A `@tus/utils` KvStore (MemoryKvStore, FileKvStore, RedisKvStore, IoRedisKvStore…). */
export interface KvStoreLike<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  list?(): Promise<string[]>;
}

/** What tus DataStores have no room for: kept in the side store, one record per upload. */
export interface SideRecord {
  createdAt: number;
  rawMetadata?: string;
  owner?: string;
  serverMetadata?: Record<string, unknown>;
  folder?: string;
  gone?: { reason: GoneReason; at: number };
  pending?: PendingCompletion;
}

export interface TusDataStoreAdapterOptions {
  /**
   * Where tombstones (410), owners, server metadata and pending completions live. Default: in this
   * process's memory, which forgets them on restart and does not share them between instances; pass a
   * persistent KvStore (a Redis one from `@tus/utils`) in production. Its `list()` must return every key:
   * pending completions are found through it after a restart (FileKvStore's lists only keys with a data file beside).
   */
  side?: KvStoreLike<SideRecord>;
  /**
   * The `Upload` class of `@tus/utils` (some stores call its getters). Default: loaded from
   * `@tus/utils` on first use.
   */
  uploadClass?: new (upload: TusUploadLike) => TusUploadLike;
}

/**
 * Lets a `@tus/utils` DataStore serve as the store of this module, so `@tus/gcs-store` and
 * `@tus/azure-store` plug in. Such stores cannot stage or concatenate, so the checksum and
 * concatenation extensions are not advertised with them; downloads need the store's `read()`, a
 * deferred length its `creation-defer-length`: the adapter has those methods only when it does.
 */
export class TusDataStoreAdapter implements UploadStore {
  readonly staging = false;
  readonly declareLength?: (id: string, length: number) => Promise<void>;
  readonly read?: (id: string, range?: ByteSpan) => Promise<Readable>;
  private readonly side: KvStoreLike<SideRecord>;
  private uploadClass?: new (upload: TusUploadLike) => TusUploadLike;

  constructor(
    private readonly dataStore: TusDataStoreLike,
    options: TusDataStoreAdapterOptions = {},
  ) {
    this.side = options.side ?? new MapKvStore();
    this.uploadClass = options.uploadClass;
    if (dataStore.extensions.includes('creation-defer-length')) {
      this.declareLength = (id, length) => dataStore.declareUploadLength(id, length);
    }
    const read = dataStore.read?.bind(dataStore);
    if (read) {
      this.read = async (id, range) => {
        const whole = await read(id);
        return range ? whole.pipe(slice(range)) : whole;
      };
    }
  }

  async init(): Promise<void> {
    this.uploadClass ??= (await import('@tus/utils')).Upload as unknown as new (upload: TusUploadLike) => TusUploadLike;
  }

  async create(upload: NewUpload): Promise<StoredUpload> {
    if (upload.concat) throw new Error('this store cannot concatenate uploads');
    const Upload = this.uploadClass!;
    const { createdAt, rawMetadata, owner, serverMetadata, folder } = upload;
    try {
      await this.dataStore.create(
        new Upload({
          id: upload.id,
          size: upload.length,
          offset: 0,
          metadata: upload.metadata,
          creation_date: new Date(upload.createdAt).toISOString(),
        }),
      );
      await this.side.set(upload.id, { createdAt, rawMetadata, owner, serverMetadata, folder });
    } catch (error) {
      throw storageError(error);
    }
    return { ...upload, metadata: metadataObject(upload.metadata), offset: 0, updatedAt: upload.createdAt };
  }

  async lookup(id: string): Promise<UploadLookup> {
    const side = await this.side.get(id);
    if (side?.gone) return { state: 'gone', reason: side.gone.reason, owner: side.owner };
    let upload: TusUploadLike;
    try {
      upload = await this.dataStore.getUpload(id);
    } catch (error) {
      if ((error as { status_code?: number }).status_code === 404) return { state: 'missing' };
      throw error;
    }
    const createdAt = side?.createdAt ?? (upload.creation_date ? Date.parse(upload.creation_date) : Date.now());
    return {
      state: 'active',
      upload: {
        id,
        length: upload.size,
        offset: upload.offset,
        metadata: metadataObject(upload.metadata),
        rawMetadata: side?.rawMetadata,
        owner: side?.owner,
        serverMetadata: side?.serverMetadata,
        folder: side?.folder,
        createdAt,
        // DataStores keep no write time; creation is the only honest answer (expiry counts from it).
        updatedAt: createdAt,
      },
    };
  }

  async append(id: string, offset: number, body: AsyncIterable<Buffer[]>, options?: { verify?: unknown }): Promise<number> {
    if (options?.verify) throw new Error('this store cannot stage writes (checksum extension)');
    try {
      return await this.dataStore.write(Readable.from(flatten(body), { objectMode: false }), id, offset);
    } catch (error) {
      throw storageError(error);
    }
  }

  async remove(id: string, reason: GoneReason): Promise<void> {
    const side = (await this.side.get(id)) ?? { createdAt: Date.now() };
    const tombstone = { createdAt: side.createdAt, owner: side.owner, gone: { reason, at: Date.now() } };
    try {
      await this.side.set(id, tombstone);
    } catch (error) {
      if (!(storageError(error) instanceof StorageFullError)) throw error;
      // A full disk: the bytes go first to make room for the tombstone.
      await this.removeData(id);
      await this.side.set(id, tombstone).catch((again: unknown) => Promise.reject(storageError(again)));
    }
    await this.removeData(id);
  }

  private async removeData(id: string): Promise<void> {
    try {
      await this.dataStore.remove(id);
    } catch (error) {
      if ((error as { status_code?: number }).status_code !== 404) throw error;
    }
  }

  async forget(id: string): Promise<void> {
    await this.side.delete(id);
  }

  async *list(): AsyncIterable<StoreEntry> {
    if (!this.side.list) return;
    for (const id of await this.side.list()) {
      const side = await this.side.get(id);
      if (side?.gone) {
        yield { state: 'gone', id, reason: side.gone.reason, at: side.gone.at };
        continue;
      }
      const found = await this.lookup(id);
      if (found.state === 'active') yield found;
    }
  }

  async setPendingCompletion(id: string, pending: PendingCompletion): Promise<void> {
    const side = (await this.side.get(id)) ?? { createdAt: Date.now() };
    try {
      await this.side.set(id, { ...side, pending });
    } catch (error) {
      throw storageError(error);
    }
  }

  async clearPendingCompletion(id: string): Promise<void> {
    const side = await this.side.get(id);
    if (side?.pending) await this.side.set(id, { ...side, pending: undefined });
  }

  async getPendingCompletion(id: string): Promise<PendingCompletion | undefined> {
    return (await this.side.get(id))?.pending;
  }

  async *listPendingCompletions(): AsyncIterable<PendingCompletion & { id: string }> {
    if (!this.side.list) return;
    for (const id of await this.side.list()) {
      const pending = (await this.side.get(id))?.pending;
      if (pending) yield { ...pending, id };
    }
  }
}

async function* flatten(body: AsyncIterable<Buffer[]>): AsyncIterable<Buffer> {
  for await (const batch of body) yield* batch;
}

/** Passes on only the bytes `range.start`..`range.end` (inclusive) of a stream read from its start. */
function slice(range: ByteSpan): Transform {
  let position = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(range.start - position, 0);
      const to = Math.min(range.end + 1 - position, chunk.length);
      position += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}

/** The default side store: a Map, for tests and single-process setups that accept losing it. */
class MapKvStore<T> implements KvStoreLike<T> {
  private readonly map = new Map<string, T>();
  async get(key: string): Promise<T | undefined> {
    return this.map.get(key);
  }
  async set(key: string, value: T): Promise<void> {
    this.map.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
  async list(): Promise<string[]> {
    return [...this.map.keys()];
  }
}
