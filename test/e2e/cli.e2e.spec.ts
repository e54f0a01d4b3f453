// The `nestjs-tus` command (compiled bin, dist/src/cli/main.js) in a child process against a real app on
// both adapters: plain progress lines when stdout is not a terminal, --json, Ctrl-C (SIGINT) then the same
// command resuming from the server's offset, non-zero exits with the server's reason (413, 401), info
// and delete.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { REPO_ROOT } from '../support/child.js';
import { offsetOf, readData, sha256, sleep } from '../support/tus.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const BIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** Bearer `good` passes (no header passes too); PATCHes take 20 ms more, like a slow link, so a test can interrupt one. */
@Injectable()
class SlowTokenGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { method, headers } = context.switchToHttp().getRequest<{ method: string; headers: Record<string, string | undefined> }>();
    if (headers.authorization !== undefined && headers.authorization !== 'Bearer good') throw new UnauthorizedException('send Authorization: Bearer <token>');
    if (method === 'PATCH') await sleep(20);
    return true;
  }
}

describe.each(ADAPTERS)('nestjs-tus CLI (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { guards: [SlowTokenGuard] }, async (app, h) => {
    const work = await h.tempDir('nestjs-tus-cli-');
    return { work, endpoint: `${app.url}/files`, cache: path.join(work, 'cache') };
  });

  const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;

  async function file(work: string, name: string, size: number) {
    const bytes = randomBytes(size);
    await writeFile(path.join(work, name), bytes);
    return bytes;
  }

  it('prints plain progress lines when stdout is not a terminal, and the upload URL', async () => {
    const { dir, work, endpoint, cache } = await h.boot();
    const bytes = await file(work, 'notes.txt', 20 * MiB); // 80 slowed PATCHes: over a second, so progress lines
    const run = cli(['upload', 'notes.txt', '--endpoint', endpoint, '--chunk-size', '256KiB', '-H', 'Authorization: Bearer good'], work, cache);
    expect(await run.exited, run.stderr()).toBe(0);
    const lines = run.lines();
    expect(lines[0]).toBe('notes.txt: uploading 20.0 MiB');
    expect(lines.length).toBeGreaterThan(2);
    const done = /^notes\.txt: done in \d+s: (http:\/\/\S+)$/.exec(lines.at(-1)!);
    expect(done, lines.join('\n')).not.toBeNull();
    for (const line of lines.slice(1, -1)) expect(line).toMatch(/^notes\.txt: [\d.]+ (B|KiB|MiB) of 20\.0 MiB \(\d+%\), [\d.]+ (B|KiB|MiB)\/s, ETA \S+$/);
    expect(sha256(await readData(dir, idOf(done![1]!)))).toBe(sha256(bytes));
    const info = cli(['info', done![1]!, '--json'], work, cache);
    expect(await info.exited).toBe(0);
    expect(JSON.parse(info.lines()[0]!)).toMatchObject({ offset: bytes.length, length: bytes.length, metadata: { filename: 'notes.txt', filetype: 'text/plain' } });
  });

  it('--json: one event per line, --metadata, several files', async () => {
    const { work, endpoint, cache } = await h.boot();
    await file(work, 'a.bin', 100 * KiB);
    await file(work, 'b.bin', 200 * KiB);
    const run = cli(['upload', 'a.bin', 'b.bin', '-e', endpoint, '--json', '-m', 'project=x'], work, cache);
    expect(await run.exited, run.stderr()).toBe(0);
    const events = run.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((e) => e.event !== 'progress')).toEqual([
      { event: 'start', file: 'a.bin', size: 100 * KiB },
      { event: 'done', file: 'a.bin', url: expect.stringMatching(/^http:/) },
      { event: 'start', file: 'b.bin', size: 200 * KiB },
      { event: 'done', file: 'b.bin', url: expect.stringMatching(/^http:/) },
    ]);
    expect(events.filter((e) => e.event === 'progress' && e.file === 'b.bin').at(-1)).toEqual({ event: 'progress', file: 'b.bin', bytes: 200 * KiB, total: 200 * KiB });
    const info = cli(['info', events[events.length - 1]!.url as string], work, cache);
    expect(await info.exited).toBe(0);
    expect(info.lines()).toContain('metadata: filename=b.bin, filetype=application/octet-stream, project=x');
  });

  it('--parallel 3 --checksum sha256 uploads byte-exact; an algorithm the server lacks is refused', async () => {
    const { dir, work, endpoint, cache } = await h.boot();
    const bytes = await file(work, 'parts.bin', 3 * MiB + 1);
    const run = cli(['upload', 'parts.bin', '-e', endpoint, '--parallel', '3', '--checksum', 'sha256', '--chunk-size', '512KiB', '--json'], work, cache);
    expect(await run.exited, run.stderr()).toBe(0);
    const { url } = JSON.parse(run.lines().at(-1)!) as { url: string };
    expect(sha256(await readData(dir, idOf(url)))).toBe(sha256(bytes));
    const refused = cli(['upload', 'parts.bin', '-e', endpoint, '--checksum', 'crc32'], work, cache);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toContain('cannot verify crc32 checksums (it offers md5, sha1, sha256, sha512)');
  });

  it('Ctrl-C stops cleanly (exit 130); the same command then resumes from the server’s offset', async () => {
    const { dir, work, endpoint, cache } = await h.boot();
    const bytes = await file(work, 'big.bin', 24 * MiB);
    const chunk = 256 * KiB;
    const args = ['upload', 'big.bin', '-e', endpoint, '--chunk-size', String(chunk), '--json'];
    const first = cli(args, work, cache);
    await first.waitFor((line) => (JSON.parse(line) as { bytes?: number }).bytes! > 2 * chunk);
    first.proc.kill('SIGINT');
    expect(await first.exited, first.stderr()).toBe(130);
    const interrupted = JSON.parse(first.lines().at(-1)!) as { event: string; url: string; offset: number; total: number };
    expect(interrupted).toMatchObject({ event: 'interrupted', file: 'big.bin', total: bytes.length });
    expect(interrupted.offset).toBeGreaterThanOrEqual(2 * chunk);
    expect(interrupted.offset).toBeLessThan(bytes.length);
    // The default URL store: nestjs-tus/uploads.json under XDG_CACHE_HOME.
    expect(await readFile(path.join(cache, 'nestjs-tus', 'uploads.json'), 'utf8')).toContain(interrupted.url);

    // The server keeps what reached it of the PATCH cut by Ctrl-C: its offset may be past the last one the
    // client saw acknowledged, by less than a chunk. The resume must start exactly there.
    const { origin, pathname } = new URL(interrupted.url);
    const serverOffset = await offsetOf(origin, pathname);
    expect(serverOffset).toBeGreaterThanOrEqual(interrupted.offset);
    expect(serverOffset).toBeLessThan(interrupted.offset + chunk);

    const second = cli(args, work, cache);
    expect(await second.exited, second.stderr()).toBe(0);
    const events = second.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toContainEqual({ event: 'resume', file: 'big.bin', url: interrupted.url, offset: serverOffset });
    expect(events.at(-1)).toEqual({ event: 'done', file: 'big.bin', url: interrupted.url });
    expect(sha256(await readData(dir, idOf(interrupted.url)))).toBe(sha256(bytes));
  });

  it('exits 1 with the server’s reason: 413 over maxSize, 401 for a wrong token', async () => {
    const { work, endpoint, cache } = await h.boot({ maxSize: 1000 });
    await file(work, 'big.bin', 2000);
    const tooBig = cli(['upload', 'big.bin', '-e', endpoint], work, cache);
    expect(await tooBig.exited).toBe(1);
    expect(tooBig.stderr()).toMatch(/^big\.bin: failed: 413 .*1000/m);
    await file(work, 'small.bin', 10);
    const denied = cli(['upload', 'small.bin', '-e', endpoint, '-H', 'Authorization: Bearer bad'], work, cache);
    expect(await denied.exited).toBe(1);
    expect(denied.stderr()).toBe('small.bin: failed: 401 send Authorization: Bearer <token>\n');
    const json = cli(['upload', 'small.bin', '-e', endpoint, '-H', 'Authorization: Bearer bad', '--json'], work, cache);
    expect(await json.exited).toBe(1);
    expect(JSON.parse(json.lines().at(-1)!)).toMatchObject({ event: 'error', file: 'small.bin', status: 401, reason: 'send Authorization: Bearer <token>' });
  });

  it('delete removes an upload; info on it then fails with the status', async () => {
    const { work, endpoint, cache } = await h.boot();
    await file(work, 'gone.bin', 1000);
    const run = cli(['upload', 'gone.bin', '-e', endpoint, '--json'], work, cache);
    expect(await run.exited).toBe(0);
    const { url } = JSON.parse(run.lines().at(-1)!) as { url: string };
    const deleted = cli(['delete', url], work, cache);
    expect(await deleted.exited).toBe(0);
    expect(deleted.lines()).toEqual([`deleted ${url}`]);
    const info = cli(['info', url], work, cache);
    expect(await info.exited).toBe(1);
    expect(info.stderr()).toMatch(new RegExp(`^nestjs-tus: HEAD ${url} answered (404|410)`));
  });
});

function cli(args: string[], cwd: string, cache: string) {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, XDG_CACHE_HOME: cache }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const waiters: Array<{ test: (line: string) => boolean; resolve: () => void }> = [];
  const reader = createInterface({ input: proc.stdout });
  reader.on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.splice(0)) if (waiter.test(line)) waiter.resolve();
      else waiters.push(waiter);
  });
  const closed = new Promise<void>((resolve) => reader.once('close', resolve));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => void closed.then(() => resolve(code))));
  return {
    proc,
    exited,
    lines: () => lines,
    stderr: () => err,
    waitFor: (test: (line: string) => boolean) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then((code) => reject(new Error(`the CLI exited (${code}) first; stderr:\n${err}`)));
      }),
  };
}
