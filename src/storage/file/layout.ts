import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkedId } from '../file-io.js';
import { isValidFolder, isValidUploadId } from '../upload-id.js';

export const INFO_SUFFIX = '.json';
export const MARKER_SUFFIX = '.staged';
export const ASSEMBLING_SUFFIX = '.assembling';
export const COMPLETION_SUFFIX = '.completion';

/**
 * Where each file of an upload lives: `<directory>/<id>` (or `<directory>/<folder>/<id>`) holds the
 * bytes, `<id>.json` the info or tombstone, `<id>.staged` the marker of a staged write,
 * `<id>.completion` a pending completion, `<id>.assembling` a final being built.
 */
export class FileLayout {
  readonly directory: string;

  constructor(
    directory: string,
    /** fsync files and directory entries before a change is reported (survives an OS crash). */
    readonly fsync: boolean,
  ) {
    this.directory = resolve(directory);
  }

  /** `<directory>/<folder>/<id>`: both parts are checked again here, the last step before a path. */
  data(id: string, folder?: string): string {
    return folder ? join(this.directory, checkedFolder(folder), checkedId(id)) : join(this.directory, checkedId(id));
  }

  info(id: string): string {
    return join(this.directory, checkedId(id) + INFO_SUFFIX);
  }

  marker(id: string): string {
    return join(this.directory, checkedId(id) + MARKER_SUFFIX);
  }

  completion(id: string): string {
    return join(this.directory, checkedId(id) + COMPLETION_SUFFIX);
  }

  assembling(id: string): string {
    return join(this.directory, checkedId(id) + ASSEMBLING_SUFFIX);
  }

  /** The upload a directory entry with this suffix belongs to; undefined for any other entry. */
  idOf(name: string, suffix: string): string | undefined {
    if (!name.endsWith(suffix)) return undefined;
    const id = name.slice(0, -suffix.length);
    return isValidUploadId(id) ? id : undefined;
  }

  /** fsync mode: makes created and renamed directory entries durable. */
  async syncDirectory(): Promise<void> {
    if (!this.fsync) return;
    const handle = await open(this.directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

export function checkedFolder(folder: string): string {
  if (!isValidFolder(folder)) throw new Error(`invalid upload folder ${JSON.stringify(folder)}`);
  return folder;
}
