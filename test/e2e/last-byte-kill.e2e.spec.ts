// A completion cannot be lost at the last byte: the child server is SIGKILLed AT the moment an upload
// becomes complete (right after the store's append that reached the length returned, or right after the
// first HEAD answer saying offset == length), restarted on the same store, and every such upload must
// reach the UploadCompleteHandler, exactly once (the kill always comes before the handler started). File store (with and without fsync), the @tus adapter over
// @tus/file-store, and S3Store on Swift.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../src/index.js';
import { useHarness, type Harness } from '../support/app.js';
import { CHILD, REPO_ROOT, killHard, startChild, type Child } from '../support/child.js';
import { header } from '../support/http.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { createUpload, head, patch, sleep } from '../support/tus.js';

/** Wait for the handler's `done` lines after a restart (startup scan, then one every RETRY_DELAY). */
const DONE_WITHIN = 20_000;
const RETRY_DELAY = 200;

const readLog = (log: string) => readFile(log, 'utf8').catch(() => '');
const count = (text: string, line: string) => text.split('\n').filter((l) => l === line).length;
const exitOf = (child: Child) => new Promise<string | null>((resolve) => child.proc.once('exit', (_code, signal) => resolve(signal)));

async function waitForDone(log: string, ids: string[]): Promise<string> {
  const deadline = Date.now() + DONE_WITHIN;
  let text = await readLog(log);
  while (Date.now() < deadline && !ids.every((id) => text.includes(`done ${id}\n`))) {
    await sleep(50);
    text = await readLog(log);
  }
  return text;
}

/**
 * `rounds` times: `batch` uploads get their whole body in one PATCH each, held by the store at the `at`
 * moment (see test/fixtures/kill-switch.ts) until the process is killed with all of them there; then it
 * restarts on the same store (the next round runs on the restarted process). For 'head', pollers send
 * HEAD for every upload until the kill, which comes once each has been answered complete.
 */
async function killAtLastByte(
  h: Harness,
  env: Record<string, string>,
  at: 'append' | 'head',
  rounds: number,
  batch: number,
): Promise<{ ids: string[]; log: string; dir: string }> {
  const dir = await h.tempDir();
  const log = path.join(await h.tempDir(), 'completion.log');
  const childEnv = { ...env, COMPLETION_LOG: log, KILL_AT: at, KILL_BATCH: String(batch), COMPLETION_RETRY_DELAY: String(RETRY_DELAY) };
  let child = await startChild(dir, childEnv);
  h.defer(() => killHard(child));
  const ids: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const uploads = await Promise.all(
      Array.from({ length: batch }, async (_, i) => {
        const body = randomBytes(48 * 1024 + round * batch + i);
        return { body, up: await createUpload(child.url, { length: body.length }) };
      }),
    );
    let dead = false;
    const exited = exitOf(child).then((signal) => ((dead = true), signal));
    const answers = uploads.map(({ up, body }) => patch(child.url, up.uploadPath, 0, body).catch((error: unknown) => error));
    if (at === 'head') {
      const url = child.url;
      const poll = async (uploadPath: string) => {
        while (!dead) await head(url, uploadPath).catch(() => undefined);
      };
      await Promise.all(uploads.map(({ up }) => poll(up.uploadPath)));
    }
    expect(await exited, `round ${round}: the child was not killed at the last byte; stderr:\n${child.stderr()}`).toBe('SIGKILL');
    for (const answer of await Promise.all(answers)) expect(answer, 'a PATCH was answered although the process died before').toBeInstanceOf(Error);
    child = await startChild(dir, childEnv);
    const roundIds = uploads.map(({ up }) => up.id);
    const text = await waitForDone(log, roundIds);
    for (const { up, body } of uploads) {
      expect(count(text, `done ${up.id}`), `round ${round}: upload ${up.id} killed at its last byte never reached the handler`).toBeGreaterThanOrEqual(1);
      const res = await head(child.url, up.uploadPath);
      expect([res.status, header(res, 'upload-offset')]).toEqual([200, String(body.length)]);
    }
    ids.push(...roundIds);
  }
  return { ids, log, dir };
}

/** Exactly once each: the kill came before any handler run started, and nothing else failed. */
async function expectExactlyOnce(ids: string[], log: string): Promise<void> {
  await sleep(3 * RETRY_DELAY); // later scans must not run any of them again
  const text = await readLog(log);
  for (const id of ids) expect([count(text, `start ${id}`), count(text, `done ${id}`)], `handler runs of ${id}`).toEqual([1, 1]);
}

const pendingFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.completion'));

describe('completion at the last byte survives SIGKILL (express, child process)', () => {
  const h = useHarness();

  it('the compiled child server exists', () => {
    expect(existsSync(CHILD), `${path.relative(REPO_ROOT, CHILD)} is missing: run \`npm test\` (its tsc step compiles test/fixtures)`).toBe(true);
  });

  it.skipIf(!existsSync(CHILD))('file store: 30 uploads killed right after their last byte was stored each run the handler exactly once', async () => {
    const { ids, log, dir } = await killAtLastByte(h, {}, 'append', 3, 10);
    expect(ids).toHaveLength(30);
    await expectExactlyOnce(ids, log);
    expect(await pendingFiles(dir)).toEqual([]);
  }, 90_000);

  it.skipIf(!existsSync(CHILD))('file store with fsync, background completion: 10 uploads killed at the last byte, each run once', async () => {
    const { ids, log, dir } = await killAtLastByte(h, { FSYNC: '1', COMPLETION_MODE: 'background' }, 'append', 1, 10);
    await expectExactlyOnce(ids, log);
    expect(await pendingFiles(dir)).toEqual([]);
  }, 60_000);

  it.skipIf(!existsSync(CHILD))('@tus adapter over @tus/file-store: 10 uploads killed at the last byte, each run once', async () => {
    const { ids, log } = await killAtLastByte(h, { STORE: 'adapter' }, 'append', 1, 10);
    await expectExactlyOnce(ids, log);
  }, 60_000);

  it.skipIf(!existsSync(CHILD))('file store: 20 uploads killed right after HEAD first said offset == length each run the handler exactly once', async () => {
    const { ids, log, dir } = await killAtLastByte(h, {}, 'head', 2, 10);
    await expectExactlyOnce(ids, log);
    expect(await pendingFiles(dir)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!existsSync(CHILD) || !s3ServerAvailable('swift'))('completion at the last byte survives SIGKILL (S3Store on Swift)', () => {
  const h = useHarness();
  let s3: S3Server | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    s3 = await startS3Server('swift');
    const bucket = 'last-byte';
    const setup = new S3Store({ clientConfig: s3.clientConfig, bucket, createBucket: true });
    await setup.init();
    setup.destroy();
    const credentials = s3.clientConfig.credentials as { accessKeyId: string; secretAccessKey: string };
    env = { S3_ENDPOINT: s3.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY: credentials.accessKeyId, S3_SECRET_KEY: credentials.secretAccessKey, S3_PREFIX: 'k/' };
  }, 120_000);
  afterAll(() => s3?.stop(), 60_000);

  it('10 uploads killed right after their completing commit each run the handler exactly once', async () => {
    const { ids, log } = await killAtLastByte(h, env, 'append', 2, 5);
    await expectExactlyOnce(ids, log);
  }, 90_000);
});
