// TusHealthIndicator in a terminus HealthCheckService, black-box over GET /health on both adapters: up
// with the owed completions reported; down when the upload directory takes no file, when the disk has
// less than minFreeBytes, when Redis is stopped, and when the S3 bucket is gone.
import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { rm, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLocker, S3Store, TusModule } from '../../src/index.js';
import { FlakyComplete, LedgerModule } from '../fixtures/extension-points.js';
import { healthModule } from '../fixtures/health.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { request } from '../support/http.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { createUpload, patch } from '../support/tus.js';

async function health(url: string): Promise<{ status: number; body: any }> {
  const res = await request(url, { method: 'GET', path: '/health' });
  return { status: res.status, body: JSON.parse(res.body.toString()) };
}

describe.each(ADAPTERS)('health indicator (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  it('up: the directory takes a file, free space is reported, owed completions are counted', async () => {
    const dir = await h.tempDir();
    const { url } = await h.start(
      adapter,
      healthModule(TusModule.forRoot({ directory: dir, uploadCompleteHandler: FlakyComplete, imports: [LedgerModule], completionRetryDelay: 3_600_000 })),
    );
    const before = await health(url);
    expect(before.status).toBe(200);
    expect(before.body.status).toBe('ok');
    expect(before.body.details.uploads.status).toBe('up');
    expect(before.body.details.uploads.store.status).toBe('up');
    expect(before.body.details.uploads.store.freeBytes).toBeGreaterThan(0);
    expect(before.body.details.uploads.locker.status).toBe('unchecked'); // in-memory locks cannot fail
    expect(before.body.details.uploads.pendingCompletions).toBe(0);

    const up = await createUpload(url, { length: 2 });
    expect((await patch(url, up.uploadPath, 0, 'ab')).status).toBe(500); // the handler's first run fails: owed
    const after = await health(url);
    expect(after.status).toBe(200);
    expect(after.body.details.uploads.pendingCompletions).toBe(1);
  });

  it('down: the upload directory takes no file (gone, a file in its place)', async () => {
    const dir = await h.tempDir();
    const { url } = await h.start(adapter, healthModule(TusModule.forRoot({ directory: dir })));
    expect((await health(url)).status).toBe(200);
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a directory');
    const res = await health(url);
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('error');
    expect(res.body.error.uploads.status).toBe('down');
    expect(res.body.error.uploads.store.status).toBe('down');
    expect(res.body.error.uploads.store.error).toMatch(/^the store does not answer: ENOTDIR/);
  });

  it('down: less free space than minFreeBytes', async () => {
    const dir = await h.tempDir();
    const { url } = await h.start(adapter, healthModule(TusModule.forRoot({ directory: dir }), { minFreeBytes: Number.MAX_SAFE_INTEGER }));
    const res = await health(url);
    expect(res.status).toBe(503);
    expect(res.body.error.uploads.store.error).toMatch(/bytes free, below the minimum of 9007199254740991$/);
  });
});

describe.skipIf(!redisServerAvailable() || !s3ServerAvailable('swift'))('health indicator: Redis and S3 (real servers)', () => {
  const h = useHarness();
  let redis: RedisServer | undefined;
  let s3: S3Server | undefined;
  beforeAll(async () => {
    [redis, s3] = await Promise.all([startRedisServer(), startS3Server('swift')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([redis?.stop(), s3?.stop()]);
  }, 60_000);

  it.each(ADAPTERS)('down when the bucket is gone (%s)', async (adapter) => {
    const bucket = `health-${adapter}`;
    const store = new S3Store({ clientConfig: s3!.clientConfig, bucket, createBucket: true });
    const client = new Redis(redis!.url, { maxRetriesPerRequest: 1 });
    h.defer(() => client.disconnect());
    h.defer(() => store.destroy());
    const locker = new RedisLocker({ client });
    const { url } = await h.start(adapter, healthModule(TusModule.forRoot({ store, locker }), { timeout: 1000 }));
    const up = await health(url);
    expect(up.status).toBe(200);
    expect(up.body.details.uploads.store).toEqual({ status: 'up' });
    expect(up.body.details.uploads.locker).toEqual({ status: 'up' });

    const s3Client = new S3Client(s3!.clientConfig);
    await s3Client.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3Client.destroy();
    const noBucket = await health(url);
    expect(noBucket.status).toBe(503);
    expect(noBucket.body.error.uploads.store.status).toBe('down');
    expect(noBucket.body.error.uploads.store.error).toMatch(/bucket "health-\w+" does not exist/);
    expect(noBucket.body.error.uploads.locker).toEqual({ status: 'up' });
  }, 60_000);

  it('down when Redis is stopped', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // it reconnects, and says so, once the server is stopped
    h.defer(() => client.disconnect());
    const dir = await h.tempDir();
    const { url } = await h.start('express', healthModule(TusModule.forRoot({ directory: dir, locker: new RedisLocker({ client }) }), { timeout: 1000 }));
    expect((await health(url)).body.details.uploads.locker).toEqual({ status: 'up' });
    await server.stop();
    const res = await health(url);
    expect(res.status).toBe(503);
    expect(res.body.error.uploads.locker.status).toBe('down');
    expect(res.body.error.uploads.locker.error).toMatch(/^the locker does not answer: /);
    expect(res.body.error.uploads.store.status).toBe('up');
  }, 60_000);
});
