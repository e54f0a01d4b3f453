// The UploadStore contract, as tests any store must pass: `storeConformance(name, open, options)`
// registers them for a factory that opens a fresh, empty store (its own directory, bucket prefix, …).
// Run by file-store.conformance.spec.ts and s3-store.conformance.spec.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadExistsError, type FullUploadStore, type NewUpload, type StoredUpload, type UploadStore } from '../../src/storage/upload-store.js';
import { pattern, sha256 } from '../support/tus.js';

export interface StoreUnderTest {
  store: FullUploadStore;
  /** Another store on the same storage: what a restarted process, or a second instance, opens. */
  reopen(): Promise<FullUploadStore>;
  /** Everything the store keeps (files, objects, unfinished multipart uploads), as names. */
  contents(): Promise<string[]>;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  /** The store's (minimum) part size: appends are cut around it. Stores without parts: any size. */
  partSize: number;
  /** Whether an incomplete upload past its first part can be read (S3 cannot read a multipart upload in progress). */
  readsIncomplete: boolean;
}

const KiB = 1024;

/** A body as the engine hands it over: batches of buffers of uneven sizes. */
async function* batches(data: Buffer, sizes = [64 * KiB, 1, 100 * KiB + 7]): AsyncIterable<Buffer[]> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length];
    const one = data.subarray(at, at + size);
    const two = data.subarray(at + size, at + 2 * size);
    at += one.length + two.length;
    yield two.length > 0 ? [one, two] : [one];
  }
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function active(store: UploadStore, id: string): Promise<StoredUpload> {
  const found = await store.lookup(id);
  expect(found.state, `lookup(${id})`).toBe('active');
  if (found.state !== 'active') throw new Error('not active');
  return found.upload;
}

export function storeConformance(name: string, open: () => Promise<StoreUnderTest>, options: ConformanceOptions): void {
  const P = options.partSize;

  describe(`UploadStore conformance: ${name}`, () => {
    let t: StoreUnderTest;
    let store: FullUploadStore;
    beforeEach(async () => {
      t = await open();
      store = t.store;
    });
    afterEach(() => t.close());

    const create = (id: string, length?: number, extra: Partial<NewUpload> = {}) =>
      store.create({ id, length, metadata: { filename: 'a.bin', filetype: 'text/plain' }, rawMetadata: 'filename YS5iaW4=', createdAt: Date.now(), ...extra });

    const readAll = async (s: FullUploadStore, id: string, range?: { start: number; end: number }) => collect(await s.read(id, range));

    it('creates an upload, hands out copies on lookup, and refuses a taken id', async () => {
      const created = await create('c1', 10, { owner: 'alice', serverMetadata: { plan: 'pro' } });
      expect(created).toMatchObject({ id: 'c1', length: 10, offset: 0, owner: 'alice', serverMetadata: { plan: 'pro' } });
      const first = await active(store, 'c1');
      expect(first).toMatchObject({ id: 'c1', length: 10, offset: 0, metadata: { filename: 'a.bin', filetype: 'text/plain' }, rawMetadata: 'filename YS5iaW4=' });
      first.offset = 99;
      expect(await active(store, 'c1')).toMatchObject({ offset: 0 });
      await expect(create('c1', 10)).rejects.toBeInstanceOf(UploadExistsError);
      expect(await store.lookup('nope')).toEqual({ state: 'missing' });
    });

    it('appends in sizes around the part size, with exact offsets between appends, and reads ranges across parts', async () => {
      const sizes = [1, P - 1, P, P + 1, 2 * P + 3];
      const total = sizes.reduce((a, b) => a + b, 0);
      const data = pattern(total, 7);
      await create('odd', total);
      let offset = 0;
      for (const size of sizes) {
        const next = await store.append('odd', offset, batches(data.subarray(offset, offset + size)));
        expect(next).toBe(offset + size);
        offset = next;
        expect((await active(store, 'odd')).offset).toBe(offset);
        expect((await active(await t.reopen(), 'odd')).offset, 'another instance sees the same offset').toBe(offset);
      }
      const whole = await readAll(store, 'odd');
      expect(whole.length).toBe(total);
      expect(sha256(whole)).toBe(sha256(data));
      for (const [start, end] of [
        [0, 0],
        [P - 2, P + 1],
        [2 * P - 1, 2 * P],
        [3 * P - 3, 4 * P + 5],
        [total - 1, total - 1],
      ]) {
        expect((await readAll(store, 'odd', { start, end })).equals(data.subarray(start, end + 1)), `bytes ${start}-${end}`).toBe(true);
      }
    });

    it('one append spanning several parts', async () => {
      const data = pattern(3 * P + 12_345, 8);
      await create('big', data.length);
      expect(await store.append('big', 0, batches(data, [256 * KiB]))).toBe(data.length);
      expect(sha256(await readAll(store, 'big'))).toBe(sha256(data));
    });

    it('a fresh instance resumes where the last one stopped, with the same updatedAt', async () => {
      const data = pattern(2 * P + 10, 9);
      await create('res', data.length);
      expect(await store.append('res', 0, batches(data.subarray(0, P + 7)))).toBe(P + 7);
      const before = await active(store, 'res');
      const restarted = await t.reopen();
      const after = await active(restarted, 'res');
      expect(after.offset).toBe(P + 7);
      expect(after.updatedAt).toBe(before.updatedAt);
      expect(await restarted.append('res', P + 7, batches(data.subarray(P + 7)))).toBe(data.length);
      expect((await active(await t.reopen(), 'res')).updatedAt, 'the writer and a fresh instance agree').toBe((await active(restarted, 'res')).updatedAt);
      expect(sha256(await readAll(store, 'res'))).toBe(sha256(data));
    });

    it('staged appends count only once verified; refused ones leave nothing behind', async () => {
      const data = pattern(3 * P + 50, 10);
      await create('st', data.length);
      expect(await store.append('st', 0, batches(data.subarray(0, 10)))).toBe(10);
      const kept = (await t.contents()).sort();
      for (const size of [P + 100, 5]) {
        let during: number | undefined;
        const refused = await store.append('st', 10, batches(pattern(size, 99)), {
          verify: async () => {
            during = (await active(await t.reopen(), 'st')).offset;
            return false;
          },
        });
        expect(refused).toBe(10);
        expect(during).toBe(10);
        expect((await active(store, 'st')).offset).toBe(10);
        expect((await t.contents()).sort(), 'a refused chunk leaves nothing').toEqual(kept);
      }
      let seen: number | undefined;
      const accepted = await store.append('st', 10, batches(data.subarray(10, 2 * P + 20)), {
        verify: async () => {
          seen = (await active(store, 'st')).offset;
          return true;
        },
      });
      expect(seen, 'not counted before the verdict').toBe(10);
      expect(accepted).toBe(2 * P + 20);
      expect(await store.append('st', accepted, batches(data.subarray(accepted)), { verify: () => true })).toBe(data.length);
      expect(sha256(await readAll(store, 'st'))).toBe(sha256(data));
    });

    it('defers the length: declared before the last bytes, or after all of them', async () => {
      const data = pattern(P + 6, 11);
      await create('d1');
      expect(await store.append('d1', 0, batches(data.subarray(0, P + 1)))).toBe(P + 1);
      expect((await active(store, 'd1')).length).toBeUndefined();
      await store.declareLength('d1', data.length);
      expect(await active(store, 'd1')).toMatchObject({ length: data.length, offset: P + 1 });
      expect(await store.append('d1', P + 1, batches(data.subarray(P + 1)))).toBe(data.length);
      expect(sha256(await readAll(store, 'd1'))).toBe(sha256(data));

      await create('d2');
      expect(await store.append('d2', 0, batches(data))).toBe(data.length);
      await store.declareLength('d2', data.length);
      const restarted = await t.reopen();
      expect(await active(restarted, 'd2')).toMatchObject({ length: data.length, offset: data.length });
      expect(sha256(await readAll(restarted, 'd2'))).toBe(sha256(data));
    });

    it('terminates: a tombstone answers gone, every related object goes, forget leaves nothing', async () => {
      await create('t1', 3 * P);
      await store.append('t1', 0, batches(pattern(P + 3, 12))); // a part and a pending piece
      await create('t2', 5);
      await store.append('t2', 0, batches(Buffer.from('hello'))); // complete
      await store.setPendingCompletion('t2', { attempts: 0, notBefore: 0, params: {} });
      for (const id of ['t1', 't2']) await store.remove(id, 'terminated');
      const restarted = await t.reopen();
      expect(await restarted.lookup('t1')).toEqual({ state: 'gone', reason: 'terminated' });
      expect(await restarted.lookup('t2')).toEqual({ state: 'gone', reason: 'terminated' });
      expect(await t.contents(), 'only the two tombstones').toHaveLength(2);
      expect(await collectAll(restarted.listPendingCompletions())).toEqual([]);
      for (const id of ['t1', 't2']) await restarted.forget(id);
      expect(await restarted.lookup('t1')).toEqual({ state: 'missing' });
      expect(await t.contents()).toEqual([]);
    });

    it('keeps every metadata key as plain data, and the owner in the tombstone, also when reopened', async () => {
      const metadata = JSON.parse('{"__proto__":"p","constructor":"c","toString":null,"hasOwnProperty":"h"}') as Record<string, string | null>;
      await create('k1', 1, { owner: 'alice', metadata });
      for (const s of [store, await t.reopen()]) {
        const found = await active(s, 'k1');
        expect(Object.getPrototypeOf(found.metadata)).toBeNull();
        expect(Object.entries(found.metadata)).toEqual(Object.entries(metadata));
      }
      await store.remove('k1', 'expired');
      expect(await store.lookup('k1')).toEqual({ state: 'gone', reason: 'expired', owner: 'alice' });
      expect(await (await t.reopen()).lookup('k1')).toEqual({ state: 'gone', reason: 'expired', owner: 'alice' });
    });

    it('expires like a termination, with its own reason', async () => {
      await create('x1', 2 * P);
      await store.append('x1', 0, batches(pattern(P, 13)));
      await store.remove('x1', 'expired');
      expect(await store.lookup('x1')).toEqual({ state: 'gone', reason: 'expired' });
      expect(await t.contents()).toHaveLength(1);
    });

    it('lists every upload and tombstone', async () => {
      await create('l1', 1);
      await create('l2');
      await create('l3', 2);
      await store.remove('l3', 'expired');
      await store.create({ id: 'l4', length: 3, metadata: {}, createdAt: Date.now(), folder: 'users/bob' });
      const seen: string[] = [];
      for await (const entry of (await t.reopen()).list()) {
        seen.push(entry.state === 'active' ? `active:${entry.upload.id}:${entry.upload.offset}` : `gone:${entry.id}:${entry.reason}`);
      }
      expect(seen.sort()).toEqual(['active:l1:0', 'active:l2:0', 'active:l4:0', 'gone:l3:expired']);
    });

    it('concatenates complete partial uploads in order, and records finals waiting for a partial', async () => {
      const sizes = [1, P + 3, P - 1, 2 * P + 5, 0];
      const datas = sizes.map((size, i) => pattern(size, 20 + i));
      const ids = sizes.map((_, i) => `part${i}`);
      for (const [i, id] of ids.entries()) {
        await create(id, sizes[i], { concat: { kind: 'partial' } });
        if (sizes[i] > 0) await store.append(id, 0, batches(datas[i]));
      }
      await store.create({ id: 'fin', metadata: { filetype: 'image/png' }, createdAt: Date.now(), concat: { kind: 'final', parts: ids, header: 'final;x' } });
      expect((await active(store, 'fin')).concat).toMatchObject({ kind: 'final', parts: ids, assembled: false });
      await store.linkFinal('part1', 'fin');
      expect((await active(await t.reopen(), 'part1')).concat).toEqual({ kind: 'partial', finals: ['fin'] });
      const expected = Buffer.concat(datas);
      await store.declareLength('fin', expected.length);
      const parts = await Promise.all(ids.map((id) => active(store, id)));
      const final = await store.concatenate('fin', parts);
      expect(final).toMatchObject({ id: 'fin', length: expected.length, offset: expected.length, concat: { kind: 'final', assembled: true } });
      const restarted = await t.reopen();
      expect(await active(restarted, 'fin')).toMatchObject({ offset: expected.length, concat: { assembled: true } });
      expect(sha256(await readAll(restarted, 'fin'))).toBe(sha256(expected));
      const cuts = [1, 1 + P + 3, 1 + P + 3 + P - 1];
      for (const cut of cuts) {
        expect((await readAll(restarted, 'fin', { start: cut - 1, end: cut })).equals(expected.subarray(cut - 1, cut + 1)), `across ${cut}`).toBe(true);
      }
    });

    it('keeps the bytes in the upload folder, everywhere from write to removal', async () => {
      const data = pattern(P + 9, 30);
      await store.create({ id: 'f1', length: data.length, metadata: {}, createdAt: Date.now(), folder: 'users/alice' });
      await store.append('f1', 0, batches(data.subarray(0, 4)));
      const restarted = await t.reopen();
      expect(await restarted.append('f1', 4, batches(data.subarray(4)))).toBe(data.length);
      expect(await active(restarted, 'f1')).toMatchObject({ offset: data.length, folder: 'users/alice' });
      expect((await t.contents()).some((name) => name.includes('users/alice/f1'))).toBe(true);
      expect((await readAll(store, 'f1', { start: 2, end: P + 1 })).equals(data.subarray(2, P + 2))).toBe(true);
      await restarted.remove('f1', 'terminated');
      expect((await t.contents()).filter((name) => name.includes('users/alice'))).toEqual([]);
      await expect(store.create({ id: 'f2', length: 1, metadata: {}, createdAt: Date.now(), folder: '../out' })).rejects.toThrow(/invalid upload folder/);
    });

    it('keeps pending completions durably: another instance lists and reads them until cleared', async () => {
      await create('pc1', 0);
      await create('pc2', 0);
      await store.setPendingCompletion('pc1', { attempts: 0, notBefore: 0, params: { user: 'a' } });
      await store.setPendingCompletion('pc2', { attempts: 0, notBefore: 0, params: {} });
      await store.setPendingCompletion('pc2', { attempts: 2, notBefore: 1234, params: {}, lastError: 'boom' });
      const restarted = await t.reopen();
      const listed = (await collectAll(restarted.listPendingCompletions())).sort((a, b) => a.id.localeCompare(b.id));
      expect(listed).toEqual([
        { id: 'pc1', attempts: 0, notBefore: 0, params: { user: 'a' } },
        { id: 'pc2', attempts: 2, notBefore: 1234, params: {}, lastError: 'boom' },
      ]);
      expect(await restarted.getPendingCompletion!('pc2')).toEqual({ attempts: 2, notBefore: 1234, params: {}, lastError: 'boom' });
      await restarted.clearPendingCompletion('pc1');
      await restarted.clearPendingCompletion('never-set');
      expect(await store.getPendingCompletion!('pc1')).toBeUndefined();
      expect(await store.getPendingCompletion!('never-set')).toBeUndefined();
      expect((await collectAll(store.listPendingCompletions())).map((p) => p.id)).toEqual(['pc2']);
    });

    it('an empty upload is complete from the start; an upload never written reads as empty', async () => {
      await create('e0', 0);
      expect(await active(await t.reopen(), 'e0')).toMatchObject({ length: 0, offset: 0 });
      expect((await readAll(store, 'e0')).length).toBe(0);
      await create('e1', 10);
      expect((await readAll(store, 'e1')).length).toBe(0);
    });

    it('reads an incomplete upload as far as it got (where the store can)', async () => {
      const data = pattern(2 * P, 40);
      await create('inc', data.length + 1);
      await store.append('inc', 0, batches(data.subarray(0, 100)));
      expect((await readAll(store, 'inc', { start: 10, end: 99 })).equals(data.subarray(10, 100))).toBe(true);
      await store.append('inc', 100, batches(data.subarray(100)));
      if (options.readsIncomplete) expect((await readAll(store, 'inc')).equals(data)).toBe(true);
      else await expect(store.read('inc')).rejects.toThrow(/incomplete/);
    });
  });
}

async function collectAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
