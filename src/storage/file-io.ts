import { open, unlink } from 'node:fs/promises';
import type { ConcatInfo } from './upload-store.js';
import { isValidUploadId } from './upload-id.js';
import { StorageFullError } from './upload-store.js';

// Small file system helpers of the file store, kept apart so the store reads as its rules.

/** The persisted part of concatenation info (`assembled` is read from the disk). */
export function withoutDerived(concat: ConcatInfo): ConcatInfo {
  if (concat.kind === 'partial') return concat;
  return { kind: 'final', parts: concat.parts, header: concat.header };
}

export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Rewrites a file in place (no new file, no new block on a non-copy-on-write file system): the last resort on a full disk. */
export async function overwriteInPlace(path: string, text: string, fsync: boolean): Promise<void> {
  try {
    const handle = await open(path, 'r+');
    try {
      const bytes = Buffer.from(text);
      await handle.write(bytes, 0, bytes.length, 0);
      await handle.truncate(bytes.length);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw storageError(error);
  }
}

/** The last write's time as the store reports it; never before creation (coarse file system clocks). */
export function updatedAt(createdAt: number, mtimeMs: number): number {
  return Math.max(createdAt, Math.floor(mtimeMs));
}

/** One writev per batch; loops only when the kernel took part of it (a nearly full disk). */
export async function writeAll(handle: { writev(buffers: Buffer[], position: number): Promise<{ bytesWritten: number }> }, batch: Buffer[], position: number): Promise<number> {
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
export function checkedId(id: string): string {
  if (!isValidUploadId(id)) throw new Error(`invalid upload id ${JSON.stringify(id)}`);
  return id;
}

export function storageError(error: unknown): unknown {
  const code = errno(error);
  return code === 'ENOSPC' || code === 'EDQUOT' ? new StorageFullError(error) : error;
}

export function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
}
