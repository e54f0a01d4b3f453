import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { isValidUploadId } from './upload-id.js';
import {
  StorageFullError,
  UploadExistsError,
  type GoneReason,
  type NewUpload,
  type StoreEntry,
  type StoredUpload,
  type UploadLookup,
  type UploadStore,
} from './upload-store.js';

export interface FileStoreOptions {
  /** Root directory; created at start-up. */
  directory: string;
  /** fsync data and info before an offset is reported, so it survives an OS crash (not only kill -9). */
  fsync?: boolean;
}

/** What `<id>.json` holds: the upload's info, or a tombstone once it is gone. */
type InfoFile =
  | { id: string; length?: number; metadata: Record<string, string | null>; rawMetadata?: string; createdAt: number }
  | { id: string; gone: GoneReason; at: number };

const INFO_SUFFIX = '.json';

/**
 * The default store: `<directory>/<id>` holds the bytes, `<directory>/<id>.json` the info.
 *
 * The offset is the data file's size, never a counter kept beside it: whatever the process did when
 * it died, the offset HEAD reports afterwards is exactly the bytes on disk, so a resume never skips
 * data. With `fsync`, the offset of a running write is held back to what was last synced.
 */
export class FileStore implements UploadStore {
  readonly directory: string;
  private readonly fsync: boolean;
  /** fsync mode: the durable offset of uploads being written right now. */
  private readonly writing = new Map<string, number>();

  constructor(options: FileStoreOptions) {
    this.directory = resolve(options.directory);
    this.fsync = options.fsync ?? false;
  }

  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  async create(upload: NewUpload): Promise<StoredUpload> {
    const data = this.dataPath(upload.id);
    let handle: FileHandle;
    try {
      handle = await open(data, 'wx');
    } catch (error) {
      if (errno(error) === 'EEXIST') throw new UploadExistsError(upload.id);
      throw storageError(error);
    }
    await handle.close();
    const info: InfoFile = {
      id: upload.id,
      length: upload.length,
      metadata: upload.metadata,
      rawMetadata: upload.rawMetadata,
      createdAt: upload.createdAt,
    };
    // Written last: an info file means the creation finished. A crash before leaves an orphan
    // data file that no request can reach (no info → 404).
    await this.writeInfo(upload.id, info, 'wx');
    return { ...upload, offset: 0, updatedAt: upload.createdAt };
  }

  async lookup(id: string): Promise<UploadLookup> {
    const info = await this.readInfo(id);
    if (!info) return { state: 'missing' };
    if ('gone' in info) return { state: 'gone', reason: info.gone };
    const upload = await this.withOffset(info);
    return upload ? { state: 'active', upload } : { state: 'missing' };
  }

  async append(id: string, offset: number, body: AsyncIterable<Buffer[]>): Promise<number> {
    let handle: FileHandle;
    try {
      handle = await open(this.dataPath(id), 'r+');
    } catch (error) {
      throw storageError(error);
    }
    let position = offset;
    if (this.fsync) this.writing.set(id, offset);
    try {
      for await (const batch of body) {
        position += await writeAll(handle, batch, position);
      }
      if (this.fsync) await handle.datasync();
      return position;
    } catch (error) {
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
  }

  async remove(id: string, reason: GoneReason): Promise<void> {
    // Tombstone first: if we die before the unlink, cleanup finds the tombstone and the stray file.
    await this.replaceInfo(id, { id, gone: reason, at: Date.now() });
    await unlinkQuietly(this.dataPath(id));
  }

  async forget(id: string): Promise<void> {
    await unlinkQuietly(this.infoPath(id));
    await unlinkQuietly(this.dataPath(id));
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
      const upload = await this.withOffset(info);
      if (upload) yield { state: 'active', upload };
    }
  }

  async read(id: string): Promise<Readable> {
    return createReadStream(this.dataPath(id));
  }

  private async withOffset(info: Exclude<InfoFile, { gone: GoneReason }>): Promise<StoredUpload | undefined> {
    let size: number;
    let mtime: number;
    try {
      ({ size, mtimeMs: mtime } = await stat(this.dataPath(info.id)));
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw error;
    }
    const durable = this.writing.get(info.id);
    return {
      id: info.id,
      length: info.length,
      offset: durable === undefined ? size : Math.min(durable, size),
      metadata: info.metadata,
      rawMetadata: info.rawMetadata,
      createdAt: info.createdAt,
      updatedAt: Math.max(info.createdAt, Math.floor(mtime)),
    };
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
    try {
      const handle = await open(path, flag);
      try {
        await handle.writeFile(JSON.stringify(info));
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw storageError(error);
    }
  }

  /** Atomic replacement: readers see the old info or the new one, never half of either. */
  private async replaceInfo(id: string, info: InfoFile): Promise<void> {
    await this.writeInfo(id, info, 'w');
    await rename(this.infoPath(id) + '.tmp', this.infoPath(id));
  }

  private dataPath(id: string): string {
    return join(this.directory, checkedId(id));
  }

  private infoPath(id: string): string {
    return join(this.directory, checkedId(id) + INFO_SUFFIX);
  }
}

/** One writev per batch; loops only when the kernel took part of it (a nearly full disk). */
async function writeAll(handle: FileHandle, batch: Buffer[], position: number): Promise<number> {
  let total = 0;
  for (const buffer of batch) total += buffer.length;
  let written = (await handle.writev(batch, position)).bytesWritten;
  while (written < total) {
    const rest = remainder(batch, written);
    const { bytesWritten } = await handle.writev(rest, position + written);
    if (bytesWritten === 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    written += bytesWritten;
  }
  return total;
}

function remainder(batch: Buffer[], skip: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const buffer of batch) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}

/** Ids are checked by the engine; this is the last line before a file name, so check again. */
function checkedId(id: string): string {
  if (!isValidUploadId(id)) throw new Error(`invalid upload id ${JSON.stringify(id)}`);
  return id;
}

function storageError(error: unknown): unknown {
  const code = errno(error);
  return code === 'ENOSPC' || code === 'EDQUOT' ? new StorageFullError(error) : error;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
}
