// TusDataStoreAdapter against a real @tus/file-store FileStore on disk: the store contract as far as a
// tus DataStore can honour it (no staging, no concatenation), with the side store keeping what
// DataStores have no room for.
import { FileStore as TusFileStore } from '@tus/file-store';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/storage/store-capabilities.js';
import { TusDataStoreAdapter } from '../../src/storage/tus-datastore-adapter.js';
import type { StoreEntry } from '../../src/storage/upload-store.js';

async function* batches(...parts: string[]): AsyncIterable<Buffer[]> {
  for (const part of parts) yield [Buffer.from(part)];
}

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('TusDataStoreAdapter over @tus/file-store', () => {
  let dir: string;
  let store: TusDataStoreAdapter;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tus-adapter-'));
    store = new TusDataStoreAdapter(new TusFileStore({ directory: dir }));
    await store.init();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('advertises what a DataStore can do', () => {
    expect(capabilitiesOf(store)).toEqual({ staging: false, concatenation: false, deferredLength: true, read: true });
  });

  it('creates, appends, looks up with the side data, and reads ranges', async () => {
    const created = await store.create({ id: 'a1', length: 11, metadata: { filename: 'x.txt' }, rawMetadata: 'filename eC50eHQ=', owner: 'alice', serverMetadata: { n: 1 }, createdAt: 1000 });
    expect(created.offset).toBe(0);
    expect(await store.append('a1', 0, batches('hello', ' '))).toBe(6);
    expect(await store.append('a1', 6, batches('world'))).toBe(11);
    const found = await store.lookup('a1');
    expect(found).toMatchObject({
      state: 'active',
      upload: { id: 'a1', length: 11, offset: 11, metadata: { filename: 'x.txt' }, rawMetadata: 'filename eC50eHQ=', owner: 'alice', serverMetadata: { n: 1 }, createdAt: 1000 },
    });
    expect(await text(await store.read!('a1'))).toBe('hello world');
    expect(await text(await store.read!('a1', { start: 3, end: 7 }))).toBe('lo wo');
  });

  it('declares a deferred length', async () => {
    await store.create({ id: 'd1', metadata: {}, createdAt: Date.now() });
    await store.append('d1', 0, batches('abc'));
    await store.declareLength!('d1', 3);
    const found = await store.lookup('d1');
    expect(found.state === 'active' && [found.upload.offset, found.upload.length]).toEqual([3, 3]);
  });

  it('tells missing from gone, lists both, and forgets tombstones', async () => {
    expect(await store.lookup('nope')).toEqual({ state: 'missing' });
    await store.create({ id: 'k1', length: 1, metadata: {}, createdAt: Date.now() });
    await store.create({ id: 'k2', length: 1, metadata: {}, createdAt: Date.now() });
    await store.remove('k2', 'terminated');
    expect(await store.lookup('k2')).toEqual({ state: 'gone', reason: 'terminated' });
    const entries: StoreEntry[] = [];
    for await (const entry of store.list()) entries.push(entry);
    expect(entries.map((e) => (e.state === 'active' ? `active:${e.upload.id}` : `gone:${e.id}`)).sort()).toEqual(['active:k1', 'gone:k2']);
    await store.forget('k2');
    expect(await store.lookup('k2')).toEqual({ state: 'missing' });
  });

  it('keeps metadata keys as plain data, and the owner in the tombstone', async () => {
    const metadata = JSON.parse('{"__proto__":"p","constructor":"c","toString":null}') as Record<string, string | null>;
    await store.create({ id: 'o1', length: 1, metadata, owner: 'alice', createdAt: Date.now() });
    const found = await store.lookup('o1');
    expect(found.state === 'active' && Object.getPrototypeOf(found.upload.metadata)).toBeNull();
    expect(found.state === 'active' && Object.entries(found.upload.metadata)).toEqual(Object.entries(metadata));
    await store.remove('o1', 'terminated');
    expect(await store.lookup('o1')).toEqual({ state: 'gone', reason: 'terminated', owner: 'alice' });
  });

  it('keeps pending completions in the side store', async () => {
    await store.create({ id: 'p1', length: 1, metadata: {}, createdAt: Date.now() });
    await store.setPendingCompletion('p1', { attempts: 1, notBefore: 5, params: { a: 'b' } });
    const pending: unknown[] = [];
    for await (const item of store.listPendingCompletions()) pending.push(item);
    expect(pending).toEqual([{ id: 'p1', attempts: 1, notBefore: 5, params: { a: 'b' } }]);
    expect(await store.getPendingCompletion('p1')).toEqual({ attempts: 1, notBefore: 5, params: { a: 'b' } });
    await store.clearPendingCompletion('p1');
    expect(await store.getPendingCompletion('p1')).toBeUndefined();
    const after: unknown[] = [];
    for await (const item of store.listPendingCompletions()) after.push(item);
    expect(after).toEqual([]);
  });

  it('refuses what DataStores cannot do, loudly', async () => {
    await store.create({ id: 's1', length: 3, metadata: {}, createdAt: Date.now() });
    await expect(store.append('s1', 0, batches('abc'), { verify: () => true })).rejects.toThrow(/cannot stage/);
    await expect(store.create({ id: 's2', metadata: {}, createdAt: Date.now(), concat: { kind: 'partial' } })).rejects.toThrow(/cannot concatenate/);
  });
});
