// Offsets a client can use on the scale-out set-up: two app instances (each adapter) on one bucket of
// OpenStack Swift (S3Store, whose appends buffer up to a part in memory) and one redis-server
// (RedisLocker). HEAD — during a stalled PATCH, right after an aborted one, on the instance holding the
// PATCH or on the other — answers an offset that the next PATCH at that offset is accepted at; and
// tus-js-client, aborted half-way through a 16 MiB upload and resumed, sends little more than the file.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLocker, S3Store } from '../../src/index.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { startCountingProxy } from '../support/counting-proxy.js';
import { header, openRequest, request, type HttpResponse } from '../support/http.js';
import { redisServerAvailable, useRedisServer } from '../support/redis-server.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { OCTET, TUS, createUpload, head, patch, sha256, sleep } from '../support/tus.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const BUCKET = 'offsets';
let runs = 0;

const offsetOf = (res: HttpResponse) => Number(header(res, 'upload-offset'));

describe.skipIf(!(s3ServerAvailable('swift') && redisServerAvailable()))('S3Store + RedisLocker: offsets the next PATCH accepts', () => {
  let s3: S3Server;
  const redis = useRedisServer();

  beforeAll(async () => {
    s3 = await startS3Server('swift');
    const setup = new S3Store({ clientConfig: s3.clientConfig, bucket: BUCKET, createBucket: true });
    await setup.init();
    setup.destroy();
  }, 120_000);
  afterAll(async () => {
    await s3?.stop();
  }, 60_000);

  describe.each(ADAPTERS)('%s', (adapter: AdapterName) => {
    const h = useHarness();

    // Local, not useTusHarness: a scale-out pair on this file's S3 and Redis servers.
    /** Two instances on one bucket prefix and one Redis key prefix, each with its own store and connection. */
    async function boot(partSize = PART) {
      const run = ++runs;
      const start = async () => {
        const store = new S3Store({ clientConfig: s3.clientConfig, bucket: BUCKET, prefix: `run${run}/`, partSize });
        const client = new Redis(redis.server.url);
        const locker = new RedisLocker({ client, keyPrefix: `offsets:${process.pid}:${run}:` });
        h.defer(() => client.quit());
        h.defer(() => locker.close());
        h.defer(() => store.destroy());
        return h.start(adapter, { options: { path: 'files', store, locker } });
      };
      const [a, b] = [await start(), await start()];
      return { a: a.url, b: b.url };
    }

    const download = async (url: string, uploadPath: string) => {
      const res = await request(url, { method: 'GET', path: uploadPath, headers: TUS, timeoutMs: 60_000 });
      expect(res.status).toBe(200);
      return res.body;
    };

    for (const where of ['same', 'other'] as const) {
      it(`HEAD during a stalled PATCH (${where} instance), then a PATCH at that offset: 204`, async () => {
        const { a, b } = await boot();
        const there = where === 'same' ? a : b;
        const data = randomBytes(3 * PART + 4321);
        const up = await createUpload(a, { length: data.length });
        // Less than a part, then nothing: the bytes sit in the holder's buffer.
        for (const sent of [600, PART + 600]) {
          const start = sent === 600 ? 0 : offsetOf(await head(there, up.uploadPath));
          const stalled = openRequest(a, {
            method: 'PATCH',
            path: up.uploadPath,
            headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': String(start), 'Content-Length': String(data.length - start) },
            timeoutMs: 60_000,
          });
          expect(await stalled.write(data.subarray(start, start + sent))).toBe(true);
          await sleep(300);
          const h1 = await head(there, up.uploadPath);
          expect(h1.status).toBe(200);
          const reported = offsetOf(h1);
          expect(reported).toBeGreaterThanOrEqual(start);
          expect(reported).toBeLessThanOrEqual(start + sent);
          // A second HEAD agrees: the offset does not move behind the client's back.
          expect(offsetOf(await head(b, up.uploadPath))).toBe(reported);

          // The resume interrupts the stalled PATCH; nothing it held beyond `reported` may count.
          const until = sent === 600 ? reported + PART : data.length;
          const resumed = await patch(there, up.uploadPath, reported, data.subarray(reported, until));
          expect([resumed.status, resumed.body.toString()]).toEqual([204, '']);
          expect(offsetOf(resumed)).toBe(until);
          const old = await stalled.settled;
          if (!(old instanceof Error)) expect([old.status, offsetOf(old)]).toEqual([204, reported]);
          stalled.abort();
        }
        expect(offsetOf(await head(b, up.uploadPath))).toBe(data.length);
        expect(sha256(await download(b, up.uploadPath))).toBe(sha256(data));
      });

      it(`HEAD right after an aborted PATCH (${where} instance), then a PATCH at that offset: accepted`, async () => {
        const { a, b } = await boot();
        const there = where === 'same' ? a : b;
        const data = randomBytes(4 * PART);
        const up = await createUpload(a, { length: data.length });
        let offset = 0;
        // Three rounds, each cut at a different point (inside a part, just past a part boundary).
        for (const cut of [MiB + 123, PART + 4567, 2 * MiB]) {
          const aborted = openRequest(a, {
            method: 'PATCH',
            path: up.uploadPath,
            headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': String(offset), 'Content-Length': String(data.length - offset) },
            timeoutMs: 60_000,
          });
          for (let sent = 0; sent < cut; sent += 256 * 1024) {
            expect(await aborted.write(data.subarray(offset + sent, offset + Math.min(cut, sent + 256 * 1024)))).toBe(true);
          }
          await sleep(100);
          aborted.abort();
          const reported = offsetOf(await head(there, up.uploadPath));
          expect(reported).toBeGreaterThanOrEqual(offset);
          expect(reported).toBeLessThanOrEqual(offset + cut);
          const next = Math.min(data.length, reported + MiB);
          const resumed = await patch(there, up.uploadPath, reported, data.subarray(reported, next));
          expect([resumed.status, resumed.body.toString()], `PATCH at the offset HEAD reported (${reported})`).toEqual([204, '']);
          expect(offsetOf(resumed)).toBe(next);
          offset = next;
        }
        const rest = await patch(b, up.uploadPath, offset, data.subarray(offset));
        expect([rest.status, offsetOf(rest)]).toEqual([204, data.length]);
        expect(sha256(await download(a, up.uploadPath))).toBe(sha256(data));
      });
    }

    it('tus-js-client aborted at half of a 16 MiB upload and resumed re-sends only what the server lacked (at most 1.5 times the file in all)', async () => {
      // The default part size (8 MiB): at the abort up to that much is in the writer's buffer.
      const { a } = await boot(8 * MiB);
      const SIZE = 16 * MiB;
      // The first connection (creation and the first PATCH) reaches the server only up to half the file,
      // and the client is aborted right there. Aborting on progress instead would race: on loopback the
      // whole body can be written in one 100 ms progress interval, and nothing would be lacking.
      let abortFirst = (): void => undefined;
      const proxy = await startCountingProxy(a, {
        forwardAtMost: (index) => (index === 0 ? SIZE / 2 : undefined),
        onForwardLimit: () => abortFirst(),
      });
      h.defer(() => proxy.stop());
      const data = randomBytes(SIZE);
      /** Connections opened before the resume: the first client's (bytes still in flight at the abort count there). */
      let before = 0;
      const resumedStatuses: string[] = [];
      let resumedAt: number | undefined;
      const done = await new Promise<tus.Upload>((resolve, reject) => {
        // tus-js-client's default retries: a 409 or 423 is retried, which is how a wrong offset costs bytes.
        const first: tus.Upload = new tus.Upload(data, {
          endpoint: `${proxy.url}/files`,
          metadata: { filename: 'half.bin' },
          onError: reject,
        });
        abortFirst = () => {
          void first.abort().then(() => {
            before = proxy.perConnection.length;
            // Resumed at once by a new client on the upload URL (a page reload, a resume button).
            const resumed = new tus.Upload(data, {
              uploadUrl: first.url,
              onAfterResponse(req, res) {
                resumedStatuses.push(`${req.getMethod()} ${res.getStatus()}`);
                if (req.getMethod() === 'HEAD') resumedAt = Number(res.getHeader('Upload-Offset'));
              },
              onSuccess: () => resolve(resumed),
              onError: reject,
            });
            resumed.start();
          }, reject);
        };
        first.start();
      });
      // What the resumed client sent beyond the bytes the server lacked: request heads only.
      const resumedSent = proxy.perConnection.slice(before).reduce((sum, n) => sum + n, 0);
      const resent = resumedSent - (SIZE - resumedAt!);
      expect(resent, `the resume started at ${resumedAt} and re-sent ${resent} bytes more than the server lacked`).toBeLessThan(16 * 1024);
      expect(resumedStatuses).toEqual(['HEAD 200', 'PATCH 204']);
      expect(proxy.received / SIZE, `sent ${proxy.received} bytes for a file of ${SIZE}`).toBeLessThanOrEqual(1.5);
      const uploadPath = new URL(done.url!).pathname;
      expect(sha256(await download(a, uploadPath))).toBe(sha256(data));
    }, 120_000);
  });
});
