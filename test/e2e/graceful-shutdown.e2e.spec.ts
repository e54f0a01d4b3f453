// Graceful shutdown, on a real process (the child server with enableShutdownHooks) on both adapters:
// SIGTERM while tus-js-client PATCHes run at 1 MiB/s. The PATCHes are asked to stop as a newer request
// would (their bytes are kept), events$ emits through the last progress event, the process exits within
// shutdownTimeout + 1 s, and every client resumes on the next instance (same port) to a byte-exact file.
// A completion handler that does not end is cut at shutdownTimeout and runs again on the next start.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useHarness } from '../support/app.js';
import { CHILD, REPO_ROOT, killHard, startChild, type Child } from '../support/child.js';
import { freePort } from '../support/server-tools.js';
import { header, openRequest } from '../support/http.js';
import { OCTET, TUS, createUpload, head, patch, pattern, post, readData, sha256, sleep } from '../support/tus.js';
import { idOf, runUpload, throttledHttpStack, type Sent } from '../support/tus-js-client.js';

const MiB = 1024 * 1024;
const SIZE = 4 * MiB;
const SHUTDOWN_TIMEOUT = 4000;

/** Resolves with the time from now until the process is gone, and how it ended. */
function exitOf(child: Child): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) resolve({ ms: 0, code: child.proc.exitCode, signal: child.proc.signalCode });
    child.proc.once('exit', (code, signal) => resolve({ ms: Date.now() - started, code, signal }));
  });
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** `event <type> <id> <offset>` lines the child printed. */
function eventLines(child: Child): string[] {
  return child.stdout().split('\n').filter((line) => line.startsWith('event'));
}

describe.each(ADAPTERS)('graceful shutdown (%s, child process)', (adapter) => {
  const h = useHarness();

  it('the compiled child server exists', () => {
    expect(existsSync(CHILD), `${path.relative(REPO_ROOT, CHILD)} is missing: run \`npm test\` (its tsc step compiles test/fixtures)`).toBe(true);
  });

  it.skipIf(!existsSync(CHILD))('SIGTERM mid-PATCH: the PATCHes stop with their bytes kept, events run to the end, the process exits and the clients resume byte-exact', async () => {
    const dir = await h.tempDir();
    const port = await freePort();
    const env = { ADAPTER: adapter, PORT: String(port), SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT), EVENTS: '1' };
    let child = await startChild(dir, env);
    h.defer(() => killHard(child));

    const sources = [pattern(SIZE, 11), pattern(SIZE, 12)];
    const progress = sources.map(() => 0);
    let phase = 1;
    const sent: Array<Array<Sent & { phase: number }>> = sources.map(() => []);
    const answers: Array<Array<{ phase: number; method: string; status: number; offset?: string }>> = sources.map(() => []);
    const clients = sources.map((data, i) =>
      runUpload(data, {
        endpoint: `${child.url}/files`,
        httpStack: throttledHttpStack(MiB),
        // tus-js-client retries 5xx and network errors: through the 503s and the restart.
        retryDelays: Array.from({ length: 60 }, () => 250),
        onBeforeRequest: (req) => void sent[i].push({ phase, method: req.getMethod(), offset: req.getHeader('Upload-Offset') }),
        onAfterResponse: (req, res) =>
          void answers[i].push({ phase, method: req.getMethod(), status: res.getStatus(), offset: res.getHeader('Upload-Offset') }),
        onProgress: (bytes) => (progress[i] = bytes),
      }),
    );
    await until(() => progress.every((p) => p >= MiB), 'both PATCHes to send 1 MiB');

    const first = child;
    const exit = exitOf(first);
    first.proc.kill('SIGTERM');
    const { ms, code, signal } = await exit;
    expect(ms, `exited after ${ms} ms`).toBeLessThan(SHUTDOWN_TIMEOUT + 1000);
    expect(signal === 'SIGTERM' || code === 0, `exit ${code ?? signal}; stderr:\n${first.stderr()}`).toBe(true);
    expect(first.stderr()).not.toMatch(/shutdown timeout/);

    // events$ emitted through the last event, then completed.
    const lines = first.stdout().trim().split('\n').filter((line) => line.startsWith('event'));
    expect(lines.at(-1)).toBe('events complete');
    if (process.env.SHUTDOWN_TRANSCRIPT) console.log(first.stdout() + first.stderr());
    const lastProgress = new Map<string, number>();
    for (const line of eventLines(first)) {
      const [, type, id, offset] = line.split(' ');
      if (type === 'progress') lastProgress.set(id, Number(offset));
    }

    phase = 2;
    child = await startChild(dir, env);
    const finished = await Promise.all(clients.map((c) => c.done));
    for (const [i, upload] of finished.entries()) {
      const id = idOf(upload.url);
      const stopped = lastProgress.get(id);
      expect(stopped, `no progress event for ${id}`).toBeGreaterThan(0);
      expect(stopped).toBeLessThan(SIZE);
      // An interrupted PATCH that got its answer was told the offset it stopped at.
      for (const answer of answers[i].filter((a) => a.phase === 1 && a.method === 'PATCH' && a.status === 204)) {
        expect(Number(answer.offset)).toBe(stopped);
      }
      // The client resumed where the first process stopped: nothing acknowledged was lost or repeated.
      const resumed = sent[i].find((s) => s.phase === 2 && s.method === 'PATCH');
      expect(resumed?.offset, `upload ${i} did not resume with a PATCH on the new process`).toBe(String(stopped));
      expect(sha256(await readData(dir, id))).toBe(sha256(sources[i]));
      expect(eventLines(child)).toContain(`event completed ${id} ${SIZE}`);
    }
    console.log(`[${adapter}] SIGTERM -> exit in ${ms} ms; stopped at ${[...lastProgress.values()].join(', ')}; resumed uploads sha256 ${sources.map((s) => sha256(s).slice(0, 16)).join(', ')}`);
  }, 90_000);

  it.skipIf(!existsSync(CHILD))('during the grace period HEAD answers, POST and PATCH get 503 with Retry-After; a handler still running at shutdownTimeout is cut and runs again on the next start', async () => {
    const dir = await h.tempDir();
    const log = path.join(dir, 'completions.log');
    await appendFile(log, '');
    const port = await freePort();
    const env = {
      ADAPTER: adapter,
      PORT: String(port),
      SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT),
      EVENTS: '1',
      COMPLETION_LOG: log,
      HANG_ONCE: path.join(dir, 'hung'),
    };
    let child = await startChild(dir, env);
    h.defer(() => killHard(child));

    const other = await createUpload(child.url, { length: 10 });
    const done = await createUpload(child.url, { length: 5 });
    // The last byte starts the handler, which hangs (inline completion: the PATCH waits for it).
    // Settled at once so the cut (a rejection while the test awaits the exit) is never unhandled.
    const finishing = patch(child.url, done.uploadPath, 0, Buffer.from('hello')).then(() => 'answered', () => 'cut');
    await until(() => existsSync(env.HANG_ONCE), 'the completion handler to start');

    const exit = exitOf(child);
    child.proc.kill('SIGTERM');
    await until(() => /shutting down/.test(child.stdout()), 'the shutdown to begin');

    const offset = await head(child.url, other.uploadPath);
    expect(offset.status).toBe(200);
    expect(header(offset, 'upload-offset')).toBe('0');
    expect(header(offset, 'connection')).toBe('close');
    const created = await post(child.url, { length: 10 });
    expect(created.status, created.body.toString()).toBe(503);
    expect(header(created, 'retry-after')).toBe('1');
    expect(header(created, 'tus-resumable')).toBe('1.0.0');
    expect(created.body.toString()).toMatch(/shutting down/);
    const appended = await patch(child.url, other.uploadPath, 0, Buffer.from('abc'));
    expect(appended.status).toBe(503);
    expect(header(appended, 'retry-after')).toBe('1');

    const { ms } = await exit;
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT + 1000);
    expect(await finishing).toBe('cut');
    expect(child.stderr() + child.stdout()).toMatch(/shutdown timeout \(4000 ms\) reached: cut \d+ connection/);
    expect(eventLines(child).filter((l) => l.includes(other.id))).toEqual([`event created ${other.id} 0`]);

    // Nothing acknowledged is lost: the last byte is stored, and the owed handler runs on the next start.
    child = await startChild(dir, env);
    await until(() => /done /.test(readFileSyncSafe(log)), 'the owed completion to run again', 15_000);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([`start ${done.id}`, `start ${done.id}`, `done ${done.id}`]);
    expect(header(await head(child.url, done.uploadPath), 'upload-offset')).toBe('5');
  }, 60_000);

  it.skipIf(!existsSync(CHILD))('a PATCH written by hand gets 204 with the offset it stopped at', async () => {
    const dir = await h.tempDir();
    const child = await startChild(dir, { ADAPTER: adapter, SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT) });
    h.defer(() => killHard(child));
    const up = await createUpload(child.url, { length: SIZE });
    const req = openRequest(child.url, {
      method: 'PATCH',
      path: up.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(SIZE) },
    });
    const source = pattern(SIZE, 3);
    for (let at = 0; at < MiB; at += 64 * 1024) expect(await req.write(source.subarray(at, at + 64 * 1024))).toBe(true);
    await sleep(200); // the server has read it
    const exit = exitOf(child);
    child.proc.kill('SIGTERM');
    const res = await req.response;
    expect(res.status).toBe(204);
    expect(header(res, 'upload-offset')).toBe(String(MiB));
    expect(header(res, 'connection')).toBe('close');
    expect((await exit).ms).toBeLessThan(SHUTDOWN_TIMEOUT + 1000);
    expect(sha256(await readData(dir, up.id))).toBe(sha256(source.subarray(0, MiB)));
  }, 60_000);
});

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
