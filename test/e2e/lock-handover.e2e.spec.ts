// Crash hand-over within the clients' retry window, with the default lock settings: two child-server
// processes on one bucket of OpenStack Swift (S3Store) and one redis-server (RedisLocker, default ttl;
// default lockTimeout). A holds a PATCH mid-body and is killed with SIGKILL; tus-js-client, resuming
// on B with its default retry delays (0, 1, 3, 5 s: ~9 s in all), must finish the upload within 9 s
// of the kill, byte-exact, instead of meeting 423 until the dead holder's lock runs out.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD, REPO_ROOT, killHard, sharedStorageEnv, startChild, type Child } from '../support/child.js';
import { header, openRequest, request } from '../support/http.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { OCTET, TUS, createUpload, head, sha256, sleep } from '../support/tus.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const BUCKET = 'handover';
/** tus-js-client's and Uppy's default retryDelays add up to 9 s. */
const RETRY_WINDOW = 9_000;

const available = existsSync(CHILD) && redisServerAvailable() && s3ServerAvailable('swift');

describe('crash hand-over of a running PATCH (default lock settings; Redis, S3Store on Swift)', () => {
  it('the compiled child server exists', () => {
    expect(existsSync(CHILD), `${path.relative(REPO_ROOT, CHILD)} is missing: run \`npm test\` (its tsc step compiles test/fixtures)`).toBe(true);
  });

  describe.skipIf(!available)('two instances', () => {
    let redis: RedisServer | undefined;
    let s3: S3Server | undefined;
    let dir: string | undefined;
    let a: Child;
    let b: Child;

    beforeAll(async () => {
      [redis, s3] = await Promise.all([startRedisServer(), startS3Server('swift')]);
      // No LOCK_TTL: the RedisLocker's default ttl, and the module's default lockTimeout.
      const env = { ...(await sharedStorageEnv(s3, redis, BUCKET, 'uploads/')), S3_PART_SIZE: String(PART) };
      dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-handover-'));
      a = await startChild(dir, { ...env, INSTANCE: 'a' });
      b = await startChild(dir, { ...env, INSTANCE: 'b' });
    }, 120_000);

    afterAll(async () => {
      await Promise.all([a, b].filter(Boolean).map((c) => killHard(c)));
      await Promise.all([redis?.stop(), s3?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it('SIGKILL of the instance holding a PATCH: tus-js-client resumes on the other one within its default retries', async () => {
      const SIZE = 4 * PART;
      const data = randomBytes(SIZE);
      const up = await createUpload(a.url, { length: SIZE });
      const held = openRequest(a.url, {
        method: 'PATCH',
        path: up.uploadPath,
        headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(SIZE) },
        timeoutMs: 60_000,
      });
      const sent = 2 * PART + 1000;
      for (let at = 0; at < sent; at += MiB) expect(await held.write(data.subarray(at, Math.min(sent, at + MiB)))).toBe(true);
      // A holds the lock and is writing: B sees the bytes arrive.
      let seen = 0;
      for (let i = 0; i < 200 && seen < 2 * PART; i++) {
        seen = Number(header(await head(b.url, up.uploadPath), 'upload-offset'));
        if (seen < 2 * PART) await sleep(50);
      }
      expect(seen).toBeGreaterThanOrEqual(2 * PART);

      await killHard(a);
      const killedAt = Date.now();
      await held.settled;

      const statuses: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const client = new tus.Upload(data, {
          uploadUrl: `${b.url}${up.uploadPath}`,
          // retryDelays: tus-js-client's default [0, 1000, 3000, 5000].
          onAfterResponse: (req, res) => void statuses.push(`${req.getMethod()} ${res.getStatus()}`),
          onSuccess: () => resolve(),
          onError: reject,
        });
        client.start();
      });
      const handoverMs = Date.now() - killedAt;
      console.log(`crash hand-over: the resume on B finished ${handoverMs} ms after the SIGKILL of A (${statuses.join(', ')})`);
      expect(handoverMs, `resumed after ${handoverMs} ms: ${statuses.join(', ')}`).toBeLessThan(RETRY_WINDOW);
      expect(statuses.filter((s) => s.endsWith(' 423'))).toEqual([]);

      const body = await request(b.url, { method: 'GET', path: up.uploadPath, headers: TUS, timeoutMs: 60_000 });
      expect(body.status).toBe(200);
      expect(sha256(body.body)).toBe(sha256(data));
    }, 120_000);
  });
});
