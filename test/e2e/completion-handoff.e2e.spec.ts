// A completion owed by a killed instance is run by another instance (issue 5). Two child-server processes,
// A and B, share OpenStack Swift with s3api (S3Store) and redis-server (RedisLocker); each scans the
// bucket for owed completions every RETRY_DELAY ms. An upload completed on A (directly, not through a load
// balancer) whose handler hangs is not run by B while A lives: A renews the completion lock, B's scans
// find it busy. After SIGKILL of A the lock runs out and B runs the handler, once, on the right record,
// and the pending-completion record leaves the bucket.
import { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD, REPO_ROOT, killHard, sharedStorageEnv, startChild, type Child } from '../support/child.js';
import { header } from '../support/http.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { bucketContents, s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { createUpload, head, patch, sleep } from '../support/tus.js';

const BUCKET = 'handoff';
const PREFIX = 'uploads/';
const LOCK_TTL = 1_500;
const RETRY_DELAY = 250;
/** How long B is watched while A hangs in the handler: several lock lifetimes and many scans. */
const QUIET = 3 * LOCK_TTL;
/** B must have run the handler by then after the kill (lock expiry + one scan + a wide margin). */
const HANDOFF_BOUND = LOCK_TTL + RETRY_DELAY + 20_000;

const available = existsSync(CHILD) && redisServerAvailable() && s3ServerAvailable('swift');

describe('completion handoff between instances (Redis locks, S3Store on Swift)', () => {
  it('the compiled child server exists', () => {
    expect(existsSync(CHILD), `${path.relative(REPO_ROOT, CHILD)} is missing: run \`npm test\` (its tsc step compiles test/fixtures)`).toBe(true);
  });

  describe.skipIf(!available)('two instances', () => {
    let redis: RedisServer | undefined;
    let s3: S3Server | undefined;
    let client: S3Client | undefined;
    let dir: string | undefined;
    let a: Child;
    let b: Child;
    let log: string;
    let hung: string;

    beforeAll(async () => {
      [redis, s3] = await Promise.all([startRedisServer(), startS3Server('swift')]);
      const shared = await sharedStorageEnv(s3, redis, BUCKET, PREFIX);
      client = new S3Client(s3.clientConfig);
      dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-handoff-'));
      log = path.join(dir, 'completion.log');
      hung = path.join(dir, 'hung');
      const env = {
        ...shared,
        LOCK_TTL: String(LOCK_TTL),
        COMPLETION_RETRY_DELAY: String(RETRY_DELAY),
        COMPLETION_LOG: log,
      };
      // Only A hangs: its first handler run creates `hung` and never returns.
      a = await startChild(dir, { ...env, INSTANCE: 'a', HANG_ONCE: hung });
      b = await startChild(dir, { ...env, INSTANCE: 'b' });
    }, 120_000);

    afterAll(async () => {
      await Promise.all([a, b].filter(Boolean).map((c) => killHard(c)));
      client?.destroy();
      await Promise.all([redis?.stop(), s3?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    const readLog = () => readFile(log, 'utf8').catch(() => '');
    const pendingRecords = async () => (await bucketContents(client!, BUCKET, PREFIX)).filter((key) => key.startsWith('.tus-completions/'));
    /** B's `tryAcquire completion:<id> …` lines printed after `from` characters of its stdout. */
    const attemptsOfB = (id: string, from = 0) =>
      b.stdout().slice(from).match(new RegExp(`^tryAcquire completion:${id} \\w+$`, 'gm')) ?? [];

    it('A is killed mid-handler: B leaves it alone while A holds the lock, then runs it once', async () => {
      const SIZE = 123_456;
      const up = await createUpload(a.url, { length: SIZE });
      // The handler's log line: what, upload id, instance, offset/length of the record it got.
      const line = (what: 'start' | 'done', who: 'a' | 'b') => `${what} ${up.id} ${who} ${SIZE}/${SIZE}\n`;

      // Inline completion: A's last PATCH waits for the handler, which hangs; the answer never comes.
      const answer = patch(a.url, up.uploadPath, 0, randomBytes(SIZE)).catch((error: unknown) => error);
      for (let i = 0; i < 500 && !existsSync(hung); i++) await sleep(20);
      expect(existsSync(hung), 'A never started the handler').toBe(true);
      expect(await readLog()).toBe(line('start', 'a'));
      expect(await pendingRecords()).toEqual([`.tus-completions/${up.id}`]);

      // A lives and renews the lock: over several lock lifetimes B's scans try it and are refused.
      const mark = b.stdout().length;
      await sleep(QUIET);
      const refused = attemptsOfB(up.id, mark);
      expect(refused.length, 'B did not scan for owed completions while A was hanging').toBeGreaterThanOrEqual(2);
      expect(new Set(refused)).toEqual(new Set([`tryAcquire completion:${up.id} busy`]));
      expect(await readLog(), 'B ran the handler while A still held the lock').toBe(line('start', 'a'));
      expect(a.proc.exitCode).toBeNull();

      await killHard(a);
      const killedAt = Date.now();
      await answer;

      // The lock runs out within LOCK_TTL; B's next scan takes it and runs the handler to the end.
      while (!(await readLog()).includes('done') && Date.now() - killedAt < HANDOFF_BOUND) await sleep(50);
      const handoffMs = Date.now() - killedAt;
      expect(await readLog(), `B did not finish the handler within ${HANDOFF_BOUND} ms of the kill`).toBe(
        line('start', 'a') + line('start', 'b') + line('done', 'b'),
      );
      // Taken more than once only when A's upload lock outlived its completion lock: that scan then left the
      // record alone (the log above says B ran the handler once).
      expect(attemptsOfB(up.id).filter((l) => l.endsWith(' taken')).length, `handoff after ${handoffMs} ms`).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 100 && (await pendingRecords()).length > 0; i++) await sleep(50);
      expect(await pendingRecords()).toEqual([]);

      // Later scans find nothing owed: no further attempt, no second run; the upload itself stays.
      const after = b.stdout().length;
      await sleep(2 * LOCK_TTL);
      expect(attemptsOfB(up.id, after)).toEqual([]);
      expect(await readLog()).toBe(line('start', 'a') + line('start', 'b') + line('done', 'b'));
      const h = await head(b.url, up.uploadPath);
      expect([h.status, header(h, 'upload-offset'), header(h, 'upload-length')]).toEqual([200, String(SIZE), String(SIZE)]);
    }, 120_000);
  });
});
