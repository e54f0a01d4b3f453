// RedisLocker on a real redis-server: the MemoryLocker semantics (newest wins) across instances,
// timeouts, tryAcquire, renewal, a crashed holder, Redis going away, and close().
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LockTimeoutError, type Lock } from '../../src/locking/locker.js';
import { RedisLocker, type RedisLockerClient, type RedisLockerOptions, type RedisLockerSubscriber } from '../../src/locking/redis-locker.js';
import { redisServerAvailable, startRedisServer, useRedisServer, type RedisServer } from '../support/redis-server.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when `fn` is called; `called` tells whether it was. */
function signal() {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  const s = {
    called: false,
    fired,
    fn: () => {
      s.called = true;
      fire();
    },
  };
  return s;
}

describe.runIf(redisServerAvailable())('RedisLocker (real Redis)', () => {
  const redis = useRedisServer();
  const cleanups: Array<() => unknown> = [];
  let prefixCount = 0;

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  /** A connection of its own, quit after the test; errors while a test cuts it off are expected. */
  function connect(server: RedisServer = redis.server, extra: Record<string, unknown> = {}): Redis {
    const client = new Redis({ host: server.host, port: server.port, ...extra });
    client.on('error', () => undefined);
    cleanups.push(() => client.disconnect());
    return client;
  }

  /** One "server": a locker with its own connection. Each test gets its own key prefix. */
  function instance(prefix: string, options: Partial<RedisLockerOptions> = {}) {
    const client = options.client ?? connect();
    const errors: Error[] = [];
    const locker = new RedisLocker({ client, keyPrefix: prefix, onError: (e) => errors.push(e), ...options });
    cleanups.push(() => locker.close());
    return { locker, client, errors };
  }

  function freshPrefix(): string {
    return `test:${process.pid}:${++prefixCount}:`;
  }

  it('accepts an ioredis client as it is (the structural type fits)', () => {
    const client: RedisLockerClient = connect();
    expect(typeof client.duplicate).toBe('function');
  });

  it('acquire sets the key with the ttl; release deletes it', async () => {
    const prefix = freshPrefix();
    const { locker, errors } = instance(prefix, { ttl: 5_000 });
    const admin = connect();
    const lock = await locker.acquire('up1', () => undefined, 1_000);
    const value = await admin.get(`${prefix}up1`);
    expect(value).toMatch(/^\d+:[A-Za-z0-9_-]+$/);
    const pttl = await admin.pttl(`${prefix}up1`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    await lock.release();
    expect(await admin.exists(`${prefix}up1`)).toBe(0);
    await lock.release(); // idempotent
    const again = await locker.acquire('up1', () => undefined, 1_000);
    await again.release();
    expect(errors).toEqual([]);
  });

  it('a second acquire asks the holder to let go, and gets the lock once it has', async () => {
    const prefix = freshPrefix();
    const { locker } = instance(prefix);
    const events: string[] = [];
    const askedFirst = signal();
    const first = await locker.acquire('a', () => {
      events.push('first asked');
      askedFirst.fn();
    }, 5_000);
    const second = locker.acquire('a', () => events.push('second asked'), 5_000).then((lock) => {
      events.push('second granted');
      return lock;
    });
    await askedFirst.fired;
    await sleep(150); // the second keeps waiting while the first has not let go
    expect(events).toEqual(['first asked']);
    events.push('first released');
    await first.release();
    await (await second).release();
    expect(events).toEqual(['first asked', 'first released', 'second granted']);
  });

  it('newest wins with three claims on three instances: the newest is never asked by an older one', async () => {
    const prefix = freshPrefix();
    const lockers = [instance(prefix).locker, instance(prefix).locker, instance(prefix).locker];
    const log: string[] = [];
    let holding = 0;
    let overlap = false;

    /** Like a request: holds until `letGo` says so, then releases. */
    async function claim(name: string, locker: RedisLocker, letGo: (asked: Promise<void>) => Promise<unknown>): Promise<void> {
      const asked = signal();
      const lock = await locker.acquire('x', () => {
        log.push(`${name} asked`);
        asked.fn();
      }, 10_000);
      if (++holding > 1) overlap = true;
      log.push(`${name} granted`);
      await letGo(asked.fired);
      holding--;
      await lock.release();
    }
    const untilAskedOr300ms = (asked: Promise<void>) => Promise.race([asked, sleep(300)]);

    let firstGo!: () => void;
    const firstMayGo = new Promise<void>((resolve) => (firstGo = resolve));
    const first = claim('first', lockers[0], () => firstMayGo);
    await vi.waitFor(() => expect(log).toContain('first granted'));
    const second = claim('second', lockers[1], untilAskedOr300ms);
    await vi.waitFor(() => expect(log).toContain('first asked'));
    await sleep(50);
    const third = claim('third', lockers[2], untilAskedOr300ms);
    await sleep(250); // both wait now
    expect(log).toEqual(['first granted', 'first asked']);
    firstGo();
    await Promise.all([first, second, third]);

    expect(overlap).toBe(false);
    expect(log.filter((e) => e.endsWith('granted')).sort()).toEqual(['first granted', 'second granted', 'third granted']);
    expect(log).not.toContain('third asked');
    // Whoever of the two waiters got the lock first: if it was the older one, the newer one asked it at once.
    if (log.indexOf('second granted') < log.indexOf('third granted')) expect(log).toContain('second asked');
    else expect(log).not.toContain('second asked');
  });

  it('a waiter granted while a newer one waits is asked to let go at once (as MemoryLocker)', async () => {
    const prefix = freshPrefix();
    const a = instance(prefix).locker;
    const b = instance(prefix).locker;
    // The newest claim's instance answers slowly, so the older waiter wins the race for the freed lock.
    const slow = connect();
    const delayed: RedisLockerClient = {
      eval: async (...args) => {
        await sleep(150);
        return slow.eval(...args);
      },
      publish: (channel, message) => slow.publish(channel, message),
      duplicate: () => slow.duplicate(),
    };
    const c = instance(prefix, { client: delayed }).locker;
    const log: string[] = [];
    const hold = (name: string, locker: RedisLocker, releaseOnAsk: boolean) => {
      let lock: Lock | undefined;
      let asked = false;
      const granted = locker.acquire('n', () => {
        log.push(`${name} asked`);
        asked = true;
        if (releaseOnAsk) void lock?.release();
      }, 10_000);
      return granted.then(async (l) => {
        lock = l;
        log.push(`${name} granted`);
        if (asked && releaseOnAsk) await l.release();
        return l;
      });
    };
    const first = await hold('first', a, false);
    const second = hold('second', b, true);
    await vi.waitFor(() => expect(log).toContain('first asked'));
    const third = hold('third', c, true);
    await sleep(400); // the third has taken its ticket and waits
    await first.release();
    await second;
    const last = await third;
    expect(log).toEqual(['first granted', 'first asked', 'second granted', 'second asked', 'third granted']);
    await last.release();
  });

  it('times out with LockTimeoutError when the holder does not let go, and leaves the holder intact', async () => {
    const prefix = freshPrefix();
    const { locker } = instance(prefix);
    const admin = connect();
    const asked = signal();
    const holder = await locker.acquire('a', asked.fn, 5_000);
    const value = await admin.get(`${prefix}a`);
    const started = Date.now();
    await expect(locker.acquire('a', () => undefined, 300)).rejects.toBeInstanceOf(LockTimeoutError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
    expect(asked.called).toBe(true);
    expect(await admin.get(`${prefix}a`)).toBe(value);
    await holder.release();
    expect(await admin.exists(`${prefix}a`)).toBe(0);
    await (await locker.acquire('a', () => undefined, 1_000)).release();
  });

  it('tryAcquire never disturbs a holder', async () => {
    const prefix = freshPrefix();
    const a = instance(prefix).locker;
    const b = instance(prefix).locker;
    const asked = signal();
    const holder = await a.acquire('t', asked.fn, 5_000);
    expect(await b.tryAcquire('t')).toBeUndefined();
    expect(await a.tryAcquire('t')).toBeUndefined();
    await sleep(200);
    expect(asked.called).toBe(false);
    await holder.release();
    const lock = await b.tryAcquire('t');
    expect(lock).toBeDefined();
    // A tryAcquire lock is an ordinary lock: an acquire waits for it.
    const waiting = a.acquire('t', () => undefined, 5_000);
    await sleep(150);
    await lock!.release();
    await (await waiting).release();
  });

  it('two instances with separate connections behave as two servers', async () => {
    const prefix = freshPrefix();
    const one = instance(prefix);
    const two = instance(prefix);
    expect(one.client).not.toBe(two.client);
    let held: Lock | undefined;
    held = await one.locker.acquire('shared', () => void held?.release(), 5_000);
    const other = await one.locker.acquire('other', () => undefined, 5_000); // ids are apart
    const started = Date.now();
    const taken = await two.locker.acquire('shared', () => undefined, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await one.locker.tryAcquire('shared')).toBeUndefined();
    await taken.release();
    const back = await one.locker.tryAcquire('shared');
    expect(back).toBeDefined();
    await back!.release();
    await other.release();
    expect([...one.errors, ...two.errors]).toEqual([]);
  });

  it('a crashed holder (disconnected, no renewals) loses its lock after the ttl; a waiter gets it', async () => {
    const prefix = freshPrefix();
    const ttl = 600;
    // The "crashing" instance: we keep its subscriber to cut it off too.
    const raw = connect();
    let subscriber: RedisLockerSubscriber | undefined;
    const client: RedisLockerClient = {
      eval: (...args) => raw.eval(...args),
      publish: (channel, message) => raw.publish(channel, message),
      duplicate: () => (subscriber = raw.duplicate()),
    };
    const crashing = instance(prefix, { client, ttl });
    const survivor = instance(prefix, { ttl });
    const told = signal();
    const lock = await crashing.locker.acquire('c', told.fn, 5_000);
    // Crash: every connection gone, nothing released.
    raw.disconnect();
    subscriber!.disconnect();
    const crashedAt = Date.now();

    const taken = await survivor.locker.acquire('c', () => undefined, 10_000);
    const waited = Date.now() - crashedAt;
    expect(waited).toBeGreaterThanOrEqual(ttl / 2); // the key had between 2/3 ttl and ttl left
    expect(waited).toBeLessThan(10_000);
    // The cut-off holder learnt that it lost the lock (Redis unreachable for the ttl) and was asked to stop.
    await vi.waitFor(() => expect(told.called).toBe(true), { timeout: 5_000 });
    expect(crashing.errors.some((e) => /lost the lock on c/.test(e.message))).toBe(true);
    await lock.release(); // does not throw, does not touch the new holder's lock
    expect(await survivor.locker.tryAcquire('c')).toBeUndefined();
    await taken.release();
  });

  it('flush reaches the holder on another instance, waits for its flush, and never takes or interrupts the lock', async () => {
    const prefix = freshPrefix();
    const holder = instance(prefix);
    const asker = instance(prefix);
    // Nobody holds it: answered at once, true.
    expect(await asker.locker.flush('f', 5_000)).toBe(true);

    const events: string[] = [];
    let finish!: () => void;
    const asked = signal();
    const lock = await holder.locker.acquire('f', asked.fn, 5_000, async () => {
      events.push('flush started');
      await new Promise<void>((resolve) => (finish = resolve));
      events.push('flush done');
    });
    const flushed = asker.locker.flush('f', 5_000).then((ok) => events.push(`flush answered ${ok}`));
    await vi.waitFor(() => expect(events).toEqual(['flush started']), { timeout: 5_000 });
    finish();
    await flushed;
    expect(events).toEqual(['flush started', 'flush done', 'flush answered true']);
    expect(asked.called).toBe(false);
    expect(await asker.locker.tryAcquire('f')).toBeUndefined();

    // A holder whose flush never ends: the asker gives up after its timeout, with false.
    await lock.release();
    const stuck = await holder.locker.acquire('g', () => undefined, 5_000, () => new Promise<void>(() => undefined));
    expect(await asker.locker.flush('g', 300)).toBe(false);
    // A release ends a wait at once (true): what is stored is final then.
    const waiting = asker.locker.flush('g', 10_000);
    await sleep(100);
    await stuck.release();
    expect(await waiting).toBe(true);
    expect([...holder.errors, ...asker.errors]).toEqual([]);
  });

  it('flush of a crashed holder\'s lock ends when the lock runs out', async () => {
    const prefix = freshPrefix();
    const ttl = 600;
    const raw = connect();
    let subscriber: RedisLockerSubscriber | undefined;
    const client: RedisLockerClient = {
      eval: (...args) => raw.eval(...args),
      publish: (channel, message) => raw.publish(channel, message),
      duplicate: () => (subscriber = raw.duplicate()),
    };
    const crashing = instance(prefix, { client, ttl });
    const asker = instance(prefix, { ttl });
    await crashing.locker.acquire('h', () => undefined, 5_000, async () => undefined);
    raw.disconnect();
    subscriber!.disconnect();
    expect(await asker.locker.flush('h', 10_000)).toBe(true);
    expect(await asker.locker.tryAcquire('h')).toBeDefined();
  });

  it('renewal keeps a lock alive well beyond its ttl', async () => {
    const prefix = freshPrefix();
    const ttl = 300;
    const holder = instance(prefix, { ttl });
    const other = instance(prefix, { ttl });
    const admin = connect();
    const asked = signal();
    const lock = await holder.locker.acquire('long', asked.fn, 5_000);
    const value = await admin.get(`${prefix}long`);
    const until = Date.now() + 4 * ttl;
    while (Date.now() < until) {
      expect(await other.locker.tryAcquire('long')).toBeUndefined();
      expect(await admin.get(`${prefix}long`)).toBe(value);
      await sleep(50);
    }
    expect(await admin.pttl(`${prefix}long`)).toBeGreaterThan(0);
    expect(asked.called).toBe(false);
    await lock.release();
    expect(holder.errors).toEqual([]);
  });

  it('a renewal that finds another token tells the holder at once', async () => {
    const prefix = freshPrefix();
    const ttl = 300;
    const { locker, errors } = instance(prefix, { ttl });
    const admin = connect();
    const told = signal();
    const lock = await locker.acquire('s', told.fn, 5_000);
    await admin.set(`${prefix}s`, 'someone-else', 'PX', 5_000);
    await told.fired;
    expect(errors.some((e) => /another request holds it/.test(e.message))).toBe(true);
    await lock.release();
    expect(await admin.get(`${prefix}s`)).toBe('someone-else'); // release only deletes its own token
  });

  it('a holder is asked to stop when Redis is unreachable for longer than the ttl', async () => {
    const own = await startRedisServer();
    cleanups.push(() => own.stop());
    const ttl = 500;
    const client = connect(own, { retryStrategy: () => 100, maxRetriesPerRequest: 1 });
    const { locker, errors } = instance(freshPrefix(), { client, ttl });
    const told = signal();
    const lock = await locker.acquire('u', told.fn, 5_000);
    const acquiredAt = Date.now();
    await own.stop();
    await told.fired;
    expect(Date.now() - acquiredAt).toBeGreaterThanOrEqual(ttl / 2);
    expect(errors.some((e) => /lost the lock on u/.test(e.message))).toBe(true);
    const started = Date.now();
    await lock.release(); // bounded, never throws
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('close() fails waiters, asks holders, closes only its own subscriber connection', async () => {
    const prefix = freshPrefix();
    const client = connect();
    const { locker } = instance(prefix, { client });
    const other = instance(prefix).locker;
    const blocker = await other.acquire('w', () => undefined, 5_000);
    const told = signal();
    const held = await locker.acquire('h', told.fn, 5_000);
    const waiting = locker.acquire('w', () => undefined, 10_000);
    await sleep(100);
    await locker.close();
    await expect(waiting).rejects.toThrow(/closed/);
    expect(told.called).toBe(true);
    await expect(locker.acquire('z', () => undefined, 1_000)).rejects.toThrow(/closed/);
    expect(await locker.tryAcquire('z')).toBeUndefined();
    await held.release(); // still works through the application's client
    expect(await client.ping()).toBe('PONG');
    expect(client.status).toBe('ready');
    await blocker.release();
    await locker.close(); // idempotent
  });
});
