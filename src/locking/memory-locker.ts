import { LockTimeoutError, type Lock, type Locker } from './locker.js';

interface Claim {
  onReleaseRequested: () => void;
  onFlushRequested?: () => Promise<void>;
  asked: boolean;
  grant?: () => void;
}

interface Slot {
  holder: Claim;
  waiting: Claim[];
}

/** The in-process {@link Locker}: one slot per busy upload id, FIFO waiters, newest wins. */
export class MemoryLocker implements Locker {
  private readonly slots = new Map<string, Slot>();

  acquire(id: string, onReleaseRequested: () => void, timeoutMs: number, onFlushRequested?: () => Promise<void>): Promise<Lock> {
    const claim: Claim = { onReleaseRequested, onFlushRequested, asked: false };
    const slot = this.slots.get(id);
    if (!slot) {
      this.slots.set(id, { holder: claim, waiting: [] });
      return Promise.resolve(this.lockFor(id, claim));
    }
    ask(slot.holder);
    return new Promise<Lock>((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.waiting.splice(slot.waiting.indexOf(claim), 1);
        reject(new LockTimeoutError(id, timeoutMs));
      }, timeoutMs);
      claim.grant = () => {
        clearTimeout(timer);
        resolve(this.lockFor(id, claim));
      };
      slot.waiting.push(claim);
    });
  }

  tryAcquire(id: string): Promise<Lock | undefined> {
    if (this.slots.has(id)) return Promise.resolve(undefined);
    const claim: Claim = { onReleaseRequested: () => undefined, asked: false };
    this.slots.set(id, { holder: claim, waiting: [] });
    return Promise.resolve(this.lockFor(id, claim));
  }

  async flush(id: string, timeoutMs: number): Promise<boolean> {
    const flushing = this.slots.get(id)?.holder.onFlushRequested?.();
    if (!flushing) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      // A failed flush leaves the stored state as it was: the caller reads that, as after a timeout.
      return await Promise.race([flushing.then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ids currently locked (for tests and diagnostics). */
  get size(): number {
    return this.slots.size;
  }

  private lockFor(id: string, claim: Claim): Lock {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        const slot = this.slots.get(id);
        if (!slot || slot.holder !== claim) return;
        const next = slot.waiting.shift();
        if (!next) {
          this.slots.delete(id);
          return;
        }
        slot.holder = next;
        // Someone queued behind the new holder is newer still: it must not run for long.
        if (slot.waiting.length > 0) ask(next);
        next.grant?.();
      },
    };
  }
}

function ask(claim: Claim): void {
  if (claim.asked) return;
  claim.asked = true;
  claim.onReleaseRequested();
}
