import { mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStore } from '../../src/storage/file-store.js';
import { DataFiles } from '../../src/storage/file/data-files.js';
import { StorageFullError, UploadExistsError, type StoreEntry } from '../../src/storage/upload-store.js';

async function* batches(...parts: string[]): AsyncIterable<Buffer[]> {
  for (const part of parts) yield [Buffer.from(part)];
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('FileStore', () => {
  let dir: string;
  let store: FileStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tus-store-'));
    store = new FileStore({ directory: join(dir, 'uploads') });
    await store.init();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const create = (id: string, length?: number) =>
    store.create({ id, length, metadata: { name: 'a' }, rawMetadata: 'name YQ==', createdAt: Date.now() });

  it('creates, appends at the offset and reports the bytes on disk', async () => {
    await create('up1', 6);
    expect(await store.append('up1', 0, batches('abc'))).toBe(3);
    expect(await store.append('up1', 3, batches('d', 'ef'))).toBe(6);
    const found = await store.lookup('up1');
    expect(found.state).toBe('active');
    if (found.state !== 'active') return;
    expect(found.upload).toMatchObject({ id: 'up1', length: 6, offset: 6, metadata: { name: 'a' }, rawMetadata: 'name YQ==' });
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read('up1')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abcdef');
  });

  it('reads a byte range, both ends included, and an empty upload as empty whatever the range', async () => {
    await create('up1', 6);
    await store.append('up1', 0, batches('abcdef'));
    expect((await collect(await store.read('up1', { start: 0, end: 0 }))).toString()).toBe('a');
    expect((await collect(await store.read('up1', { start: 2, end: 4 }))).toString()).toBe('cde');
    expect((await collect(await store.read('up1', { start: 5, end: 5 }))).toString()).toBe('f');
    await create('empty', 3);
    expect((await collect(await store.read('empty', { start: 0, end: 2 }))).length).toBe(0);
  });

  it('reports the same updatedAt after a write as a fresh store reading the disk (stable ETag)', async () => {
    await create('up1', 6);
    // A process clock off from the file system's: the in-memory state must still follow the disk.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2100-01-01T00:00:00Z'));
    try {
      await store.append('up1', 0, batches('abc'));
      await store.append('up1', 3, batches('def'));
    } finally {
      clock.mockRestore();
    }
    const live = await store.lookup('up1');
    const restarted = await new FileStore({ directory: join(dir, 'uploads') }).lookup('up1');
    expect(live.state === 'active' && live.upload.updatedAt).toBe(restarted.state === 'active' && restarted.upload.updatedAt);
  });

  it('keeps following the disk when a write ends while a lookup reads the mtime of the one before', async () => {
    await create('up1', 6);
    await store.append('up1', 0, batches('abc'));
    await utimes(join(dir, 'uploads', 'up1'), new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    // The lookup's stat reads the 2001 mtime, then is held until the next write has ended.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const stat = DataFiles.prototype.stat;
    const spy = vi.spyOn(DataFiles.prototype, 'stat').mockImplementationOnce(async function (this: DataFiles, ...args) {
      const result = await stat.apply(this, args);
      await held;
      return result;
    });
    try {
      const racing = store.lookup('up1');
      await store.append('up1', 3, batches('def'));
      release();
      await racing;
    } finally {
      spy.mockRestore();
    }
    const live = await store.lookup('up1');
    const restarted = await new FileStore({ directory: join(dir, 'uploads') }).lookup('up1');
    expect(live.state === 'active' && live.upload.updatedAt).toBe(restarted.state === 'active' && restarted.upload.updatedAt);
  });

  it('refuses an id that exists', async () => {
    await create('up1', 1);
    await expect(create('up1', 1)).rejects.toBeInstanceOf(UploadExistsError);
  });

  it('declares a deferred length atomically', async () => {
    await create('up1');
    await store.declareLength('up1', 10);
    const found = await store.lookup('up1');
    expect(found.state === 'active' && found.upload.length).toBe(10);
    expect(await readdir(join(dir, 'uploads'))).toEqual(['up1.json']);
  });

  it('a fresh store on the same directory (a restart) sees exactly what is on disk', async () => {
    await create('up1', 6);
    await store.append('up1', 0, batches('abcd'));
    await create('up2');
    await store.remove('up2', 'terminated');
    const restarted = new FileStore({ directory: join(dir, 'uploads') });
    const found = await restarted.lookup('up1');
    expect(found.state === 'active' && found.upload.offset).toBe(4);
    expect(await restarted.lookup('up2')).toEqual({ state: 'gone', reason: 'terminated' });
    expect(await restarted.lookup('nope')).toEqual({ state: 'missing' });
  });

  it('an upload never written is at offset 0 and reads as empty', async () => {
    await create('empty', 0);
    const found = await store.lookup('empty');
    expect(found.state === 'active' && found.upload.offset).toBe(0);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read('empty')) chunks.push(chunk as Buffer);
    expect(chunks.length).toBe(0);
  });

  it('lookups hand out copies: a caller cannot change the cached state', async () => {
    await create('up1', 6);
    const first = await store.lookup('up1');
    if (first.state === 'active') first.upload.offset = 99;
    const again = await store.lookup('up1');
    expect(again.state === 'active' && again.upload.offset).toBe(0);
  });

  it('leaves a tombstone on removal, then forgets it', async () => {
    await create('up1', 1);
    await store.remove('up1', 'terminated');
    expect(await store.lookup('up1')).toEqual({ state: 'gone', reason: 'terminated' });
    expect(await readdir(join(dir, 'uploads'))).toEqual(['up1.json']);
    await store.forget('up1');
    expect(await store.lookup('up1')).toEqual({ state: 'missing' });
  });

  it('treats a torn info file (crash during creation) as missing', async () => {
    await writeFile(join(dir, 'uploads', 'torn.json'), '{"id":"to');
    expect(await store.lookup('torn')).toEqual({ state: 'missing' });
  });

  it('lists uploads and tombstones, skipping foreign files', async () => {
    await create('a', 1);
    await create('b', 1);
    await store.remove('b', 'expired');
    await writeFile(join(dir, 'uploads', 'notes.txt.json'), '{}');
    const entries: StoreEntry[] = [];
    for await (const entry of store.list()) entries.push(entry);
    expect(entries.map((e) => (e.state === 'active' ? `active:${e.upload.id}` : `gone:${e.id}:${e.reason}`)).sort()).toEqual([
      'active:a',
      'gone:b:expired',
    ]);
  });

  it('refuses ids that are not plain names, before touching the disk', async () => {
    await expect(store.lookup('../x')).rejects.toThrow(/invalid upload id/);
    await expect(create('a/b', 1)).rejects.toThrow(/invalid upload id/);
  });

  it('turns ENOSPC into StorageFullError and keeps what was written', async () => {
    await create('full', 10);
    await symlink('/dev/full', join(dir, 'uploads', 'full'));
    await expect(store.append('full', 0, batches('abc'))).rejects.toBeInstanceOf(StorageFullError);
  });

  it('staged writes count only once verified, and a refused chunk is cut off again', async () => {
    await create('st', 10);
    await store.append('st', 0, batches('abc'));
    let seen: number | undefined;
    const refused = await store.append('st', 3, batches('XYZ'), {
      verify: async () => {
        const during = await store.lookup('st');
        seen = during.state === 'active' ? during.upload.offset : undefined;
        return false;
      },
    });
    expect(seen).toBe(3);
    expect(refused).toBe(3);
    expect(await readFile(join(dir, 'uploads', 'st'), 'utf8')).toBe('abc');
    expect(await store.append('st', 3, batches('def'), { verify: () => true })).toBe(6);
    expect(await readFile(join(dir, 'uploads', 'st'), 'utf8')).toBe('abcdef');
    expect(await readdir(join(dir, 'uploads'))).toEqual(['st', 'st.json']);
  });

  it('a staged write interrupted by a crash is rolled back at the next start', async () => {
    await create('cr', 10);
    await store.append('cr', 0, batches('abc'));
    // What a process killed mid-way through a checksummed chunk leaves behind:
    await writeFile(join(dir, 'uploads', 'cr.staged'), '3');
    await writeFile(join(dir, 'uploads', 'cr'), 'abcUNVERIFIED');
    const restarted = new FileStore({ directory: join(dir, 'uploads') });
    await restarted.init();
    expect(await readFile(join(dir, 'uploads', 'cr'), 'utf8')).toBe('abc');
    const found = await restarted.lookup('cr');
    expect(found.state === 'active' && found.upload.offset).toBe(3);
    expect(await readdir(join(dir, 'uploads'))).toEqual(['cr', 'cr.json']);
  });

  it('keeps bytes in the upload folder, everywhere from write to removal', async () => {
    await store.create({ id: 'f1', length: 4, metadata: {}, createdAt: Date.now(), folder: 'users/alice' });
    await store.append('f1', 0, batches('ab'));
    expect(await readFile(join(dir, 'uploads', 'users', 'alice', 'f1'), 'utf8')).toBe('ab');
    const restarted = new FileStore({ directory: join(dir, 'uploads') });
    await restarted.append('f1', 2, batches('cd'));
    const found = await restarted.lookup('f1');
    expect(found.state === 'active' && [found.upload.offset, found.upload.folder]).toEqual([4, 'users/alice']);
    const chunks: Buffer[] = [];
    for await (const chunk of await restarted.read('f1', { start: 1, end: 2 })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('bc');
    await restarted.remove('f1', 'terminated');
    expect(await readdir(join(dir, 'uploads', 'users', 'alice'))).toEqual([]);
    await expect(store.create({ id: 'f2', length: 1, metadata: {}, createdAt: Date.now(), folder: '../out' })).rejects.toThrow(/invalid upload folder/);
  });

  it('with fsync, still appends and reports the synced offset', async () => {
    const durable = new FileStore({ directory: join(dir, 'durable'), fsync: true });
    await durable.init();
    await durable.create({ id: 'd', length: 3, metadata: {}, createdAt: Date.now() });
    expect(await durable.append('d', 0, batches('abc'))).toBe(3);
    const found = await durable.lookup('d');
    expect(found.state === 'active' && found.upload.offset).toBe(3);
  });
});
