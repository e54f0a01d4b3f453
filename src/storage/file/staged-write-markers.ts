import { open, readFile } from 'node:fs/promises';
import { storageError, unlinkQuietly } from '../file-io.js';
import type { FileLayout } from './layout.js';

/**
 * `<id>.staged`: written before a staged (checksummed) write puts its bytes into the data file, it
 * holds the committed offset. A crash before the verdict leaves it, and the data is cut back to it.
 */
export class StagedWriteMarkers {
  constructor(private readonly layout: FileLayout) {}

  async write(id: string, committed: number): Promise<void> {
    try {
      const handle = await open(this.layout.marker(id), 'w');
      try {
        await handle.writeFile(String(committed));
        if (this.layout.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw storageError(error);
    }
    await this.layout.syncDirectory();
  }

  /** The offset a marker left by a crash records; undefined when it is torn (written before any staged byte). */
  async committed(id: string): Promise<number | undefined> {
    const committed = Number(await readFile(this.layout.marker(id), 'utf8'));
    return Number.isSafeInteger(committed) && committed >= 0 ? committed : undefined;
  }

  remove(id: string): Promise<void> {
    return unlinkQuietly(this.layout.marker(id));
  }
}
