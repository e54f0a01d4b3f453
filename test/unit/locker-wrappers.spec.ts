// The lockers the endpoint wraps around the user's (shutdown draining, metrics) must keep its optional
// capabilities: a wrapper that drops `flush` leaves a buffering store's HEAD stale, one that drops the
// holder's flush callback leaves nothing to run when a HEAD asks.
import { describe, expect, it } from 'vitest';
import { DrainingLocker } from '../../src/locking/draining-locker.js';
import type { Lock, Locker } from '../../src/locking/locker.js';
import { MemoryLocker } from '../../src/locking/memory-locker.js';
import { observedLocker } from '../../src/operations/metrics/observed-locker.js';

const metrics = { lockWaited: () => undefined, lockTimedOut: () => undefined };
const wrappers: Array<[string, (inner: Locker) => Locker]> = [
  ['DrainingLocker', (inner) => new DrainingLocker(inner)],
  ['observedLocker', (inner) => observedLocker(inner, metrics)],
  ['both', (inner) => observedLocker(new DrainingLocker(inner), metrics)],
];

/** A locker with only the two mandatory methods. */
const bare = (): Locker => {
  const memory = new MemoryLocker();
  return { acquire: (id, onRelease, timeout) => memory.acquire(id, onRelease, timeout), tryAcquire: (id) => memory.tryAcquire(id) };
};

describe.each(wrappers)('%s', (_name, wrap) => {
  it("runs the holder's flush callback when the upload is flushed, and reports it done", async () => {
    const locker = wrap(new MemoryLocker());
    let flushed = 0;
    const lock: Lock = await locker.acquire('u1', () => undefined, 1000, async () => {
      flushed++;
    });
    expect(await locker.flush!('u1', 1000)).toBe(true);
    expect(flushed).toBe(1);
    await lock.release();
    expect(await locker.flush!('u1', 1000)).toBe(true);
    expect(flushed).toBe(1);
  });

  it('has no flush nor health probe when the inner locker has none', () => {
    const locker = wrap(bare());
    expect(locker.flush).toBeUndefined();
    expect(locker.checkHealth).toBeUndefined();
  });

  it("passes the inner locker's health probe through", async () => {
    const inner = new MemoryLocker();
    let probed = 0;
    Object.assign(inner, {
      checkHealth: async () => {
        probed++;
      },
    });
    await wrap(inner).checkHealth!();
    expect(probed).toBe(1);
  });
});
