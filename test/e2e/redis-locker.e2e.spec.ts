// The tus module with `locker: new RedisLocker(...)` on a real redis-server: two instances sharing one
// store, where a newer PATCH on one interrupts a stalled older PATCH on the other (through Redis), and
// the locker wired as a Nest provider through forRootAsync, closed by Nest on shutdown.
import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { FileStore, RedisLocker, TusModule } from '../../src/index.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { header, openRequest, type HttpResponse, type ManualRequest } from '../support/http.js';
import { redisServerAvailable, useRedisServer } from '../support/redis-server.js';
import { OCTET, TUS, createUpload, expectError, head, patch, pattern, readData, sleep } from '../support/tus.js';

const KiB = 1024;
let prefixes = 0;
const freshPrefix = () => `e2e:${process.pid}:${++prefixes}:`;

function openPatch(url: string, uploadPath: string, offset: number, contentLength: number): ManualRequest {
  return openRequest(url, {
    method: 'PATCH',
    path: uploadPath,
    headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': String(offset), 'Content-Length': String(contentLength) },
    timeoutMs: 20_000,
  });
}

function asResponse(outcome: HttpResponse | Error): HttpResponse {
  if (outcome instanceof Error) throw new Error(`expected a response, got ${outcome.message}`);
  return outcome;
}

const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** What an application would write (docs/several-instances.md, "Redis locker"), with the URL given instead of a ConfigService. */
@Module({})
class LockingModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  static register(url: string, keyPrefix: string): DynamicModule {
    return {
      module: LockingModule,
      providers: [
        { provide: REDIS_CLIENT, useFactory: () => new Redis(url) },
        { provide: RedisLocker, inject: [REDIS_CLIENT], useFactory: (client: Redis) => new RedisLocker({ client, keyPrefix }) },
      ],
      exports: [RedisLocker, REDIS_CLIENT],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }
}

describe.runIf(redisServerAvailable())('Redis locker e2e', () => {
  const redis = useRedisServer();

  describe.each(ADAPTERS)('two instances, one store (%s)', (adapter: AdapterName) => {
    const h = useHarness();

    function connect(): Redis {
      const client = new Redis({ host: redis.server.host, port: redis.server.port });
      h.defer(() => client.quit());
      return client;
    }

    // Local, not useTusHarness: two apps share one FileStore and a Redis key prefix, each with its own locker.
    async function boot() {
      const dir = await h.tempDir();
      const store = new FileStore({ directory: dir });
      const keyPrefix = freshPrefix();
      const lockers = [new RedisLocker({ client: connect(), keyPrefix }), new RedisLocker({ client: connect(), keyPrefix })];
      for (const locker of lockers) h.defer(() => locker.close());
      const [one, two] = [await h.start(adapter, { options: { store, locker: lockers[0] } }), await h.start(adapter, { options: { store, locker: lockers[1] } })];
      return { one, two, dir, keyPrefix, admin: connect() };
    }

    it('a newer PATCH on one instance interrupts a stalled older one on the other; the older keeps its bytes', async () => {
      const { one, two, dir, keyPrefix, admin } = await boot();
      const SIZE = 256 * KiB;
      const FIRST = 100 * KiB;
      const data = pattern(SIZE, 77);
      const up = await createUpload(one.url, { length: SIZE });
      const older = openPatch(one.url, up.uploadPath, 0, SIZE);
      h.defer(() => older.abort());
      expect(await older.write(data.subarray(0, FIRST))).toBe(true);
      for (let i = 0; i < 20; i++) {
        const seen = Number(header(await head(two.url, up.uploadPath), 'upload-offset'));
        if (seen === FIRST) break;
        await sleep(100);
      }
      expect(older.done).toBe(false);
      // The older PATCH holds the upload's lock in Redis, where the other instance sees it.
      expect(await admin.get(`${keyPrefix}${up.id}`)).toMatch(/^\d+:/);

      // The client resumes through the other instance while the older PATCH is still open.
      const newer = await patch(two.url, up.uploadPath, FIRST, data.subarray(FIRST));
      const old = asResponse(await older.settled);
      expect(old.status).toBe(204);
      expect(header(old, 'connection')).toBe('close');
      const reached = Number(header(old, 'upload-offset'));
      expect(reached).toBeGreaterThan(0);
      expect(reached).toBeLessThanOrEqual(FIRST);

      if (reached === FIRST) {
        expect(newer.status).toBe(204);
        expect(header(newer, 'upload-offset')).toBe(String(SIZE));
      } else {
        expectError(newer, 409);
        expect((await readData(dir, up.id)).equals(data.subarray(0, reached))).toBe(true);
        expect((await patch(one.url, up.uploadPath, reached, data.subarray(reached))).status).toBe(204);
      }
      expect((await readData(dir, up.id)).equals(data)).toBe(true);
      expect(header(await head(one.url, up.uploadPath), 'upload-offset')).toBe(String(SIZE));
      // Every lock was released: only the ticket counter is left under the prefix.
      expect(await admin.keys(`${keyPrefix}*`)).toEqual([`${keyPrefix}#ticket`]);
    });
  });

  describe('as a Nest provider through forRootAsync', () => {
    const h = useHarness();

    it('locks uploads in Redis, and Nest closes the locker (then the module its client) on shutdown', async () => {
      const dir = await h.tempDir();
      const keyPrefix = freshPrefix();
      const app = await h.start('express', [
        TusModule.forRootAsync({
          imports: [LockingModule.register(redis.server.url, keyPrefix)],
          inject: [RedisLocker],
          useFactory: (locker: RedisLocker) => ({ directory: dir, locker }),
        }),
      ]);
      const locker = app.app.get(RedisLocker);
      const client = app.app.get<Redis>(REDIS_CLIENT);
      const admin = new Redis(redis.server.url);
      h.defer(() => admin.quit());

      const data = pattern(64 * KiB, 5);
      const up = await createUpload(app.url, { length: data.length });
      expect((await patch(app.url, up.uploadPath, 0, data)).status).toBe(204);
      expect((await readData(dir, up.id)).equals(data)).toBe(true);
      expect(Number(await admin.get(`${keyPrefix}#ticket`))).toBeGreaterThan(0);
      expect(await admin.exists(`${keyPrefix}${up.id}`)).toBe(0);

      await app.close();
      await expect(locker.acquire('x', () => undefined, 100)).rejects.toThrow(/closed/);
      await vi.waitFor(() => expect(client.status).toBe('end'));
    });
  });
});
