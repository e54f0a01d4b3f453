/**
 * Per-upload mutual exclusion with "newest wins" semantics, as tusd does:
 * a request that wants a held lock asks the holder to let go, and waits until it has.
 * The holder stops reading its body, keeps what it wrote, and releases.
 *
 * The interface is small on purpose so a lock held in Redis (several instances) fits behind it:
 * `onReleaseRequested` is how a newer request, possibly on another machine, reaches the holder.
 */
export interface Locker {
  /**
   * Resolves once the caller holds the lock for `id`. `onReleaseRequested` is called (at most once)
   * when a newer request wants the same lock. Rejects with {@link LockTimeoutError} when the holder
   * has not let go within `timeoutMs`. `onFlushRequested`, when given, runs on each {@link flush} of
   * `id` while the lock is held; the flush waits for it.
   */
  acquire(id: string, onReleaseRequested: () => void, timeoutMs: number, onFlushRequested?: () => Promise<void>): Promise<Lock>;
  /** Takes the lock only if nobody holds it, without disturbing a holder (background jobs). */
  tryAcquire(id: string): Promise<Lock | undefined>;
  /**
   * Asks whoever holds the lock for `id`, on whichever instance, to run its `onFlushRequested` (offset
   * retrieval: make what a running append buffered count), and resolves once it has, once nobody holds
   * the lock, or after `timeoutMs`, whichever comes first; `false` only in the last case. Never takes
   * the lock nor interrupts the holder. A locker without it leaves buffering stores' HEADs stale.
   */
  flush?(id: string, timeoutMs: number): Promise<boolean>;
  /** Health probe (`TusService.checkHealth()`): rejects when locks cannot be taken (e.g. Redis is away). */
  checkHealth?(): Promise<void>;
}

/** The methods every locker must have, for the start-up check of a locker passed in the options. */
export const LOCKER_METHODS = ['acquire', 'tryAcquire'] as const;

export interface Lock {
  release(): Promise<void>;
}

export class LockTimeoutError extends Error {
  constructor(readonly id: string, timeoutMs: number) {
    super(`upload ${id} is busy: an earlier request did not let go within ${timeoutMs} ms`);
    this.name = 'LockTimeoutError';
  }
}
