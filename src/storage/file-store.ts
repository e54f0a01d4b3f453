import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rename, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkedId, errno, overwriteInPlace, storageError, syncFile, unlinkQuietly, updatedAt, withoutDerived, writeAll } from './file-io.js';
import { probeDirectory } from './directory-probe.js';
import { metadataObject } from './metadata-object.js';
import { UploadCache } from './upload-cache.js';
import { isValidFolder, isValidUploadId } from './upload-id.js';
import {
  type AppendOptions,
  StorageFullError,
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
} from './upload-store.js';

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

/** What `<id>.json` holds: the upload's info, or a tombstone once it is gone. */
type InfoFile = NewUpload | { id: string; gone: GoneReason; at: number; folder?: string; owner?: string };

const INFO_SUFFIX = '.json';
const MARKER_SUFFIX = '.staged';
const ASSEMBLING_SUFFIX = '.assembling';
const COMPLETION_SUFFIX = '.completion';

/**
 * The default store: `<directory>/<id>` holds the bytes, `<directory>/<id>.json` the info.
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
  private readonly fsync: boolean;
  /** Recently used uploads, kept exactly in step with what this process wrote. */
  private readonly cache: UploadCache;
  /** Uploads being appended to right now, with the offset that is already durable. */
  private readonly writing = new Map<string, number>();

  constructor(options: FileStoreOptions) {
    this.directory = resolve(options.directory);
    this.fsync = options.fsync ?? false;
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
      if (!name.endsWith(MARKER_SUFFIX)) continue;
      const id = name.slice(0, -MARKER_SUFFIX.length);
      if (!isValidUploadId(id)) continue;
      const committed = Number(await readFile(join(this.directory, name), 'utf8'));
      // A torn marker was written before any staged byte: the data file is untouched.
      if (Number.isSafeInteger(committed) && committed >= 0) {
        try {
          const handle = await open(this.dataPath(id, await this.folderOf(id)), 'r+');
          try {
            if ((await handle.stat()).size > committed) await handle.truncate(committed);
          } finally {
            await handle.close();
          }
        } catch (error) {
          if (errno(error) !== 'ENOENT') throw error;
        }
      }
      await unlinkQuietly(join(this.directory, name));
    }
  }

  async create(upload: NewUpload): Promise<StoredUpload> {
    const info: InfoFile = { ...upload, concat: upload.concat && withoutDerived(upload.concat) };
    // The data file is created by the first write: an upload without one is at offset 0.
    try {
      if (upload.folder) await mkdir(join(this.directory, checkedFolder(upload.folder)), { recursive: true });
      await this.writeInfo(upload.id, info, 'wx');
    } catch (error) {
      if (errno(error) === 'EEXIST') throw new UploadExistsError(upload.id);
      throw storageError(error);
    }
    await this.syncDirectory();
    const created: StoredUpload = { ...upload, ...info, metadata: metadataObject(upload.metadata), offset: 0, updatedAt: upload.createdAt };
    if (created.concat?.kind === 'final') created.concat = { ...created.concat, assembled: false };
    this.cache.set(upload.id, { state: 'active', upload: created });
    return { ...created };
  }

  async lookup(id: string): Promise<UploadLookup> {
    const cached = this.cache.get(checkedId(id));
    if (cached) return cached.state === 'active' ? { state: 'active', upload: { ...cached.upload } } : cached;
    const info = await this.readInfo(id);
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
    if (staged) await this.writeMarker(id, offset);
    let handle: FileHandle;
    try {
      handle = await open(this.dataPath(id, await this.folderOf(id)), constants.O_WRONLY | constants.O_CREAT, 0o644);
    } catch (error) {
      if (staged) await unlinkQuietly(this.markerPath(id));
      throw storageError(error);
    }
    this.writing.set(id, offset);
    let position = offset;
    try {
      for await (const batch of body) {
        position += await writeAll(handle, batch, position);
        // In the file now (page cache): safe to report, unless it must survive an OS crash or wait for a verdict.
        if (!this.fsync && !staged) this.advance(id, position);
      }
      if (staged && !(await options.verify!())) {
        await handle.truncate(offset);
        position = offset;
      }
      if (this.fsync) {
        await handle.datasync();
        // The first write created the file: its directory entry must be durable too.
        if (offset === 0) await this.syncDirectory();
      }
      this.advance(id, position);
      await this.settle(id, handle);
      if (staged) await unlinkQuietly(this.markerPath(id));
      return position;
    } catch (error) {
      if (staged) {
        await handle.truncate(offset).catch(() => undefined);
        await unlinkQuietly(this.markerPath(id));
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
    const info = await this.readInfo(id);
    if (!info || 'gone' in info) throw new Error(`upload ${id} does not exist`);
    await this.replaceInfo(id, { ...info, length });
    const cached = this.cache.get(id);
    if (cached?.state === 'active') cached.upload.length = length;
  }

  async concatenate(id: string, parts: StoredUpload[]): Promise<StoredUpload> {
    // Built aside and renamed into place: the final is either unassembled or whole, even after a crash.
    const temp = join(this.directory, checkedId(id) + ASSEMBLING_SUFFIX);
    try {
      // The first part is copied by the kernel (reflink or copy_file_range, through copyFile). Node has
      // no way to append with copy_file_range, so further parts stream through with large reads.
      const [first, ...rest] = parts;
      if (first && first.offset > 0) await copyFile(this.dataPath(first.id, first.folder), temp, constants.COPYFILE_FICLONE);
      else await writeFile(temp, '');
      for (const part of rest) {
        if (part.offset === 0) continue;
        await pipeline(
          createReadStream(this.dataPath(part.id, part.folder), { highWaterMark: 1 << 20, end: part.offset - 1 }),
          createWriteStream(temp, { flags: 'a' }),
        );
      }
      if (this.fsync) await syncFile(temp);
      await rename(temp, this.dataPath(id, await this.folderOf(id)));
      await this.syncDirectory();
    } catch (error) {
      await unlinkQuietly(temp);
      throw storageError(error);
    }
    this.cache.delete(id);
    const found = await this.lookup(id);
    if (found.state !== 'active') throw new Error(`final upload ${id} vanished during concatenation`);
    return found.upload;
  }

  async linkFinal(partialId: string, finalId: string): Promise<void> {
    const info = await this.readInfo(partialId);
    if (!info || 'gone' in info || info.concat?.kind !== 'partial') throw new Error(`upload ${partialId} is not a partial upload`);
    const finals = [...(info.concat.finals ?? []), finalId];
    await this.replaceInfo(partialId, { ...info, concat: { kind: 'partial', finals } });
    const cached = this.cache.peek(partialId);
    if (cached?.state === 'active') cached.upload.concat = { kind: 'partial', finals };
  }

  async remove(id: string, reason: GoneReason): Promise<void> {
    // Tombstone first: if we die before the unlink, cleanup finds the tombstone and the stray file.
    const { folder, owner } = await this.placeOf(id);
    const tombstone: InfoFile = { id, gone: reason, at: Date.now(), folder, owner };
    try {
      await this.replaceInfo(id, tombstone);
    } catch (error) {
      if (!(error instanceof StorageFullError)) throw error;
      // A full disk: the bytes go first to make room; failing that, the tombstone overwrites the info
      // in place, inside a block the file already has (torn by a crash, it reads as missing: 404).
      await unlinkQuietly(this.dataPath(id, folder));
      await this.replaceInfo(id, tombstone).catch(async (again: unknown) => {
        if (!(again instanceof StorageFullError)) throw again;
        await overwriteInPlace(this.infoPath(id), JSON.stringify(tombstone), this.fsync);
      });
    }
    this.cache.set(id, { state: 'gone', reason, owner });
    await unlinkQuietly(this.dataPath(id, folder));
    await this.clearPendingCompletion(id);
  }

  async forget(id: string): Promise<void> {
    const folder = await this.folderOf(id);
    this.cache.delete(id);
    await unlinkQuietly(this.infoPath(id));
    await unlinkQuietly(this.dataPath(id, folder));
    await this.clearPendingCompletion(id);
  }

  async setPendingCompletion(id: string, pending: PendingCompletion): Promise<void> {
    const path = join(this.directory, checkedId(id) + COMPLETION_SUFFIX);
    try {
      await writeFile(path + '.tmp', JSON.stringify(pending));
      if (this.fsync) await syncFile(path + '.tmp');
      await rename(path + '.tmp', path);
    } catch (error) {
      await unlinkQuietly(path + '.tmp').catch(() => undefined); // a torn temp file would hold space on a full disk
      throw storageError(error);
    }
    await this.syncDirectory();
  }

  async clearPendingCompletion(id: string): Promise<void> {
    await unlinkQuietly(join(this.directory, checkedId(id) + COMPLETION_SUFFIX));
  }

  async getPendingCompletion(id: string): Promise<PendingCompletion | undefined> {
    return this.readPending(checkedId(id));
  }

  async *listPendingCompletions(): AsyncIterable<PendingCompletion & { id: string }> {
    for (const name of await readdir(this.directory)) {
      if (!name.endsWith(COMPLETION_SUFFIX)) continue;
      const id = name.slice(0, -COMPLETION_SUFFIX.length);
      if (!isValidUploadId(id)) continue;
      const pending = await this.readPending(id);
      if (pending) yield { ...pending, id };
    }
  }

  /** Undefined once cleared (removed meanwhile); a record torn by a crash before the handler ever ran is retried from scratch. */
  private async readPending(id: string): Promise<PendingCompletion | undefined> {
    try {
      return JSON.parse(await readFile(join(this.directory, id + COMPLETION_SUFFIX), 'utf8')) as PendingCompletion;
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      return { attempts: 0, notBefore: 0, params: {} };
    }
  }

  async *list(): AsyncIterable<StoreEntry> {
    for (const name of await readdir(this.directory)) {
      if (!name.endsWith(INFO_SUFFIX)) continue;
      const id = name.slice(0, -INFO_SUFFIX.length);
      if (!isValidUploadId(id)) continue;
      const info = await this.readInfo(id);
      if (!info) continue;
      if ('gone' in info) {
        yield { state: 'gone', id, reason: info.gone, at: info.at };
        continue;
      }
      yield { state: 'active', upload: await this.withOffset(info) };
    }
  }

  async read(id: string, range?: ByteSpan): Promise<Readable> {
    try {
      // Opened here, not by the stream: a missing file is known before anything is answered.
      const fd = await open(this.dataPath(id, await this.folderOf(id)), 'r');
      return createReadStream('', range ? { fd, start: range.start, end: range.end } : { fd });
    } catch (error) {
      if (errno(error) === 'ENOENT') return Readable.from([]); // never written: empty
      throw error;
    }
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
   * After a write, the cached `updatedAt` becomes the data file's mtime: exactly what a lookup from
   * disk (after a restart or cache eviction) computes, so download validators do not change when
   * only the process did.
   */
  private async settle(id: string, handle: FileHandle): Promise<void> {
    const cached = this.cache.peek(id);
    if (cached?.state !== 'active') return;
    try {
      const { mtimeMs } = await handle.stat();
      cached.upload.updatedAt = updatedAt(cached.upload.createdAt, mtimeMs);
    } catch {
      this.cache.delete(id); // the bytes are written; the next lookup reads the truth from disk
    }
  }

  private async withOffset(info: Exclude<InfoFile, { gone: GoneReason }>): Promise<StoredUpload> {
    let size = 0;
    let mtime = info.createdAt;
    let present = true;
    try {
      ({ size, mtimeMs: mtime } = await stat(this.dataPath(info.id, info.folder)));
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
      present = false; // no data file yet: nothing written (or, for a final, not assembled)
    }
    const upload: StoredUpload = {
      id: info.id,
      length: info.length,
      offset: size,
      metadata: metadataObject(info.metadata),
      rawMetadata: info.rawMetadata,
      createdAt: info.createdAt,
      updatedAt: updatedAt(info.createdAt, mtime),
      owner: info.owner,
      serverMetadata: info.serverMetadata,
      folder: info.folder,
    };
    if (info.concat?.kind === 'final') upload.concat = { ...info.concat, assembled: present };
    else if (info.concat) upload.concat = info.concat;
    return upload;
  }

  private async readInfo(id: string): Promise<InfoFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.infoPath(id), 'utf8');
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as InfoFile;
    } catch {
      return undefined; // torn by a crash during creation, which was never acknowledged
    }
  }

  private async writeInfo(id: string, info: InfoFile, flag: 'wx' | 'w'): Promise<void> {
    const path = flag === 'wx' ? this.infoPath(id) : this.infoPath(id) + '.tmp';
    let created = false;
    try {
      const handle = await open(path, flag);
      created = true;
      try {
        await handle.writeFile(JSON.stringify(info));
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      // Half-written (a full disk): gone again, so that neither a torn info nor its space stays behind.
      if (created) await unlinkQuietly(path).catch(() => undefined);
      throw storageError(error);
    }
  }

  /** Atomic replacement: readers see the old info or the new one, never half of either. */
  private async replaceInfo(id: string, info: InfoFile): Promise<void> {
    await this.writeInfo(id, info, 'w');
    try {
      await rename(this.infoPath(id) + '.tmp', this.infoPath(id));
    } catch (error) {
      throw storageError(error);
    }
    await this.syncDirectory();
  }

  /** fsync mode: makes created and renamed directory entries durable. */
  private async syncDirectory(): Promise<void> {
    if (!this.fsync) return;
    const handle = await open(this.directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async writeMarker(id: string, offset: number): Promise<void> {
    try {
      const handle = await open(this.markerPath(id), 'w');
      try {
        await handle.writeFile(String(offset));
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw storageError(error);
    }
    await this.syncDirectory();
  }

  private markerPath(id: string): string {
    return join(this.directory, checkedId(id) + MARKER_SUFFIX);
  }

  /** `<directory>/<folder>/<id>`: both parts are checked again here, the last step before a path. */
  private dataPath(id: string, folder?: string): string {
    return folder ? join(this.directory, checkedFolder(folder), checkedId(id)) : join(this.directory, checkedId(id));
  }

  /** The folder an upload's bytes live in (from memory when known, else its info or tombstone). */
  private async folderOf(id: string): Promise<string | undefined> {
    return (await this.placeOf(id)).folder;
  }

  /** Its folder and owner (from memory when known, else its info or tombstone). */
  private async placeOf(id: string): Promise<{ folder?: string; owner?: string }> {
    const cached = this.cache.peek(id);
    if (cached?.state === 'active') return cached.upload;
    return (await this.readInfo(id)) ?? {};
  }

  private infoPath(id: string): string {
    return join(this.directory, checkedId(id) + INFO_SUFFIX);
  }
}

function checkedFolder(folder: string): string {
  if (!isValidFolder(folder)) throw new Error(`invalid upload folder ${JSON.stringify(folder)}`);
  return folder;
}
