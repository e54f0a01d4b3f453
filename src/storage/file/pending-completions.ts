import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { errno, storageError, syncFile, unlinkQuietly } from '../file-io.js';
import type { PendingCompletion } from '../upload-store.js';
import { COMPLETION_SUFFIX, type FileLayout } from './layout.js';

/** `<id>.completion`: the record of a completion handler still owed, written whole (temp file and rename). */
export class PendingCompletions {
  constructor(private readonly layout: FileLayout) {}

  async set(id: string, pending: PendingCompletion): Promise<void> {
    const path = this.layout.completion(id);
    try {
      await writeFile(path + '.tmp', JSON.stringify(pending));
      if (this.layout.fsync) await syncFile(path + '.tmp');
      await rename(path + '.tmp', path);
    } catch (error) {
      await unlinkQuietly(path + '.tmp').catch(() => undefined); // a torn temp file would hold space on a full disk
      throw storageError(error);
    }
    await this.layout.syncDirectory();
  }

  async clear(id: string): Promise<void> {
    await unlinkQuietly(this.layout.completion(id));
  }

  /** Undefined once cleared (removed meanwhile); a record torn by a crash before the handler ever ran is retried from scratch. */
  async get(id: string): Promise<PendingCompletion | undefined> {
    const path = this.layout.completion(id); // an invalid id throws here, not as a torn record below
    try {
      return JSON.parse(await readFile(path, 'utf8')) as PendingCompletion;
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      return { attempts: 0, notBefore: 0, params: {} };
    }
  }

  async *list(): AsyncIterable<PendingCompletion & { id: string }> {
    for (const name of await readdir(this.layout.directory)) {
      const id = this.layout.idOf(name, COMPLETION_SUFFIX);
      if (id === undefined) continue;
      const pending = await this.get(id);
      if (pending) yield { ...pending, id };
    }
  }
}
