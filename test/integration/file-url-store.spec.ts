// FileUrlStore, the client's JSON file of interrupted uploads: concurrent writers (several store instances
// on one file, as several processes would be) lose no entry and never leave a torn file; expired entries
// are not returned and are dropped at the next write; an unreadable file is started afresh.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileUrlStore, defaultUrlStorePath } from '../../src/client/index.js';

describe('FileUrlStore', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-url-store-'));
    file = path.join(dir, 'nested', 'uploads.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const entry = (n: number) => ({ uploadUrl: `http://server/files/${n}`, parallelUploadUrls: null, size: n, metadata: { filename: `${n}.bin` }, creationTime: new Date().toString() });

  it('keeps every entry written at once by several writers, in a file that always parses', async () => {
    const stores = [new FileUrlStore(file), new FileUrlStore(file), new FileUrlStore(file)];
    const keys = await Promise.all(Array.from({ length: 30 }, (_, n) => stores[n % 3]!.addUpload(`fp-${n}`, entry(n))));
    expect(new Set(keys).size).toBe(30);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { uploads: Record<string, { fingerprint: string }> };
    expect(Object.values(stored.uploads).map((e) => e.fingerprint).sort()).toEqual(Array.from({ length: 30 }, (_, n) => `fp-${n}`).sort());
    await Promise.all(keys.slice(0, 10).map((key, n) => stores[n % 3]!.removeUpload(key)));
    expect(await new FileUrlStore(file).findAllUploads()).toHaveLength(20);
    expect((await stores[0]!.findUploadsByFingerprint('fp-15'))[0]).toMatchObject({ uploadUrl: 'http://server/files/15', urlStorageKey: keys[15] });
  });

  it('drops entries past the Upload-Expires the server gave, and forgets a fingerprint once done', async () => {
    const store = new FileUrlStore(file);
    await store.addUpload('old', entry(1));
    await store.addUpload('done', entry(2));
    await store.recordExpiry('http://server/files/1', new Date(Date.now() - 1000));
    expect((await store.findAllUploads()).map((e) => e.fingerprint)).toEqual(['done']);
    await store.removeFingerprint('done');
    expect(JSON.parse(await readFile(file, 'utf8')).uploads).toEqual({});
  });

  it('starts afresh from a file it cannot read, and lives in the cache directory by default', async () => {
    await new FileUrlStore(file).addUpload('x', entry(1));
    await writeFile(file, '{ torn');
    const store = new FileUrlStore(file);
    expect(await store.findAllUploads()).toEqual([]);
    await store.addUpload('y', entry(2));
    expect((await store.findAllUploads()).map((e) => e.fingerprint)).toEqual(['y']);
    expect(defaultUrlStorePath({ XDG_CACHE_HOME: '/cache' })).toBe(path.join('/cache', 'nestjs-tus', 'uploads.json'));
  });
});
