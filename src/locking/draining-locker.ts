import type { Lock, Locker } from './locker.js';

interface Holding {
  lock?: Lock;
  onReleaseRequested: () => void;
  asked: boolean;
  released?: Promise<void>;
}

/**
 * The endpoint's locker as a shutdown sees it: every lock this process holds or waits for, so that
 * `drain()` can ask each holder to let go exactly as a newer request would (a PATCH keeps its bytes and
 * answers with its offset), `idle()` can wait until the last one is released, and `releaseAll()` can
 * give back what is still held when the grace period is over (another instance need not wait for a TTL).
 */
export class DrainingLocker implements Locker {
  private readonly holdings = new Set<Holding>();
  private waiters: Array<() => void> = [];
  private draining = false;

  /** Offset retrieval and the health probe pass through untouched (absent when the inner locker lacks them). */
  readonly flush?: (id: string, timeoutMs: number) => Promise<boolean>;
  readonly checkHealth?: () => Promise<void>;

  constructor(readonly inner: Locker) {
    if (inner.flush) this.flush = (id, timeoutMs) => inner.flush!(id, timeoutMs);
    if (inner.checkHealth) this.checkHealth = () => inner.checkHealth!();
  }

  /** Locks held or being waited for by this process. */
  get busy(): number {
    return this.holdings.size;
  }

  async acquire(id: string, onReleaseRequested: () => void, timeoutMs: number, onFlushRequested?: () => Promise<void>): Promise<Lock> {
    const holding: Holding = { onReleaseRequested, asked: false };
    this.holdings.add(holding);
    try {
      holding.lock = await this.inner.acquire(id, () => this.ask(holding), timeoutMs, onFlushRequested);
    } catch (error) {
      this.forget(holding);
      throw error;
    }
    // Granted after the shutdown began: it is asked at once, so it stores nothing new.
    if (this.draining) this.ask(holding);
    return { release: () => this.release(holding) };
  }

  async tryAcquire(id: string): Promise<Lock | undefined> {
    const holding: Holding = { onReleaseRequested: () => undefined, asked: false };
    this.holdings.add(holding);
    try {
      holding.lock = await this.inner.tryAcquire(id);
    } catch (error) {
      this.forget(holding);
      throw error;
    }
    if (!holding.lock) {
      this.forget(holding);
      return undefined;
    }
    return { release: () => this.release(holding) };
  }

  /** Asks every holder (now and later) to let go, as a newer request for its upload would. */
  drain(): void {
    this.draining = true;
    for (const holding of this.holdings) this.ask(holding);
  }

  /** Resolves once this process holds and waits for no lock. */
  idle(): Promise<void> {
    if (this.holdings.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases every lock still held (the grace period is over); waiting acquisitions are left to fail. */
  async releaseAll(): Promise<number> {
    const held = [...this.holdings].filter((h) => h.lock && !h.released);
    await Promise.all(held.map((h) => this.release(h)));
    return held.length;
  }

  private ask(holding: Holding): void {
    if (holding.asked) return;
    holding.asked = true;
    holding.onReleaseRequested();
  }

  private release(holding: Holding): Promise<void> {
    holding.released ??= (async () => {
      try {
        await holding.lock!.release();
      } finally {
        this.forget(holding);
      }
    })();
    return holding.released;
  }

  private forget(holding: Holding): void {
    this.holdings.delete(holding);
    if (this.holdings.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
