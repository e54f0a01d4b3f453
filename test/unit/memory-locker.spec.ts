import { describe, expect, it } from 'vitest';
import { LockTimeoutError } from '../../src/locking/locker.js';
import { MemoryLocker } from '../../src/locking/memory-locker.js';

describe('MemoryLocker', () => {
  it('grants a free lock at once and frees the slot on release', async () => {
    const locker = new MemoryLocker();
    const lock = await locker.acquire('a', () => undefined, 1000);
    expect(locker.size).toBe(1);
    await lock.release();
    expect(locker.size).toBe(0);
  });

  it('flush runs the holder\'s flush and waits for it, without asking it to let go; a free id needs none', async () => {
    const locker = new MemoryLocker();
    expect(await locker.flush('a', 1000)).toBe(true);
    const events: string[] = [];
    let finish!: () => void;
    const lock = await locker.acquire('a', () => events.push('asked'), 1000, async () => {
      events.push('flush');
      await new Promise<void>((resolve) => (finish = resolve));
    });
    const flushed = locker.flush('a', 60_000).then((ok) => events.push(`answered ${ok}`));
    await Promise.resolve();
    expect(events).toEqual(['flush']);
    finish();
    await flushed;
    expect(events).toEqual(['flush', 'answered true']);
    await lock.release();
  });

  it('asks the holder to let go, then hands the lock to the newcomer', async () => {
    const locker = new MemoryLocker();
    const events: string[] = [];
    const first = await locker.acquire('a', () => events.push('first asked'), 1000);
    const second = locker.acquire('a', () => events.push('second asked'), 1000).then((lock) => {
      events.push('second granted');
      return lock;
    });
    await Promise.resolve();
    expect(events).toEqual(['first asked']);
    await first.release();
    await (await second).release();
    expect(events).toEqual(['first asked', 'second granted']);
    expect(locker.size).toBe(0);
  });

  it('newest wins: a waiter granted while someone newer waits is asked to let go right away', async () => {
    const locker = new MemoryLocker();
    const asked: string[] = [];
    const first = await locker.acquire('a', () => asked.push('first'), 1000);
    const second = locker.acquire('a', () => asked.push('second'), 1000);
    const third = locker.acquire('a', () => asked.push('third'), 1000);
    await first.release();
    await (await second).release();
    await (await third).release();
    expect(asked).toEqual(['first', 'second']);
  });

  it('times out with LockTimeoutError when the holder never lets go, and leaves the holder intact', async () => {
    const locker = new MemoryLocker();
    const holder = await locker.acquire('a', () => undefined, 1000);
    await expect(locker.acquire('a', () => undefined, 20)).rejects.toBeInstanceOf(LockTimeoutError);
    await holder.release();
    expect(locker.size).toBe(0);
  });

  it('tryAcquire never disturbs a holder', async () => {
    const locker = new MemoryLocker();
    let asked = false;
    const holder = await locker.acquire('a', () => (asked = true), 1000);
    expect(await locker.tryAcquire('a')).toBeUndefined();
    expect(asked).toBe(false);
    await holder.release();
    const lock = await locker.tryAcquire('a');
    expect(lock).toBeDefined();
    await lock!.release();
  });

  it('keeps ids apart', async () => {
    const locker = new MemoryLocker();
    const a = await locker.acquire('a', () => undefined, 1000);
    const b = await locker.acquire('b', () => undefined, 1000);
    expect(locker.size).toBe(2);
    await a.release();
    await b.release();
  });
});
