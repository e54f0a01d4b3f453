import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { checkedId, errno, storageError, unlinkQuietly, updatedAt, withoutDerived, writeAll } from '../file-io.js';
import { probeDirectory } from '../directory-probe.js';
import { metadataObject } from '../metadata-object.js';
import { UploadCache } from '../upload-cache.js';
import {
  type AppendOptions,
  UploadExistsError,
  type ByteSpan,
  type GoneReason,
  type NewUpload,
  type PendingCompletion,
  type StoreEntry,
  type StoreHealth,
  type StoredUpload,
  type UploadLookup,
  type UploadStore,
} from '../upload-store.js';
import { DataFiles } from './data-files.js';
import type { OpenFile } from './open-file.js';
import { InfoFiles, type Tombstone } from './info-files.js';
import { ASSEMBLING_SUFFIX, checkedFolder, FileLayout, INFO_SUFFIX, MARKER_SUFFIX } from './layout.js';
import { PendingCompletions } from './pending-completions.js';
import { StagedWriteMarkers } from './staged-write-markers.js';
import { writeTombstone } from './tombstones.js';

export interface FileStoreOptions {
  /** Root directory; created at start-up. */
  directory: string;
  /** fsync data and info before an offset is reported, so it survives an OS crash (not only kill -9). */
  fsync?: boolean;
  /** Uploads whose state is kept in memory (the disk stays the truth). Default 10000. */
  cacheSize?: number;
  /** Estimated memory those may take, in bytes (large metadata counts). Default 16 MiB. */
  cacheBytes?: number;
}

/**
 * The default store: `<directory>/<id>` holds the bytes, `<directory>/<id>.json` the info (see
 * FileLayout for the other files).
 *
 * The offset is the data file's size, never a counter kept beside it: whatever the process did when
 * it died, the offset HEAD reports afterwards is exactly the bytes on disk, so a resume never skips
 * data. While this process writes, it knows the offset itself (it advances only after the bytes are
 * in the file) and answers HEAD and PATCH from memory: no file system call stands between a progress
 * poll and its answer. A directory belongs to one process (the in-memory locker assumes it too).
 * With `fsync`, the offset of a running write is held back to what was last synced.
 */
export class FileStore implements UploadStore {
  readonly directory: string;
  private readonly layout: FileLayout;
  private readonly infos: InfoFiles;
  private readonly data: DataFiles;
  private readonly markers: StagedWriteMarkers;
  private readonly pending: PendingCompletions;
  /** Recently used uploads, kept exactly in step with what this process wrote. */
  private readonly cache: UploadCache;
  /** Uploads being appended to right now, with the offset that is already durable. */
  private readonly writing = new Map<string, number>();
  /**
   * Cached uploads whose `updatedAt` is still this process's clock from the end of a write, not yet
   * the data file's mtime, each with a token of that write. Weak, so an evicted entry takes it along.
   */
  private readonly mtimeUnread = new WeakMap<StoredUpload, object>();

  constructor(options: FileStoreOptions) {
    this.layout = new FileLayout(options.directory, options.fsync ?? false);
    this.directory = this.layout.directory;
    this.infos = new InfoFiles(this.layout);
    this.data = new DataFiles(this.layout);
    this.markers = new StagedWriteMarkers(this.layout);
    this.pending = new PendingCompletions(this.layout);
    this.cache = new UploadCache(options.cacheSize ?? 10_000, options.cacheBytes);
  }

  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await this.rollBackStagedWrites();
  }

  /** The directory takes a file, and how much room its file system has left. */
  checkHealth(): Promise<StoreHealth> {
    return probeDirectory(this.directory);
  }

  /**
   * Leftovers of a crash: a marker of a staged (checksummed) write means its data is cut back to the
   * marker's offset; a half-built final is thrown away (it is built again when asked for).
   */
  private async rollBackStagedWrites(): Promise<void> {
    for (const name of await readdir(this.directory)) {
      if (name.endsWith(ASSEMBLING_SUFFIX)) await unlinkQuietly(join(this.directory, name));
      const id = this.layout.idOf(name, MARKER_SUFFIX);
      if (id === undefined) continue;
      // A torn marker was written before any staged byte: the data file is untouched.
      const committed = await this.markers.committed(id);
      if (committed !== undefined) await this.data.cutBack(id, await this.folderOf(id), committed);
      await this.markers.remove(id);
    }
  }

  async create(upload: NewUpload): Promise<StoredUpload> {
    const info: NewUpload = { ...upload, concat: upload.concat && withoutDerived(upload.concat) };
    // The data file is created by the first write: an upload without one is at offset 0.
    try {
      if (upload.folder) await mkdir(join(this.directory, checkedFolder(upload.folder)), { recursive: true });
      await this.infos.create(upload.id, info);
    } catch (error) {
      if (errno(error) === 'EEXIST') throw new UploadExistsError(upload.id);
      throw storageError(error);
    }
    await this.layout.syncDirectory();
    const created: StoredUpload = { ...upload, ...info, metadata: metadataObject(upload.metadata), offset: 0, updatedAt: upload.createdAt };
    if (created.concat?.kind === 'final') created.concat = { ...created.concat, assembled: false };
    this.cache.set(upload.id, { state: 'active', upload: created });
    return { ...created };
  }

  async lookup(id: string): Promise<UploadLookup> {
    let cached = this.cache.get(checkedId(id));
    if (cached?.state === 'active' && this.mtimeUnread.has(cached.upload) && !this.writing.has(id)) {
      await this.settle(id, cached.upload);
      cached = this.cache.get(id);
    }
    if (cached) return cached.state === 'active' ? { state: 'active', upload: { ...cached.upload } } : cached;
    const info = await this.infos.read(id);
    if (!info) return { state: 'missing' };
    if ('gone' in info) return this.remember(id, { state: 'gone', reason: info.gone, owner: info.owner });
    const upload = await this.withOffset(info);
    const durable = this.writing.get(id);
    if (durable === undefined) return this.remember(id, { state: 'active', upload });
    // Read from disk in the middle of a write: not cached (stale soon), and never past what the
    // writer may report (staged or not yet synced bytes are in the file but do not count).
    return { state: 'active', upload: { ...upload, offset: Math.min(durable, upload.offset) } };
  }

  async append(id: string, offset: number, body: AsyncIterable<Buffer[]>, options: AppendOptions = {}): Promise<number> {
    const staged = options.verify !== undefined;
    // Staged bytes go straight into the data file, behind a marker that records the committed
    // offset: a crash before the verdict is rolled back at the next start (see init), and a refused
    // chunk is cut off again. No copy, and nothing unverified is ever reported.
    if (staged) await this.markers.write(id, offset);
    let handle: OpenFile;
    try {
      handle = await this.data.openForWrite(id, await this.folderOf(id));
    } catch (error) {
      if (staged) await this.markers.remove(id);
      throw storageError(error);
    }
    this.writing.set(id, offset);
    let position = offset;
    try {
      for await (const batch of body) {
        position += await writeAll(handle, batch, position);
        // In the file now (page cache): safe to report, unless it must survive an OS crash or wait for a verdict.
        if (!this.layout.fsync && !staged) this.advance(id, position);
      }
      if (staged && !(await options.verify!())) {
        await handle.truncate(offset);
        position = offset;
      }
      if (this.layout.fsync) {
        await handle.datasync();
        // The first write created the file: its directory entry must be durable too.
        if (offset === 0) await this.layout.syncDirectory();
      }
      this.advance(id, position);
      const cached = this.cache.peek(id);
      if (cached?.state === 'active') this.mtimeUnread.set(cached.upload, {});
      if (staged) await this.markers.remove(id);
      return position;
    } catch (error) {
      if (staged) {
        await handle.truncate(offset).catch(() => undefined);
        await this.markers.remove(id);
      }
      // What reached the file is the truth; the cached offset may be behind it now.
      this.cache.delete(id);
      throw storageError(error);
    } finally {
      this.writing.delete(id);
      await handle.close();
    }
  }

  async declareLength(id: string, length: number): Promise<void> {
    const info = await this.infos.read(id);
    if (!info || 'gone' in info) throw new Error(`upload ${id} does not exist`);
    await this.infos.replace(id, { ...info, length });
    const cached = this.cache.get(id);
    if (cached?.state === 'active') cached.upload.length = length;
  }

  async concatenate(id: string, parts: StoredUpload[]): Promise<StoredUpload> {
    await this.data.assemble(id, () => this.folderOf(id), parts);
    this.cache.delete(id);
    const found = await this.lookup(id);
    if (found.state !== 'active') throw new Error(`final upload ${id} vanished during concatenation`);
    return found.upload;
  }

  async linkFinal(partialId: string, finalId: string): Promise<void> {
    const info = await this.infos.read(partialId);
    if (!info || 'gone' in info || info.concat?.kind !== 'partial') throw new Error(`upload ${partialId} is not a partial upload`);
    const finals = [...(info.concat.finals ?? []), finalId];
    await this.infos.replace(partialId, { ...info, concat: { kind: 'partial', finals } });
    const cached = this.cache.peek(partialId);
    if (cached?.state === 'active') cached.upload.concat = { kind: 'partial', finals };
  }

  async remove(id: string, reason: GoneReason): Promise<void> {
    // Tombstone first: if we die before the unlink, cleanup finds the tombstone and the stray file.
    const { folder, owner } = await this.placeOf(id);
    const tombstone: Tombstone = { id, gone: reason, at: Date.now(), folder, owner };
    await writeTombstone(this.layout, this.infos, tombstone);
    this.cache.set(id, { state: 'gone', reason, owner });
    await this.data.remove(id, folder);
    await this.clearPendingCompletion(id);
  }

  async forget(id: string): Promise<void> {
    const folder = await this.folderOf(id);
    this.cache.delete(id);
    await this.infos.remove(id);
    await this.data.remove(id, folder);
    await this.clearPendingCompletion(id);
  }

  setPendingCompletion(id: string, pending: PendingCompletion): Promise<void> {
    return this.pending.set(id, pending);
  }

  clearPendingCompletion(id: string): Promise<void> {
    return this.pending.clear(id);
  }

  getPendingCompletion(id: string): Promise<PendingCompletion | undefined> {
    return this.pending.get(id);
  }

  listPendingCompletions(): AsyncIterable<PendingCompletion & { id: string }> {
    return this.pending.list();
  }

  async *list(): AsyncIterable<StoreEntry> {
    for (const name of await readdir(this.directory)) {
      const id = this.layout.idOf(name, INFO_SUFFIX);
      if (id === undefined) continue;
      const info = await this.infos.read(id);
      if (!info) continue;
      if ('gone' in info) {
        yield { state: 'gone', id, reason: info.gone, at: info.at };
        continue;
      }
      yield { state: 'active', upload: await this.withOffset(info) };
    }
  }

  async read(id: string, range?: ByteSpan): Promise<Readable> {
    return this.data.read(id, await this.folderOf(id), range);
  }

  private remember(id: string, found: UploadLookup): UploadLookup {
    this.cache.set(id, found);
    return found.state === 'active' ? { state: 'active', upload: { ...found.upload } } : found;
  }

  /** Moves the known offset of an upload forward once its bytes are in the file. */
  private advance(id: string, offset: number): void {
    const cached = this.cache.peek(id);
    if (cached?.state === 'active') {
      cached.upload.offset = offset;
      cached.upload.updatedAt = Date.now();
    }
    if (this.writing.has(id)) this.writing.set(id, offset);
  }

  /**
   * The first lookup after a write makes the cached `updatedAt` the data file's mtime: exactly what a
   * lookup from disk (after a restart or cache eviction) computes, so download validators do not
   * change when only the process did. Read here rather than after each write, since most uploads
   * are never looked up again once their last byte is in.
   */
  private async settle(id: string, upload: StoredUpload): Promise<void> {
    const write = this.mtimeUnread.get(upload);
    const written = await this.data.stat(id, upload.folder).catch(() => undefined);
    // A write that ran meanwhile made this mtime stale; its own mark waits for the next lookup.
    if (this.writing.has(id) || this.mtimeUnread.get(upload) !== write) return;
    this.mtimeUnread.delete(upload);
    if (written === undefined) this.cache.delete(id); // the next lookup reads the truth from disk
    else upload.updatedAt = updatedAt(upload.createdAt, written.mtimeMs);
  }

  private async withOffset(info: NewUpload): Promise<StoredUpload> {
    // No data file yet: nothing written (or, for a final, not assembled).
    const written = await this.data.stat(info.id, info.folder);
    const upload: StoredUpload = {
      id: info.id,
      length: info.length,
      offset: written?.size ?? 0,
      metadata: metadataObject(info.metadata),
      rawMetadata: info.rawMetadata,
      createdAt: info.createdAt,
      updatedAt: updatedAt(info.createdAt, written?.mtimeMs ?? info.createdAt),
      owner: info.owner,
      serverMetadata: info.serverMetadata,
      folder: info.folder,
    };
    if (info.concat?.kind === 'final') upload.concat = { ...info.concat, assembled: written !== undefined };
    else if (info.concat) upload.concat = info.concat;
    return upload;
  }

  /** The folder an upload's bytes live in (from memory when known, else its info or tombstone). */
  private async folderOf(id: string): Promise<string | undefined> {
    return (await this.placeOf(id)).folder;
  }

  /** Its folder and owner (from memory when known, else its info or tombstone). */
  private async placeOf(id: string): Promise<{ folder?: string; owner?: string }> {
    const cached = this.cache.peek(id);
    if (cached?.state === 'active') return cached.upload;
    return (await this.infos.read(id)) ?? {};
  }
}
