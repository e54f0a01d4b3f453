// The sample app configured from the environment for several instances: S3_* pointing at a real Swift
// (s3api), REDIS_URL at a real redis-server, TRUST_PROXY=loopback. An upload through the token guard ends
// up in the bucket under <S3_PREFIX>users/<user>/<id>, byte-exact, and in GET /uploads; the locks were
// taken in Redis; on shutdown the sample closes its Redis connections.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../sample/app.module.js';
import { UploadStorage } from '../../sample/storage.module.js';
import { S3Store } from '../../src/index.js';
import { setEnv } from '../support/env.js';
import { header, request } from '../support/http.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { TUS, b64, createUpload, head, patch, pattern, sha256, sleep } from '../support/tus.js';

const MiB = 1024 * 1024;
const BUCKET = 'sample';
const PREFIX = 'tus/';

const available = redisServerAvailable() && s3ServerAvailable('swift');

describe.skipIf(!available)('sample app on S3 (Swift) and Redis, configured from the environment', () => {
  let s3: S3Server;
  let redis: RedisServer;
  let dir: string;
  let app: INestApplication | undefined;
  let url: string;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    [s3, redis] = await Promise.all([startS3Server('swift'), startRedisServer()]);
    const setup = new S3Store({ clientConfig: s3.clientConfig, bucket: BUCKET, createBucket: true });
    await setup.init();
    setup.destroy();
    dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-sample-s3-'));
    const { accessKeyId, secretAccessKey } = s3.clientConfig.credentials!;
    restoreEnv = setEnv({
      UPLOAD_DIR: dir,
      UPLOAD_TOKENS: 'alice:alice-secret,bob:bob-secret',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY: accessKeyId,
      S3_SECRET_KEY: secretAccessKey,
      S3_PREFIX: PREFIX,
      REDIS_URL: redis.url,
      TRUST_PROXY: 'loopback',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    restoreEnv?.();
    await Promise.all([s3?.stop(), redis?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('starts on the bucket and Redis', async () => {
    expect(app!.get(UploadStorage).summary).toBe(`S3 bucket ${BUCKET} at ${s3.endpoint}, Redis locks`);
  });

  it('an upload through the guard lands in the bucket under the prefix and the user folder, byte-exact, and in GET /uploads', async () => {
    const data = pattern(9 * MiB + 123, 5); // one full part of 8 MiB and a last one
    const { id, uploadPath, location } = await createUpload(url, {
      length: data.length,
      metadata: `filename ${b64('big.bin')},filetype ${b64('application/octet-stream')}`,
      // TRUST_PROXY=loopback: the forwarded host and scheme make the Location.
      headers: { ...as('alice-secret'), 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'uploads.example' },
    });
    expect(location).toBe(`https://uploads.example/files/${id}`);
    expect((await head(url, uploadPath, { ...TUS, ...as('bob-secret') })).status).toBe(404); // not bob's
    let res = await patch(url, uploadPath, 0, data.subarray(0, 5 * MiB), as('alice-secret'));
    expect([res.status, header(res, 'upload-offset')]).toEqual([204, String(5 * MiB)]);
    res = await patch(url, uploadPath, 5 * MiB, data.subarray(5 * MiB), as('alice-secret'));
    expect([res.status, header(res, 'upload-offset')]).toEqual([204, String(data.length)]);

    const client = new S3Client(s3.clientConfig);
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}users/alice/${id}` }));
      expect(sha256(Buffer.from(await object.Body!.transformToByteArray()))).toBe(sha256(data));
    } finally {
      client.destroy();
    }
    const saved = JSON.parse((await request(url, { method: 'GET', path: '/uploads', headers: as('alice-secret') })).body.toString());
    expect(saved).toEqual([expect.objectContaining({ id, filename: 'big.bin', size: data.length, owner: 'alice', path: `users/alice/${id}` })]);

    // The locks were Redis's: every claim takes a ticket from its counter.
    const probe = new Redis(redis.url);
    try {
      expect(Number(await probe.get('tus:lock:#ticket'))).toBeGreaterThanOrEqual(2);
    } finally {
      await probe.quit();
    }
  });

  it('on shutdown the sample closes its Redis connections (the client and the locker subscriber)', async () => {
    const probe = new Redis(redis.url);
    try {
      const clients = async () => String(await probe.client('LIST')).trim().split('\n').length;
      expect(await clients()).toBeGreaterThanOrEqual(3); // the sample's two and this one
      await app!.close();
      app = undefined;
      for (let i = 0; i < 100 && (await clients()) > 1; i++) await sleep(20);
      expect(await clients()).toBe(1);
    } finally {
      await probe.quit();
    }
  });
});
