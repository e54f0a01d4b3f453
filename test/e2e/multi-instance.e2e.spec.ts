// Several instances behind a load balancer, all real: redis-server (RedisLocker), OpenStack Swift with
// s3api (S3Store), two child-server processes on them, and nginx round-robin in front (no sticky
// sessions). Every request below goes through nginx. (a) PATCHes alternate between the instances and the
// offsets stay right; (b) the instance serving a long PATCH is killed mid-body, the survivor reports at
// least the offset it reported before the kill and the client resumes through nginx; (c) tus-js-client, chunked, byte-exact.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD, REPO_ROOT, killHard, sharedStorageEnv, startChild, type Child } from '../support/child.js';
import { header, openRequest, request, type HttpResponse } from '../support/http.js';
import { nginxAvailable, startLoadBalancer, type LoadBalancer } from '../support/nginx.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { OCTET, TUS, createUpload, head, patch, sha256, sleep } from '../support/tus.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const BUCKET = 'multi';
const LOCK_TTL = 2_000;

const available = existsSync(CHILD) && nginxAvailable() && redisServerAvailable() && s3ServerAvailable('swift');

describe('several instances behind nginx (Redis locks, S3Store on Swift)', () => {
  it('the compiled child server exists', () => {
    expect(existsSync(CHILD), `${path.relative(REPO_ROOT, CHILD)} is missing: run \`npm test\` (its tsc step compiles test/fixtures)`).toBe(true);
  });

  describe.skipIf(!available)('two instances', () => {
    let redis: RedisServer | undefined;
    let s3: S3Server | undefined;
    let lb: LoadBalancer | undefined;
    let dir: string | undefined;
    const children: Child[] = [];
    const names = ['a', 'b'];

    beforeAll(async () => {
      [redis, s3] = await Promise.all([startRedisServer(), startS3Server('swift')]);
      const shared = await sharedStorageEnv(s3, redis, BUCKET, 'uploads/');
      dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-multi-'));
      for (const name of names) {
        children.push(
          await startChild(dir, { ...shared, INSTANCE: name, S3_PART_SIZE: String(PART), LOCK_TTL: String(LOCK_TTL), TRUST_PROXY: 'loopback' }),
        );
      }
      // Backends first, nginx after they listen: no request through nginx may meet a backend not listening yet.
      lb = await startLoadBalancer(children.map((c) => Number(new URL(c.url).port)));
    }, 120_000);

    afterAll(async () => {
      await Promise.all(children.map((c) => killHard(c)));
      await lb?.stop();
      await Promise.all([redis?.stop(), s3?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    const servedBy = (res: HttpResponse) => header(res, 'x-served-by');
    const offsetOf = (res: HttpResponse) => Number(header(res, 'upload-offset'));
    const download = async (uploadPath: string) => {
      const res = await request(lb!.url, { method: 'GET', path: uploadPath, headers: TUS, timeoutMs: 60_000 });
      expect(res.status, res.body.toString()).toBe(200);
      return res.body;
    };

    it('PATCHes alternate between the instances; HEAD is right on both; the object is byte-exact', async () => {
      const data = randomBytes(3 * PART + 123);
      const up = await createUpload(lb!.url, { length: data.length });
      expect(up.location.startsWith(`${lb!.url}/files/`), `Location ${up.location} does not point at nginx`).toBe(true);

      const patchServers = new Set<string>();
      const headServers = new Set<string>();
      const step = Math.ceil(data.length / 6);
      for (let offset = 0; offset < data.length; offset += step) {
        const chunk = data.subarray(offset, offset + step);
        const res = await patch(lb!.url, up.uploadPath, offset, chunk);
        expect(res.status, res.body.toString()).toBe(204);
        expect(offsetOf(res)).toBe(offset + chunk.length);
        patchServers.add(servedBy(res)!);
        // Two HEADs per PATCH: round robin then sends the next PATCH to the other instance.
        for (let i = 0; i < 2; i++) {
          const h = await head(lb!.url, up.uploadPath);
          expect(h.status).toBe(200);
          expect([offsetOf(h), Number(header(h, 'upload-length'))]).toEqual([offset + chunk.length, data.length]);
          headServers.add(servedBy(h)!);
        }
      }
      expect([...patchServers].sort()).toEqual(names);
      expect([...headServers].sort()).toEqual(names);
      expect(sha256(await download(up.uploadPath))).toBe(sha256(data));
    }, 120_000);

    it('tus-js-client completes a chunked upload through nginx, byte-exact', async () => {
      const data = randomBytes(4 * PART + 777);
      const before = names.map((_, i) => (children[i].stdout().match(/^request PATCH /gm) ?? []).length);
      const url = await new Promise<string>((resolve, reject) => {
        const client: tus.Upload = new tus.Upload(data, {
          endpoint: `${lb!.url}/files`,
          chunkSize: PART,
          retryDelays: [100, 500, 1000],
          metadata: { filename: 'multi.bin' },
          onSuccess: () => resolve(client.url!),
          onError: reject,
        });
        client.start();
      });
      expect(url.startsWith(`${lb!.url}/files/`)).toBe(true);
      const after = names.map((_, i) => (children[i].stdout().match(/^request PATCH /gm) ?? []).length);
      const patchesPerInstance = after.map((n, i) => n - before[i]);
      expect(patchesPerInstance.every((n) => n > 0), `PATCHes per instance: ${patchesPerInstance.join(', ')}`).toBe(true);
      expect(sha256(await download(new URL(url).pathname))).toBe(sha256(data));
    }, 120_000);

    // Last: it kills an instance (nginx keeps sending every other request to the dead port: 502, retried).
    it('SIGKILL of the instance serving a PATCH: the survivor reports the committed offset, the resume through nginx is byte-exact', async () => {
      const SIZE = 8 * PART;
      const data = randomBytes(SIZE);
      const up = await createUpload(lb!.url, { length: SIZE });
      const patchLine = `request PATCH ${up.uploadPath}`;

      const req = openRequest(lb!.url, {
        method: 'PATCH',
        path: up.uploadPath,
        headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(SIZE) },
        timeoutMs: 120_000,
      });
      let sent = 0;
      const write = async (until: number) => {
        while (sent < until) {
          expect(await req.write(data.subarray(sent, sent + MiB)), 'the PATCH died before the kill').toBe(true);
          sent += MiB;
        }
      };
      await write(3 * PART);

      // Which instance got the PATCH (it prints the request line as it arrives)?
      let victim = -1;
      for (let i = 0; i < 200 && victim < 0; i++) {
        victim = children.findIndex((c) => c.stdout().includes(patchLine));
        if (victim < 0) await sleep(50);
      }
      expect(victim, 'no instance reported the PATCH').toBeGreaterThanOrEqual(0);
      const survivor = children[1 - victim];

      // Wait until the store has at least two committed parts (asked of the survivor directly, no lock).
      let committed = 0;
      for (let i = 0; i < 400 && committed < 2 * PART; i++) {
        committed = offsetOf(await head(survivor.url, up.uploadPath));
        if (committed < 2 * PART) await sleep(50);
      }
      expect(committed).toBeGreaterThanOrEqual(2 * PART);

      await killHard(children[victim]);
      const outcome = await req.settled;
      // nginx answers 502 for a backend that died mid-request, or the connection drops.
      if (!(outcome instanceof Error)) expect(outcome.status).toBeGreaterThanOrEqual(500);
      const bytesSent = req.bytesWritten;

      // Through nginx; a request sent to the dead port is a 502 (nothing reached an instance): retry it.
      const viaLb = async (send: () => Promise<HttpResponse>) => {
        for (let tries = 0; ; tries++) {
          const res = await send();
          if (res.status !== 502 || tries === 3) return res;
        }
      };
      const h = await viaLb(() => head(lb!.url, up.uploadPath));
      expect(h.status).toBe(200);
      expect(servedBy(h)).toBe(names[1 - victim]);
      const offset = offsetOf(h);
      expect(Number(header(h, 'upload-length'))).toBe(SIZE);
      expect(offset).toBeGreaterThanOrEqual(committed);
      expect(offset).toBeLessThanOrEqual(bytesSent);

      // The dead holder's lock expires after its ttl; the resume waits for that, then goes on.
      const resumed = await viaLb(() => patch(lb!.url, up.uploadPath, offset, data.subarray(offset)));
      expect(resumed.status, resumed.body.toString()).toBe(204);
      expect(servedBy(resumed)).toBe(names[1 - victim]);
      expect(offsetOf(resumed)).toBe(SIZE);
      const final = await viaLb(() => head(lb!.url, up.uploadPath));
      expect([final.status, offsetOf(final)]).toEqual([200, SIZE]);

      const body = await viaLb(() => request(lb!.url, { method: 'GET', path: up.uploadPath, headers: TUS, timeoutMs: 60_000 }));
      expect(body.status).toBe(200);
      expect(sha256(body.body)).toBe(sha256(data));
    }, 180_000);
  });
});
