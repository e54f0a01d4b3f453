// CompletionRunner.resume() on a listing that is stale by the time it takes the lock: another run (an
// inline PATCH, another instance's sweep) may have finished the completion, or failed and put it off,
// in between. Only the record as stored under the lock decides.
import { describe, expect, it } from 'vitest';
import { MemoryLocker } from '../../src/locking/memory-locker.js';
import { CompletionRunner } from '../../src/protocol/completion-runner.js';
import type { PendingCompletion, StoredUpload, UploadStore } from '../../src/storage/upload-store.js';

const UPLOAD: StoredUpload = { id: 'u1', length: 3, offset: 3, metadata: {}, createdAt: 1, updatedAt: 2 };

/** The pending records in a Map; the listing is a snapshot, and `afterListing` runs once it is taken. */
function fakeStore(withLookup: boolean) {
  const pending = new Map<string, PendingCompletion>();
  const fake = {
    pending,
    afterListing: async () => undefined as void,
    lookup: async (id: string) => (id === UPLOAD.id ? { state: 'active' as const, upload: UPLOAD } : { state: 'missing' as const }),
    setPendingCompletion: async (id: string, record: PendingCompletion) => void pending.set(id, record),
    clearPendingCompletion: async (id: string) => void pending.delete(id),
    async *listPendingCompletions() {
      const snapshot = [...pending].map(([id, record]) => ({ ...record, id }));
      await fake.afterListing();
      yield* snapshot;
    },
    ...(withLookup ? { getPendingCompletion: async (id: string) => pending.get(id) } : {}),
  };
  return fake;
}

function runnerOn(store: ReturnType<typeof fakeStore>, handler: () => Promise<void> = async () => undefined) {
  const runs: Array<{ id: string; params: Record<string, string> }> = [];
  const runner = new CompletionRunner(
    store as unknown as UploadStore,
    new MemoryLocker(),
    {
      uploadComplete: async (record, context) => {
        runs.push({ id: record.id, params: context.params });
        await handler();
      },
    },
    () => undefined,
    async () => {
      throw new Error('not read');
    },
    { background: false, retryDelay: 1000 },
  );
  return { runner, runs };
}

describe.each([
  ['a store with getPendingCompletion', true],
  ['a store that only lists', false],
])('CompletionRunner.resume on %s', (_label, withLookup) => {
  it('does not run again a completion that another run finished after the listing', async () => {
    const store = fakeStore(withLookup);
    store.pending.set(UPLOAD.id, { attempts: 0, notBefore: 0, params: {} });
    store.afterListing = async () => void store.pending.delete(UPLOAD.id); // the other run succeeded
    const { runner, runs } = runnerOn(store);
    expect(await runner.resume()).toBe(0);
    expect(runs).toEqual([]);
  });

  it('does not run a completion that a failed run put off after the listing', async () => {
    const store = fakeStore(withLookup);
    const now = Date.now();
    store.pending.set(UPLOAD.id, { attempts: 0, notBefore: 0, params: {} });
    store.afterListing = async () => void store.pending.set(UPLOAD.id, { attempts: 1, notBefore: now + 60_000, params: {}, lastError: 'boom' });
    const { runner, runs } = runnerOn(store);
    expect(await runner.resume(now)).toBe(0);
    expect(runs).toEqual([]);
    expect(store.pending.get(UPLOAD.id)).toMatchObject({ attempts: 1, notBefore: now + 60_000 });
  });

  it('runs a completion still pending, with the record as stored now, and backs off from its attempts', async () => {
    const store = fakeStore(withLookup);
    store.pending.set(UPLOAD.id, { attempts: 0, notBefore: 0, params: { user: 'old' } });
    store.afterListing = async () => void store.pending.set(UPLOAD.id, { attempts: 3, notBefore: 0, params: { user: 'a' } });
    const { runner, runs } = runnerOn(store, async () => {
      throw new Error('still failing');
    });
    const before = Date.now();
    expect(await runner.resume()).toBe(1);
    expect(runs).toEqual([{ id: UPLOAD.id, params: { user: 'a' } }]);
    const after = store.pending.get(UPLOAD.id)!;
    expect(after).toMatchObject({ attempts: 4, params: { user: 'a' }, lastError: 'UploadCompleteHandler: still failing' });
    expect(after.notBefore).toBeGreaterThanOrEqual(before + 8 * 1000); // retryDelay * 2^3
  });

  it('runs it once and clears it', async () => {
    const store = fakeStore(withLookup);
    store.pending.set(UPLOAD.id, { attempts: 0, notBefore: 0, params: {} });
    const { runner, runs } = runnerOn(store);
    expect(await runner.resume()).toBe(1);
    expect(await runner.resume()).toBe(0);
    expect(runs).toHaveLength(1);
    expect(store.pending.size).toBe(0);
  });
});
