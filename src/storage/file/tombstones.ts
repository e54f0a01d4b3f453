import { overwriteInPlace, unlinkQuietly } from '../file-io.js';
import { StorageFullError } from '../upload-store.js';
import type { InfoFiles, Tombstone } from './info-files.js';
import type { FileLayout } from './layout.js';

/**
 * Puts the tombstone in place of the upload's info, even on a full disk: then the bytes go first to
 * make room; failing that, the tombstone overwrites the info in place, inside a block the file already
 * has (torn by a crash, it reads as missing: 404).
 */
export async function writeTombstone(layout: FileLayout, infos: InfoFiles, tombstone: Tombstone): Promise<void> {
  const { id, folder } = tombstone;
  try {
    await infos.replace(id, tombstone);
  } catch (error) {
    if (!(error instanceof StorageFullError)) throw error;
    await unlinkQuietly(layout.data(id, folder));
    await infos.replace(id, tombstone).catch(async (again: unknown) => {
      if (!(again instanceof StorageFullError)) throw again;
      await overwriteInPlace(layout.info(id), JSON.stringify(tombstone), layout.fsync);
    });
  }
}
