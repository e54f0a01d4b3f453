// CompletionRunner on a real FileStore, with the races that matter made deterministic by a hook in the
// store: a retry listing that is stale by the time it takes the lock (another run — an inline PATCH,
// another instance's sweep — finished the completion, or failed and put it off, in between), and a
// sweep that lists a fresh record before the PATCH that wrote it has run its handler.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLocker } from '../../src/locking/memory-locker.js';
import { CompletionRunner } from '../../src/protocol/uploads/completion-runner.js';
import { FileStore } from '../../src/storage/file-store.js';
import type { PendingCompletion, StoredUpload } from '../../src/storage/upload-store.js';

/** A FileStore whose listing is a snapshot taken before `afterListing` runs, and which can act right after a record is written. */
class HookedStore extends FileStore {
  afterListing = async (): Promise<void> => undefined;
  afterSetPending = async (): Promise<void> => undefined;

  override async *listPendingCompletions(): AsyncIterable<PendingCompletion & { id: string }> {
    const snapshot: Array<PendingCompletion & { id: string }> = [];
    for await (const pending of super.listPendingCompletions()) snapshot.push(pending);
    await this.afterListing();
    yield* snapshot;
  }

  override async setPendingCompletion(id: string, pending: PendingCompletion): Promise<void> {
    await super.setPendingCompletion(id, pending);
    await this.afterSetPending();
  }
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function* once(bytes: Buffer): AsyncIterable<Buffer[]> {
  yield [bytes];
}

/** A store holding one completed upload `u1`; without `withLookup` it only lists (a custom store without getPendingCompletion). */
async function storeWithUpload(withLookup: boolean): Promise<{ store: HookedStore; upload: StoredUpload }> {
  const dir = await mkdtemp(join(tmpdir(), 'tus-completion-runner-'));
  dirs.push(dir);
  const store = new HookedStore({ directory: dir });
  if (!withLookup) Object.defineProperty(store, 'getPendingCompletion', { value: undefined });
  await store.init();
  await store.create({ id: 'u1', length: 3, metadata: {}, createdAt: Date.now() });
  await store.append('u1', 0, once(Buffer.from('abc')));
  const found = await store.lookup('u1');
  if (found.state !== 'active') throw new Error('upload u1 not stored');
  return { store, upload: found.upload };
}

function runnerOn(store: FileStore, handler: () => Promise<void> = async () => undefined) {
  const runs: Array<{ id: string; params: Record<string, string>; request: unknown }> = [];
  const locker = new MemoryLocker();
  const runner = new CompletionRunner(
    store,
    locker,
    {
      uploadComplete: async (record, context) => {
        runs.push({ id: record.id, params: context.params, request: context.request });
        await handler();
      },
    },
    () => undefined,
    async () => {
      throw new Error('not read');
    },
    { background: false, retryDelay: 1000 },
  );
  return { runner, runs, locker };
}

const pendingOf = async (store: FileStore, id: string) => {
  for await (const pending of store.listPendingCompletions()) if (pending.id === id) return pending;
  return undefined;
};

describe.each([
  ['a store with getPendingCompletion', true],
  ['a store that only lists', false],
])('CompletionRunner.resume on %s', (_label, withLookup) => {
  it('does not run again a completion that another run finished after the listing', async () => {
    const { store } = await storeWithUpload(withLookup);
    await store.setPendingCompletion('u1', { attempts: 0, notBefore: 0, params: {} });
    store.afterListing = () => store.clearPendingCompletion('u1'); // the other run succeeded
    const { runner, runs } = runnerOn(store);
    expect(await runner.resume()).toBe(0);
    expect(runs).toEqual([]);
  });

  it('does not run a completion that a failed run put off after the listing', async () => {
    const { store } = await storeWithUpload(withLookup);
    const now = Date.now();
    await store.setPendingCompletion('u1', { attempts: 0, notBefore: 0, params: {} });
    store.afterListing = () => store.setPendingCompletion('u1', { attempts: 1, notBefore: now + 60_000, params: {}, lastError: 'boom' });
    const { runner, runs } = runnerOn(store);
    expect(await runner.resume(now)).toBe(0);
    expect(runs).toEqual([]);
    expect(await pendingOf(store, 'u1')).toMatchObject({ attempts: 1, notBefore: now + 60_000 });
  });

  it('runs a completion still pending, with the record as stored now, and backs off from its attempts', async () => {
    const { store } = await storeWithUpload(withLookup);
    await store.setPendingCompletion('u1', { attempts: 0, notBefore: 0, params: { user: 'old' } });
    store.afterListing = () => store.setPendingCompletion('u1', { attempts: 3, notBefore: 0, params: { user: 'a' } });
    const { runner, runs } = runnerOn(store, async () => {
      throw new Error('still failing');
    });
    const before = Date.now();
    expect(await runner.resume()).toBe(1);
    expect(runs).toEqual([{ id: 'u1', params: { user: 'a' }, request: undefined }]);
    const after = (await pendingOf(store, 'u1'))!;
    expect(after).toMatchObject({ attempts: 4, params: { user: 'a' }, lastError: 'UploadCompleteHandler: still failing' });
    expect(after.notBefore).toBeGreaterThanOrEqual(before + 8 * 1000); // retryDelay * 2^3
  });

  it('runs it once and clears it', async () => {
    const { store } = await storeWithUpload(withLookup);
    await store.setPendingCompletion('u1', { attempts: 0, notBefore: 0, params: {} });
    const { runner, runs } = runnerOn(store);
    expect(await runner.resume()).toBe(1);
    expect(await runner.resume()).toBe(0);
    expect(runs).toHaveLength(1);
    expect(await pendingOf(store, 'u1')).toBeUndefined();
  });
});

describe('CompletionRunner.completed', () => {
  it('a sweep that lists the fresh record before the PATCH ran its handler leaves that run alone', async () => {
    const { store, upload } = await storeWithUpload(true);
    const { runner, runs, locker } = runnerOn(store);
    let swept: number | undefined;
    // The PATCH holds the upload's lock, owes the completion (record written), then runs the handler.
    // A sweep right after the record was written must find that lock held and leave the record alone.
    store.afterSetPending = async () => {
      store.afterSetPending = async () => undefined;
      swept = await runner.resume();
    };
    const writer = await locker.acquire('u1', () => undefined, 1000);
    const request = { from: 'the PATCH' };
    await runner.owe(upload, { user: 'a' });
    expect(swept).toBe(0);
    expect(runs).toEqual([]);
    await runner.completed(upload, request, { user: 'a' });
    await writer.release();
    expect(runs).toEqual([{ id: 'u1', params: { user: 'a' }, request }]);
    expect(await pendingOf(store, 'u1')).toBeUndefined();
  });
});
