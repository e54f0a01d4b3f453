import { readFile, rename } from 'node:fs/promises';
import { errno, storageError, unlinkQuietly } from '../file-io.js';
import type { GoneReason, NewUpload } from '../upload-store.js';
import type { FileLayout } from './layout.js';
import { OpenFile } from './open-file.js';

/** What `<id>.json` holds once the upload is gone: why, when, and what ownership checks still need. */
export interface Tombstone {
  id: string;
  gone: GoneReason;
  at: number;
  folder?: string;
  owner?: string;
}

/** What `<id>.json` holds: the upload's info, or a tombstone once it is gone. */
export type InfoFile = NewUpload | Tombstone;

/** `<id>.json`: created once, then only replaced whole. */
export class InfoFiles {
  constructor(private readonly layout: FileLayout) {}

  async read(id: string): Promise<InfoFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.layout.info(id), 'utf8');
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

  /** A new upload's info; fails with EEXIST when the id is taken. */
  create(id: string, info: InfoFile): Promise<void> {
    return this.write(id, info, 'wx');
  }

  /** Atomic replacement: readers see the old info or the new one, never half of either. */
  async replace(id: string, info: InfoFile): Promise<void> {
    await this.write(id, info, 'w');
    try {
      await rename(this.layout.info(id) + '.tmp', this.layout.info(id));
    } catch (error) {
      throw storageError(error);
    }
    await this.layout.syncDirectory();
  }

  remove(id: string): Promise<void> {
    return unlinkQuietly(this.layout.info(id));
  }

  private async write(id: string, info: InfoFile, flag: 'wx' | 'w'): Promise<void> {
    const path = flag === 'wx' ? this.layout.info(id) : this.layout.info(id) + '.tmp';
    let created = false;
    try {
      const handle = await OpenFile.open(path, flag);
      created = true;
      try {
        await handle.writeText(JSON.stringify(info));
        if (this.layout.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      // Half-written (a full disk): gone again, so that neither a torn info nor its space stays behind.
      if (created) await unlinkQuietly(path).catch(() => undefined);
      throw storageError(error);
    }
  }
}
