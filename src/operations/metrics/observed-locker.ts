import { LockTimeoutError, type Lock, type Locker } from '../../locking/locker.js';

/** The locker as metrics see it: how long each request waited for its lock, and the waits that timed out (423). */
export function observedLocker(locker: Locker, metrics: { lockWaited(seconds: number): void; lockTimedOut(): void }): Locker {
  return {
    async acquire(id: string, onReleaseRequested: () => void, timeoutMs: number, onFlushRequested?: () => Promise<void>): Promise<Lock> {
      const began = performance.now();
      try {
        const lock = await locker.acquire(id, onReleaseRequested, timeoutMs, onFlushRequested);
        metrics.lockWaited((performance.now() - began) / 1000);
        return lock;
      } catch (error) {
        if (error instanceof LockTimeoutError) metrics.lockTimedOut();
        throw error;
      }
    },
    tryAcquire: (id: string) => locker.tryAcquire(id),
    // The optional capabilities stay optional: a wrapper must not hide them nor invent them.
    ...(locker.flush && { flush: (id: string, timeoutMs: number) => locker.flush!(id, timeoutMs) }),
    ...(locker.checkHealth && { checkHealth: () => locker.checkHealth!() }),
  };
}
