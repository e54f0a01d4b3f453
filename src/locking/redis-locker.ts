import { randomBytes } from 'node:crypto';
import { LockTimeoutError, type Lock, type Locker } from './locker.js';
import { ACQUIRE, EXISTS, FLUSH, RELEASE, RENEW } from './redis-lock-scripts.js';
import type { RedisLockerClient, RedisLockerSubscriber } from './redis-locker-client.js';
import { addTo, napper, removeFrom, type Waiter } from './waiters.js';

export type { RedisLockerClient, RedisLockerSubscriber } from './redis-locker-client.js';

export interface RedisLockerOptions {
  /** Your connection (e.g. `new Redis(url)` from ioredis). The locker never closes it. */
  client: RedisLockerClient;
  /** Prefix of the lock keys (`<prefix><id>`) and channels (`<prefix>release:<id>`). Default `'tus:lock:'`. */
  keyPrefix?: string;
  /**
   * Milliseconds a lock outlives its holder: it is renewed every `ttl / 3` while held, so only a crashed
   * (or cut-off) holder lets it run out, and a request waiting for it gets it within `ttl`. A holder keeps
   * its lock through pauses (GC, a blocked event loop, Redis latency) of up to `ttl - ttl / 3`; longer ones
   * count as a lost lock (its request is interrupted, keeping its bytes). Default 5 000: a crashed
   * instance's uploads move within ~5 s, inside tus-js-client's and Uppy's default retries (0, 1, 3, 5 s),
   * through pauses of up to ~3.3 s. At least 100.
   */
  ttl?: number;
  /**
   * Problems that do not fail a request (a lost lock, an unconfirmed release, a subscriber error).
   * Default: the logger TusModule gives the locker ({@link RedisLocker.useLogger}), else `console.warn`.
   */
  onError?: (error: Error) => void;
}

const POLL_MIN = 50;
const POLL_MAX = 200;
const MIN_TTL = 100;

interface Held {
  id: string;
  value: string;
  ticket: number;
  onReleaseRequested: () => void;
  onFlushRequested?: () => Promise<void>;
  asked: boolean;
  /** No longer renewed: released by its owner, or lost. */
  ended: boolean;
  released: boolean;
  renewing: boolean;
  /** When the last renewal that Redis confirmed was sent: the key lives at least until this + ttl. */
  confirmedAt: number;
  renewTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
}

interface FlushWaiter extends Waiter {
  nonce: string;
  /** The holder confirmed this flush. */
  confirmed: boolean;
}

/**
 * A {@link Locker} in Redis, for several instances behind a load balancer (with a store they share).
 *
 * - A lock is `SET <prefix><id> <token> NX PX ttl`, renewed every `ttl / 3` (compare-and-`PEXPIRE`) while
 *   held and released by a compare-and-`DEL` that also publishes on `<prefix>released:<id>`, which wakes
 *   the waiters at once (they also poll every 50–200 ms, in case a message is missed or a holder crashed).
 * - A request that finds the lock held publishes on `<prefix>release:<id>`; whichever instance holds that
 *   id calls its holder's `onReleaseRequested` (once), and the request proceeds when the holder has let go.
 *   Only a newer request can ask: an older one waits.
 * - A crashed holder stops renewing, so its lock expires after at most `ttl` (default 5 s: see the option).
 * - {@link flush} (offset retrieval on a store that buffers) reaches the holder the same way, on
 *   `<prefix>flush:<id>`, and is answered on `<prefix>flushed:<id>` once the holder's flush has run.
 * - A holder that loses its lock (the renewal finds another token, or Redis has not confirmed a renewal for
 *   `ttl`) gets its `onReleaseRequested` call too, so it stops writing: someone else may hold the lock now.
 *
 * Standalone Redis or Sentinel (the scripts use two keys: the lock and a ticket counter), not Redis Cluster.
 * Call {@link close} (or let Nest call `onModuleDestroy`, when the locker is a provider) to drop the
 * subscriber connection it made; the client you passed stays yours to close.
 */
export class RedisLocker implements Locker {
  private readonly client: RedisLockerClient;
  private readonly prefix: string;
  private readonly ttl: number;
  private report: (error: Error) => void;
  private readonly reportsToCaller: boolean;
  private readonly ticketKey: string;
  private readonly requestPattern: string;
  private readonly releasedPattern: string;
  private readonly holders = new Map<string, Set<Held>>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly flushWaiters = new Map<string, Set<FlushWaiter>>();
  private readonly flushPattern: string;
  private readonly flushedPattern: string;
  private subscriber: RedisLockerSubscriber | undefined;
  private subscribed: Promise<void> | undefined;
  private subscriberHealthy = true;
  private closed = false;

  constructor(options: RedisLockerOptions) {
    const { client, keyPrefix = 'tus:lock:', ttl = 5_000, onError } = options ?? ({} as RedisLockerOptions);
    const missing = ['eval', 'publish', 'duplicate'].filter((m) => typeof (client as unknown as Record<string, unknown>)?.[m] !== 'function');
    if (missing.length > 0) throw new TypeError(`RedisLocker: "client" must be a Redis client such as ioredis (missing ${missing.join(', ')})`);
    if (typeof keyPrefix !== 'string') throw new TypeError('RedisLocker: "keyPrefix" must be a string');
    if (!Number.isSafeInteger(ttl) || ttl < MIN_TTL) throw new TypeError(`RedisLocker: "ttl" must be an integer of at least ${MIN_TTL} ms (got ${String(ttl)})`);
    this.client = client;
    this.prefix = keyPrefix;
    this.ttl = ttl;
    this.report = onError ?? ((error) => console.warn(error.message));
    this.reportsToCaller = onError !== undefined;
    // `#` never occurs in an upload id, so the counter cannot be mistaken for a lock.
    this.ticketKey = `${keyPrefix}#ticket`;
    this.requestPattern = `${escapeGlob(keyPrefix)}release:*`;
    this.releasedPattern = `${escapeGlob(keyPrefix)}released:*`;
    this.flushPattern = `${escapeGlob(keyPrefix)}flush:*`;
    this.flushedPattern = `${escapeGlob(keyPrefix)}flushed:*`;
  }

  async acquire(id: string, onReleaseRequested: () => void, timeoutMs: number, onFlushRequested?: () => Promise<void>): Promise<Lock> {
    if (this.closed) throw closedError();
    const deadline = Date.now() + timeoutMs;
    await this.subscribe();
    let sentAt = Date.now();
    let attempt = await this.attempt(id, '');
    if (attempt.ok) return this.hold(id, attempt.value, onReleaseRequested, sentAt, onFlushRequested);
    const { value } = attempt;
    const ticket = ticketOf(value);

    const waiter = napper();
    addTo(this.waiters, id, waiter);
    try {
      for (let delay = POLL_MIN; ; delay = Math.min(delay * 1.5, POLL_MAX)) {
        // Asked again on every round: the holder may have changed, or missed the message while it was
        // being granted or while its subscriber reconnected. It reacts once. A newer holder is left alone.
        if (attempt.holder !== null && !(ticketOf(attempt.holder) > ticket)) {
          await this.client.publish(`${this.prefix}release:${id}`, String(ticket));
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new LockTimeoutError(id, timeoutMs);
        await waiter.nap(Math.min(delay, remaining));
        if (this.closed) throw closedError();
        sentAt = Date.now();
        attempt = await this.attempt(id, value);
        if (attempt.ok) return this.hold(id, value, onReleaseRequested, sentAt, onFlushRequested);
      }
    } finally {
      removeFrom(this.waiters, id, waiter);
    }
  }

  async tryAcquire(id: string): Promise<Lock | undefined> {
    if (this.closed) return undefined;
    const sentAt = Date.now();
    const attempt = await this.attempt(id, '');
    return attempt.ok ? this.hold(id, attempt.value, () => undefined, sentAt) : undefined;
  }

  /**
   * Publishes on `<prefix>flush:<id>` (only while the key exists); the instance holding the lock runs its
   * holder's flush and answers on `<prefix>flushed:<id>`. Meanwhile the key is polled, so a release or a
   * crashed holder's expiry ends the wait too.
   */
  async flush(id: string, timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    const deadline = Date.now() + timeoutMs;
    await this.subscribe();
    const waiter: FlushWaiter & { nap(ms: number): Promise<void> } = Object.assign(napper(), { nonce: randomBytes(9).toString('base64url'), confirmed: false });
    addTo(this.flushWaiters, id, waiter);
    try {
      const key = this.prefix + id;
      if (Number(await this.client.eval(FLUSH, 1, key, `${this.prefix}flush:${id}`, waiter.nonce)) === 0) return true;
      for (let delay = POLL_MIN; ; delay = Math.min(delay * 1.5, POLL_MAX)) {
        const remaining = deadline - Date.now();
        if (remaining <= 0 || this.closed) return false;
        await waiter.nap(Math.min(delay, remaining));
        if (waiter.confirmed || Number(await this.client.eval(EXISTS, 1, key)) === 0) return true;
      }
    } finally {
      removeFrom(this.flushWaiters, id, waiter);
    }
  }

  /**
   * Stops this locker: waiting requests fail, holders are asked to let go (their locks stay renewed until
   * they release them), and the subscriber connection is closed. The client passed in is left open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const set of this.waiters.values()) for (const waiter of set) waiter.wake();
    for (const set of this.flushWaiters.values()) for (const waiter of set) waiter.wake();
    for (const set of this.holders.values()) for (const held of set) this.ask(held);
    // Not awaiting a subscription still in progress: disconnecting fails it, even while Redis is away.
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  /** Where problems go when no `onError` was given: TusModule passes its framework's logger here. */
  useLogger(logger: { warn(message: string): void }): void {
    if (!this.reportsToCaller) this.report = (error) => logger.warn(error.message);
  }

  /** Redis answers a PING (through `eval`, the command the locks use). */
  async checkHealth(): Promise<void> {
    await this.client.eval("return redis.call('PING')", 0);
  }

  /** Nest calls this on shutdown when the locker is registered as a provider. */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private async attempt(id: string, value: string): Promise<{ ok: true; value: string } | { ok: false; value: string; holder: string | null }> {
    const random = value === '' ? randomBytes(9).toString('base64url') : '';
    const reply = (await this.client.eval(ACQUIRE, 2, this.prefix + id, this.ticketKey, value, this.ttl, random)) as [
      string,
      number,
      string | null | undefined,
    ];
    const [taken, ok, holder] = reply;
    return ok === 1 ? { ok: true, value: String(taken) } : { ok: false, value: String(taken), holder: holder ?? null };
  }

  private hold(id: string, value: string, onReleaseRequested: () => void, sentAt: number, onFlushRequested?: () => Promise<void>): Lock {
    const held: Held = {
      id,
      value,
      ticket: ticketOf(value),
      onReleaseRequested,
      onFlushRequested,
      asked: false,
      ended: false,
      released: false,
      renewing: false,
      confirmedAt: sentAt,
    };
    addTo(this.holders, id, held);
    held.renewTimer = setInterval(() => this.renew(held), Math.max(1, Math.floor(this.ttl / 3)));
    held.renewTimer.unref();
    this.watchExpiry(held);
    if (this.closed) this.ask(held);
    return { release: () => this.release(held) };
  }

  private renew(held: Held): void {
    if (held.ended || held.renewing) return;
    held.renewing = true;
    const sentAt = Date.now();
    this.client
      .eval(RENEW, 1, this.prefix + held.id, held.value, this.ttl)
      .then(
        (renewed) => {
          if (held.ended) return;
          if (Number(renewed) === 1) {
            held.confirmedAt = sentAt;
            this.watchExpiry(held);
          } else {
            this.lose(held, 'another request holds it now');
          }
        },
        (error: unknown) => {
          if (!held.ended) this.report(new Error(`RedisLocker: renewing the lock on ${held.id} failed (${messageOf(error)}); retrying`, { cause: error }));
        },
      )
      .finally(() => (held.renewing = false));
  }

  /** Declares the lock lost once Redis may have let it expire: no renewal confirmed for `ttl`. */
  private watchExpiry(held: Held): void {
    clearTimeout(held.expiryTimer);
    held.expiryTimer = setTimeout(
      () => this.lose(held, `Redis has not confirmed a renewal for ${this.ttl} ms`),
      Math.max(0, held.confirmedAt + this.ttl - Date.now()),
    );
    held.expiryTimer.unref();
  }

  private lose(held: Held, reason: string): void {
    if (held.ended) return;
    this.end(held);
    this.report(new Error(`RedisLocker: lost the lock on ${held.id}: ${reason}; its holder is asked to stop`));
    this.ask(held);
  }

  private end(held: Held): void {
    held.ended = true;
    clearInterval(held.renewTimer);
    clearTimeout(held.expiryTimer);
    removeFrom(this.holders, held.id, held);
  }

  private async release(held: Held): Promise<void> {
    if (held.released) return;
    held.released = true;
    this.end(held);
    // Never throws (a request's outcome must not turn into an unlock error) and never waits longer than
    // a renewal period: an unconfirmed release is only a lock that expires within `ttl`.
    const released = this.client.eval(RELEASE, 1, this.prefix + held.id, held.value, `${this.prefix}released:${held.id}`);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(1, Math.floor(this.ttl / 3)))));
    try {
      const outcome = await Promise.race([released, gaveUp]);
      if (outcome === 'late') this.report(new Error(`RedisLocker: Redis did not confirm the release of ${held.id}; the lock expires within ${this.ttl} ms`));
    } catch (error) {
      this.report(new Error(`RedisLocker: releasing the lock on ${held.id} failed (${messageOf(error)}); it expires within ${this.ttl} ms`, { cause: error }));
    } finally {
      clearTimeout(timer);
    }
    for (const waiter of this.waiters.get(held.id) ?? []) waiter.wake();
    for (const waiter of this.flushWaiters.get(held.id) ?? []) waiter.wake();
  }

  private ask(held: Held): void {
    if (held.asked) return;
    held.asked = true;
    try {
      held.onReleaseRequested();
    } catch (error) {
      this.report(new Error(`RedisLocker: onReleaseRequested for ${held.id} threw (${messageOf(error)})`, { cause: error }));
    }
  }

  private subscribe(): Promise<void> {
    this.subscribed ??= (async () => {
      const subscriber = this.client.duplicate();
      this.subscriber = subscriber;
      subscriber.on('pmessage', (pattern: string, channel: string, message: string) => this.onMessage(pattern, channel, message));
      subscriber.on('ready', () => (this.subscriberHealthy = true));
      subscriber.on('error', (error: unknown) => {
        // ioredis repeats the error on every reconnection attempt: one report per outage.
        if (!this.subscriberHealthy) return;
        this.subscriberHealthy = false;
        this.report(new Error(`RedisLocker: subscriber connection failed (${messageOf(error)}); waiters fall back to polling`, { cause: error }));
      });
      await subscriber.psubscribe(this.requestPattern, this.releasedPattern, this.flushPattern, this.flushedPattern);
    })().catch((error: unknown) => {
      this.subscribed = undefined;
      this.subscriber?.disconnect();
      this.subscriber = undefined;
      throw error;
    });
    return this.subscribed;
  }

  private onMessage(pattern: string, channel: string, message: string): void {
    if (pattern === this.requestPattern) {
      const id = channel.slice(this.prefix.length + 'release:'.length);
      const from = Number(message);
      for (const held of this.holders.get(id) ?? []) {
        if (!(from <= held.ticket)) this.ask(held);
      }
    } else if (pattern === this.releasedPattern) {
      const id = channel.slice(this.prefix.length + 'released:'.length);
      for (const waiter of this.waiters.get(id) ?? []) waiter.wake();
      for (const waiter of this.flushWaiters.get(id) ?? []) waiter.wake();
    } else if (pattern === this.flushPattern) {
      this.onFlushRequest(channel.slice(this.prefix.length + 'flush:'.length), message);
    } else if (pattern === this.flushedPattern) {
      const id = channel.slice(this.prefix.length + 'flushed:'.length);
      for (const waiter of this.flushWaiters.get(id) ?? []) {
        if (waiter.nonce !== message) continue;
        waiter.confirmed = true;
        waiter.wake();
      }
    }
  }

  /** A flush of an id held here: every holder's flush runs, then the answer goes to whoever asked. */
  private onFlushRequest(id: string, nonce: string): void {
    const held = [...(this.holders.get(id) ?? [])];
    if (held.length === 0) return;
    void Promise.all(held.map((h) => h.onFlushRequested?.()))
      .then(
        () => this.client.publish(`${this.prefix}flushed:${id}`, nonce),
        // Unconfirmed, the asking side waits out its timeout and reads what is stored.
        (error: unknown) => this.report(new Error(`RedisLocker: the flush of ${id} failed (${messageOf(error)})`, { cause: error })),
      )
      .catch((error: unknown) => this.report(new Error(`RedisLocker: answering the flush of ${id} failed (${messageOf(error)})`, { cause: error })));
  }
}

/** The ticket of a lock value; NaN for a value this locker did not write (such a holder is asked). */
function ticketOf(value: string): number {
  const match = /^(\d+):/.exec(value);
  return match ? Number(match[1]) : Number.NaN;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function closedError(): Error {
  return new Error('RedisLocker is closed');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
