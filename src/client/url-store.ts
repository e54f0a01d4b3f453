import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** One upload the store remembers, as tus-js-client's URL storage describes it. */
export interface StoredUpload {
  fingerprint: string;
  uploadUrl: string | null;
  parallelUploadUrls: string[] | null;
  size: number | null;
  metadata: Record<string, string>;
  creationTime: string;
  /** When the server said the upload expires; the entry is dropped after that. */
  expires?: string;
}

/** An entry without an expiry from the server is kept this long. */
const MAX_AGE_MS = 30 * 24 * 3600_000;
/** A newer Upload-Expires is recorded only when it moves this much, so a long upload rewrites the file rarely. */
const EXPIRY_STEP_MS = 3600_000;

/** The default store: `nestjs-tus/uploads.json` in the user's cache directory. */
export function defaultUrlStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  const cache =
    env.XDG_CACHE_HOME ||
    (process.platform === 'darwin' ? path.join(home, 'Library', 'Caches') : process.platform === 'win32' ? (env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local')) : path.join(home, '.cache'));
  return path.join(cache, 'nestjs-tus', 'uploads.json');
}

function live(entry: StoredUpload, now: number): boolean {
  if (entry.expires) return Date.parse(entry.expires) > now;
  return now - Date.parse(entry.creationTime) < MAX_AGE_MS;
}

/**
 * tus-js-client's URL storage in a small JSON file, for resuming uploads across process restarts.
 * Changes are made under a lock file and land by rename, so concurrent processes never leave a torn
 * file; expired entries are dropped whenever the file is rewritten.
 */
export class FileUrlStore {
  constructor(readonly file: string = defaultUrlStorePath()) {}

  async findAllUploads(): Promise<Array<StoredUpload & { urlStorageKey: string }>> {
    const now = Date.now();
    return [...(await this.read())].filter(([, entry]) => live(entry, now)).map(([urlStorageKey, entry]) => ({ ...entry, urlStorageKey }));
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<Array<StoredUpload & { urlStorageKey: string }>> {
    return (await this.findAllUploads()).filter((entry) => entry.fingerprint === fingerprint);
  }

  async addUpload(fingerprint: string, upload: Omit<StoredUpload, 'fingerprint'>): Promise<string> {
    const key = `tus::${fingerprint}::${randomBytes(6).toString('hex')}`;
    const { uploadUrl = null, parallelUploadUrls = null, size = null, metadata = {}, creationTime = new Date().toString() } = upload;
    await this.update((entries) => entries.set(key, { fingerprint, uploadUrl, parallelUploadUrls, size, metadata, creationTime }));
    return key;
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    await this.update((entries) => entries.delete(urlStorageKey));
  }

  /** Forgets every upload of this fingerprint (called once one finished). */
  async removeFingerprint(fingerprint: string): Promise<void> {
    const stored = await this.read();
    if (![...stored.values()].some((entry) => entry.fingerprint === fingerprint)) return;
    await this.update((entries) => {
      for (const [key, entry] of entries) if (entry.fingerprint === fingerprint) entries.delete(key);
    });
  }

  /** Records the server's `Upload-Expires` for the entries of this upload URL. */
  async recordExpiry(uploadUrl: string, expires: Date): Promise<void> {
    if (Number.isNaN(expires.getTime())) return;
    const matches = (entry: StoredUpload) => entry.uploadUrl === uploadUrl && (!entry.expires || expires.getTime() - Date.parse(entry.expires) >= EXPIRY_STEP_MS);
    if (![...(await this.read()).values()].some(matches)) return;
    await this.update((entries) => {
      for (const entry of entries.values()) if (matches(entry)) entry.expires = expires.toISOString();
    });
  }

  private async read(): Promise<Map<string, StoredUpload>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as { uploads?: Record<string, StoredUpload> };
      return new Map(Object.entries(parsed.uploads ?? {}));
    } catch {
      return new Map(); // not ours or damaged by hand: start afresh (resuming is a convenience, not state)
    }
  }

  private async update(change: (entries: Map<string, StoredUpload>) => unknown): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const release = await lockfile.lock(this.file, { realpath: false, stale: 10_000, retries: { retries: 50, minTimeout: 10, maxTimeout: 200 } });
    try {
      const entries = await this.read();
      change(entries);
      const now = Date.now();
      for (const [key, entry] of entries) if (!live(entry, now)) entries.delete(key);
      const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, `${JSON.stringify({ version: 1, uploads: Object.fromEntries(entries) }, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.file).catch(async (error: unknown) => {
        await rm(temp, { force: true });
        throw error;
      });
    } finally {
      await release();
    }
  }
}
