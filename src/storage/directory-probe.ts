import { randomBytes } from 'node:crypto';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreHealth } from './upload-store.js';

/**
 * A file store's health: a small file can be written (and removed) in the directory (a permission check
 * would not do: root passes it on a read-only mount), and the free space its file system has left.
 */
export async function probeDirectory(directory: string): Promise<StoreHealth> {
  // A dot name is never an upload id, so a probe left by a crash is not listed as an upload.
  const probe = join(directory, `.health-${randomBytes(6).toString('hex')}`);
  await writeFile(probe, 'ok');
  await unlink(probe);
  const fs = await statfs(directory);
  return { freeBytes: fs.bavail * fs.bsize };
}
