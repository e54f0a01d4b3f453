// Graceful shutdown on S3Store (Swift) + RedisLocker, child process: SIGTERM mid-PATCH answers the PATCH
// with the offset S3 holds, the upload lock is released in Redis (not left to expire: the TTL here is a
// minute, longer than the test), and the next process takes the upload over at once, byte-exact.
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/app.js';
import { CHILD, killHard, sharedStorageEnv, startChild } from '../support/child.js';
import { header, openRequest, request } from '../support/http.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { OCTET, TUS, createUpload, head, patch, pattern, sha256, sleep } from '../support/tus.js';

const MiB = 1024 * 1024;
const SIZE = 12 * MiB;
const SHUTDOWN_TIMEOUT = 5000;
const available = existsSync(CHILD) && redisServerAvailable() && s3ServerAvailable('swift');

describe.skipIf(!available)('graceful shutdown on S3Store + RedisLocker (child process)', () => {
  const h = useHarness();
  let redis: RedisServer | undefined;
  let s3: S3Server | undefined;

  beforeAll(async () => {
    [redis, s3] = await Promise.all([startRedisServer(), startS3Server('swift')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([redis?.stop(), s3?.stop()]);
  }, 60_000);

  it('SIGTERM mid-PATCH: 204 with the stored offset, no lock left in Redis, the next process resumes at once', async () => {
    const dir = await h.tempDir();
    const env = { ...(await sharedStorageEnv(s3!, redis!, 'shutdown', 'uploads/')), LOCK_TTL: '60000', SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT) };
    let child = await startChild(dir, env);
    h.defer(() => killHard(child));
    const client = new Redis(redis!.url);
    h.defer(() => client.quit());

    const source = pattern(SIZE, 7);
    const up = await createUpload(child.url, { length: SIZE });
    const req = openRequest(child.url, {
      method: 'PATCH',
      path: up.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(SIZE) },
    });
    const piece = 256 * 1024;
    for (let at = 0; at < 7 * MiB; at += piece) expect(await req.write(source.subarray(at, at + piece))).toBe(true);
    await sleep(300);
    expect(await client.exists(`tus:lock:${up.id}`)).toBe(1);

    const exited = new Promise<number>((resolve) => {
      const started = Date.now();
      child.proc.once('exit', () => resolve(Date.now() - started));
    });
    child.proc.kill('SIGTERM');
    const res = await req.response;
    expect(res.status, res.body.toString()).toBe(204);
    const stopped = Number(header(res, 'upload-offset'));
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThanOrEqual(7 * MiB);
    expect(await exited).toBeLessThan(SHUTDOWN_TIMEOUT + 1000);
    expect(await client.keys('tus:lock:*')).toEqual(['tus:lock:#ticket']);

    child = await startChild(dir, env);
    expect(header(await head(child.url, up.uploadPath), 'upload-offset')).toBe(String(stopped));
    const started = Date.now();
    const rest = await patch(child.url, up.uploadPath, stopped, source.subarray(stopped));
    expect(rest.status, rest.body.toString()).toBe(204);
    // A lock left behind would have made this PATCH wait for the 10 s lock timeout and answer 423.
    expect(Date.now() - started).toBeLessThan(10_000);
    const download = await request(child.url, { method: 'GET', path: up.uploadPath, headers: TUS, timeoutMs: 60_000 });
    expect(sha256(download.body)).toBe(sha256(source));
  }, 120_000);
});
