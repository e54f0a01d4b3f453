// A rolling deploy, all real: two child-server instances on S3Store (Swift) + RedisLocker behind nginx.
// SIGTERM to the instance serving a PATCH: it answers the PATCH with the offset S3 holds, releases the
// upload's lock in Redis (the TTL here is a minute: a lock left to expire would block the resume), exits
// within shutdownTimeout + 1 s, and the survivor takes the upload over at once, byte-exact.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD, killHard, sharedStorageEnv, startChild, type Child } from '../support/child.js';
import { header, openRequest, request, type HttpResponse } from '../support/http.js';
import { nginxAvailable, startLoadBalancer, type LoadBalancer } from '../support/nginx.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { OCTET, TUS, createUpload, head, patch, pattern, sha256, sleep } from '../support/tus.js';

const MiB = 1024 * 1024;
const SIZE = 12 * MiB;
const SHUTDOWN_TIMEOUT = 5000;
const available = existsSync(CHILD) && nginxAvailable() && redisServerAvailable() && s3ServerAvailable('swift');

describe.skipIf(!available)('SIGTERM to one of two instances behind nginx (Redis locks, S3Store on Swift)', () => {
  let redis: RedisServer | undefined;
  let s3: S3Server | undefined;
  let lb: LoadBalancer | undefined;
  let dir: string | undefined;
  const children: Child[] = [];
  const names = ['a', 'b'];

  beforeAll(async () => {
    [redis, s3] = await Promise.all([startRedisServer(), startS3Server('swift')]);
    const shared = await sharedStorageEnv(s3, redis, 'rolling', 'uploads/');
    dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-rolling-'));
    for (const name of names) {
      children.push(await startChild(dir, { ...shared, INSTANCE: name, LOCK_TTL: '60000', SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT), TRUST_PROXY: 'loopback' }));
    }
    lb = await startLoadBalancer(children.map((c) => Number(new URL(c.url).port)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => killHard(c)));
    await lb?.stop();
    await Promise.all([redis?.stop(), s3?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('the PATCH is answered with its offset, the lock is released, the survivor resumes at once', async () => {
    const data = pattern(SIZE, 21);
    const up = await createUpload(lb!.url, { length: SIZE });
    const req = openRequest(lb!.url, {
      method: 'PATCH',
      path: up.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(SIZE) },
      timeoutMs: 60_000,
    });
    for (let sent = 0; sent < 7 * MiB; sent += 256 * 1024) expect(await req.write(data.subarray(sent, sent + 256 * 1024))).toBe(true);
    const patchLine = `request PATCH ${up.uploadPath}`;
    let victim = -1;
    for (let i = 0; i < 200 && victim < 0; i++) {
      victim = children.findIndex((c) => c.stdout().includes(patchLine));
      if (victim < 0) await sleep(50);
    }
    expect(victim, 'no instance reported the PATCH').toBeGreaterThanOrEqual(0);
    await sleep(300); // the instance has read what was sent

    const started = Date.now();
    const exited = new Promise<number>((resolve) => children[victim].proc.once('exit', () => resolve(Date.now() - started)));
    children[victim].proc.kill('SIGTERM');
    const answer = await req.settled;
    const exitMs = await exited;
    expect(exitMs, `exited after ${exitMs} ms`).toBeLessThan(SHUTDOWN_TIMEOUT + 1000);

    // The lock is gone from Redis now, not a minute from now.
    const client = new Redis(redis!.url);
    try {
      expect(await client.keys('tus:lock:*')).toEqual(['tus:lock:#ticket']);
    } finally {
      client.disconnect();
    }

    // Through nginx: a request it still sends to the closed port is a 502, retried.
    const viaLb = async (send: () => Promise<HttpResponse>) => {
      for (let tries = 0; ; tries++) {
        const res = await send();
        if (res.status !== 502 || tries === 5) return res;
      }
    };
    const state = await viaLb(() => head(lb!.url, up.uploadPath));
    expect(state.status).toBe(200);
    expect(header(state, 'x-served-by')).toBe(names[1 - victim]);
    const offset = Number(header(state, 'upload-offset'));
    expect(offset).toBeGreaterThan(0);
    // The stopped PATCH, when nginx passed its answer on, told the client that same offset.
    if (!(answer instanceof Error) && answer.status === 204) expect(Number(header(answer, 'upload-offset'))).toBe(offset);

    const resumeStarted = Date.now();
    const resumed = await viaLb(() => patch(lb!.url, up.uploadPath, offset, data.subarray(offset)));
    expect(resumed.status, resumed.body.toString()).toBe(204);
    expect(header(resumed, 'x-served-by')).toBe(names[1 - victim]);
    expect(Date.now() - resumeStarted, 'the resume waited for a lock').toBeLessThan(8_000);
    const body = await viaLb(() => request(lb!.url, { method: 'GET', path: up.uploadPath, headers: TUS, timeoutMs: 60_000 }));
    expect(sha256(body.body)).toBe(sha256(data));
    console.log(`SIGTERM to ${names[victim]}: exit in ${exitMs} ms; PATCH answered ${answer instanceof Error ? answer.message : `${answer.status} Upload-Offset ${header(answer, 'upload-offset')}`}; ${names[1 - victim]} resumed from ${offset}; sha256 ${sha256(data).slice(0, 16)}`);
  }, 180_000);
});
