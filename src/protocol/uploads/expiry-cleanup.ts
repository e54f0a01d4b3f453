import type { Locker } from '../../locking/locker.js';
import type { UploadStore } from '../../storage/upload-store.js';
import type { ExpiryPolicy } from './expiry-policy.js';

/**
 * One cleanup run: removes expired uploads (leaving tombstones) and forgets tombstones older than
 * `tombstoneRetention`. An upload being written right now is skipped (its lock is busy): it was
 * active, so it is not expired anyway, and a background job must never interrupt a client.
 */
export async function removeExpired(
  store: UploadStore,
  locker: Locker,
  expiry: ExpiryPolicy,
  tombstoneRetention: number,
  now: number,
  onExpired: (id: string) => void,
): Promise<number> {
  let removed = 0;
  for await (const entry of store.list()) {
    if (entry.state === 'gone') {
      if (entry.at + tombstoneRetention <= now) await store.forget(entry.id);
      continue;
    }
    if (!expiry.isExpired(entry.upload, now)) continue;
    const id = entry.upload.id;
    const lock = await locker.tryAcquire(id);
    if (!lock) continue;
    try {
      const current = await store.lookup(id);
      if (current.state === 'active' && expiry.isExpired(current.upload, now)) {
        await store.remove(id, 'expired');
        onExpired(id);
        removed++;
      }
    } finally {
      await lock.release();
    }
  }
  return removed;
}
