import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, open, rename, stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errno, storageError, syncFile, unlinkQuietly } from '../file-io.js';
import type { ByteSpan, StoredUpload } from '../upload-store.js';
import type { FileLayout } from './layout.js';
import { OpenFile } from './open-file.js';

/**
 * `<id>` (in its folder): the upload's bytes, so its size is the offset. The file is created by the
 * first write: an upload without one is at offset 0 (for a final: not assembled yet).
 */
export class DataFiles {
  constructor(private readonly layout: FileLayout) {}

  /** For writes at any position; creates the file on the first one. */
  async openForWrite(id: string, folder: string | undefined): Promise<OpenFile> {
    return OpenFile.open(this.layout.data(id, folder), constants.O_WRONLY | constants.O_CREAT, 0o644);
  }

  /** Its size and last write; undefined while there is no file. */
  async stat(id: string, folder: string | undefined): Promise<{ size: number; mtimeMs: number } | undefined> {
    try {
      const { size, mtimeMs } = await stat(this.layout.data(id, folder));
      return { size, mtimeMs };
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
      return undefined;
    }
  }

  async read(id: string, folder: string | undefined, range?: ByteSpan): Promise<Readable> {
    try {
      // Opened here, not by the stream: a missing file is known before anything is answered.
      const fd = await open(this.layout.data(id, folder), 'r');
      return createReadStream('', range ? { fd, start: range.start, end: range.end } : { fd });
    } catch (error) {
      if (errno(error) === 'ENOENT') return Readable.from([]); // never written: empty
      throw error;
    }
  }

  /** Cuts the file back to `size` bytes if it holds more (a missing file is left missing). */
  async cutBack(id: string, folder: string | undefined, size: number): Promise<void> {
    try {
      const handle = await open(this.layout.data(id, folder), 'r+');
      try {
        if ((await handle.stat()).size > size) await handle.truncate(size);
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
    }
  }

  remove(id: string, folder: string | undefined): Promise<void> {
    return unlinkQuietly(this.layout.data(id, folder));
  }

  /**
   * The final's bytes from its parts, built aside and renamed into place: the final is either
   * unassembled or whole, even after a crash. `folder` is asked for once the bytes are copied.
   */
  async assemble(id: string, folder: () => Promise<string | undefined>, parts: StoredUpload[]): Promise<void> {
    const temp = this.layout.assembling(id);
    try {
      // The first part is copied by the kernel (reflink or copy_file_range, through copyFile). Node has
      // no way to append with copy_file_range, so further parts stream through with large reads.
      const [first, ...rest] = parts;
      if (first && first.offset > 0) await copyFile(this.layout.data(first.id, first.folder), temp, constants.COPYFILE_FICLONE);
      else await writeFile(temp, '');
      for (const part of rest) {
        if (part.offset === 0) continue;
        await pipeline(
          createReadStream(this.layout.data(part.id, part.folder), { highWaterMark: 1 << 20, end: part.offset - 1 }),
          createWriteStream(temp, { flags: 'a' }),
        );
      }
      if (this.layout.fsync) await syncFile(temp);
      await rename(temp, this.layout.data(id, await folder()));
      await this.layout.syncDirectory();
    } catch (error) {
      await unlinkQuietly(temp);
      throw storageError(error);
    }
  }
}
