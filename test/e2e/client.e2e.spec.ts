// nestjs-tus/client against a real app on both adapters: plain, chunked, parallel (concatenation), checksum,
// deferred-length stream, headers from a function, typed 4xx errors, metadata() and terminate(), and a
// client process SIGKILLed mid-upload whose upload a second process finishes from the URL store.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { Injectable, ServiceUnavailableException, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { FileUrlStore, TusClientError, TusHttpError, metadata, terminate, upload } from '../../src/client/index.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { REPO_ROOT } from '../support/child.js';
import { readData, sha256 } from '../support/tus.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const FIXTURE = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'client-upload.js');

/** What the server saw of each request (through a guard, which runs on every tus method but OPTIONS). */
interface Seen {
  method: string;
  checksum?: string;
  authorization?: string;
  concat?: string;
}
const seen: Seen[] = [];
/** How many PATCHes the guard still refuses with 503. */
let failPatches = 0;

@Injectable()
class RecordingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { method, headers } = context.switchToHttp().getRequest<{ method: string; headers: Record<string, string | undefined> }>();
    seen.push({ method, checksum: headers['upload-checksum'], authorization: headers.authorization, concat: headers['upload-concat'] });
    if (headers.authorization === 'Bearer wrong') throw new UnauthorizedException('send Authorization: Bearer <token>');
    if (method === 'PATCH' && failPatches > 0) {
      failPatches--;
      throw new ServiceUnavailableException('busy, try again');
    }
    return true;
  }
}

describe.each(ADAPTERS)('nestjs-tus/client (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { guards: [RecordingGuard] }, async (app, h) => {
    // Each app starts with a clean record of what the guard saw.
    seen.length = 0;
    failPatches = 0;
    const urlStore = path.join(await h.tempDir('nestjs-tus-client-'), 'uploads.json');
    return { urlStore, endpoint: `${app.url}/files` };
  });

  const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;

  it('uploads a file by path with filename and filetype from it, and forgets it in the URL store once done', async () => {
    const { dir, endpoint, urlStore } = await h.boot();
    const file = path.join(path.dirname(urlStore), 'report.pdf');
    const bytes = randomBytes(300 * KiB);
    await writeFile(file, bytes);
    const url = await upload(endpoint, file, { urlStore, metadata: { owner: 'me' } });
    expect(sha256(await readData(dir, idOf(url)))).toBe(sha256(bytes));
    const info = await metadata(url);
    expect(info).toMatchObject({ url, offset: bytes.length, length: bytes.length, expires: undefined });
    expect({ ...info.metadata }).toEqual({ filename: 'report.pdf', filetype: 'application/pdf', owner: 'me' });
    expect(Object.getPrototypeOf(info.metadata)).toBeNull();
    expect(seen.map((s) => s.method)).toEqual(['POST', 'PATCH', 'HEAD']);
    expect(await new FileUrlStore(urlStore).findAllUploads()).toEqual([]);
  });

  it('sends chunkSize chunks, asking the headers function before every request', async () => {
    const { dir, endpoint } = await h.boot();
    const bytes = randomBytes(MiB + 5);
    let asked = 0;
    const progress: number[] = [];
    const url = await upload(endpoint, bytes, {
      urlStore: false,
      chunkSize: 256 * KiB,
      headers: async () => ({ Authorization: `Bearer token-${++asked}` }),
      onProgress: (sent, total) => {
        expect(total).toBe(bytes.length);
        progress.push(sent);
      },
    });
    expect(sha256(await readData(dir, idOf(url)))).toBe(sha256(bytes));
    expect(seen.map((s) => s.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
    expect(seen.map((s) => s.authorization)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `Bearer token-${n}`));
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it('uploads in parallel parts and joins them (concatenation)', async () => {
    const { dir, endpoint } = await h.boot();
    const bytes = randomBytes(2 * MiB + 3);
    const url = await upload(endpoint, bytes, { urlStore: false, parallel: 3, metadata: { filename: 'joined.bin' } });
    expect(sha256(await readData(dir, idOf(url)))).toBe(sha256(bytes));
    const posts = seen.filter((s) => s.method === 'POST').map((s) => s.concat?.split(';')[0]);
    expect(posts).toEqual(['partial', 'partial', 'partial', 'final']);
    expect((await metadata(url)).metadata.filename).toBe('joined.bin');
  });

  it('checksum: every PATCH carries the sha256 of its chunk, which the server verifies', async () => {
    const { dir, endpoint } = await h.boot();
    const bytes = randomBytes(600 * KiB);
    const chunk = 256 * KiB;
    const file = path.join(dir, '..', `checksum-${adapter}-${process.pid}.bin`);
    await writeFile(file, bytes);
    h.defer(() => import('node:fs/promises').then((fs) => fs.rm(file, { force: true })));
    for (const source of [bytes, file]) {
      seen.length = 0;
      const url = await upload(endpoint, source, { urlStore: false, checksum: 'sha256', chunkSize: chunk, metadata: { filename: 'x' } });
      expect(sha256(await readData(dir, idOf(url)))).toBe(sha256(bytes));
      const expected = [0, 1, 2].map((i) => `sha256 ${createHash('sha256').update(bytes.subarray(i * chunk, (i + 1) * chunk)).digest('base64')}`);
      expect(seen.filter((s) => s.method === 'PATCH').map((s) => s.checksum)).toEqual(expected);
    }
  });

  it('checksum: an algorithm the server does not offer is refused before anything is created', async () => {
    const { endpoint } = await h.boot();
    const error = await upload(endpoint, Buffer.from('abc'), { urlStore: false, checksum: 'crc32' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TusClientError);
    expect((error as Error).message).toBe(`${endpoint} cannot verify crc32 checksums (it offers md5, sha1, sha256, sha512): choose another algorithm or upload without a checksum`);
    expect(seen.filter((s) => s.method === 'POST')).toEqual([]);
  });

  it('a stream of unknown length is uploaded with a deferred length', async () => {
    const { dir, endpoint } = await h.boot();
    const parts = Array.from({ length: 5 }, () => randomBytes(100 * KiB + 1));
    const url = await upload(endpoint, Readable.from(parts), { urlStore: false, chunkSize: 128 * KiB, metadata: { filename: 'stream.bin' } });
    const all = Buffer.concat(parts);
    expect(sha256(await readData(dir, idOf(url)))).toBe(sha256(all));
    expect((await metadata(url)).length).toBe(all.length);
  });

  it('typed errors: the status and the server’s one-line reason (413, 401, 404), not retried', async () => {
    const { endpoint } = await h.boot({ maxSize: 1000 });
    const tooBig = await upload(endpoint, randomBytes(2000), { urlStore: false }).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(TusHttpError);
    expect(tooBig).toMatchObject({ status: 413, method: 'POST', url: endpoint });
    expect((tooBig as TusHttpError).reason).toMatch(/1000/);
    const denied = await upload(endpoint, Buffer.from('abc'), { urlStore: false, headers: { Authorization: 'Bearer wrong' } }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ name: 'TusHttpError', status: 401, reason: 'send Authorization: Bearer <token>' });
    expect((denied as Error).message).toBe(`POST ${endpoint} answered 401: send Authorization: Bearer <token>`);
    const missing = await metadata(`${endpoint}/nosuchupload`).catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'TusHttpError', status: 404, method: 'HEAD' });
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(2);
  });

  it('retry: the predicate sees the typed error; with retry: false the first 503 is the answer', async () => {
    const { dir, endpoint } = await h.boot();
    const bytes = randomBytes(1000);
    failPatches = 2;
    const asked: Array<[number | undefined, number]> = [];
    const url = await upload(endpoint, bytes, {
      urlStore: false,
      retry: { delays: [0, 10, 10], shouldRetry: (error, attempt) => (asked.push([(error as TusHttpError).status, attempt]), true) },
    });
    expect(asked).toEqual([[503, 0], [503, 1]]);
    expect(sha256(await readData(dir, idOf(url)))).toBe(sha256(bytes));
    failPatches = 1;
    await expect(upload(endpoint, bytes, { urlStore: false, retry: false })).rejects.toMatchObject({ status: 503, reason: 'busy, try again', method: 'PATCH' });
  });

  it('terminate() deletes the upload; the server then answers 404 or 410', async () => {
    const { endpoint } = await h.boot();
    const url = await upload(endpoint, Buffer.from('bye'), { urlStore: false });
    await terminate(url);
    const after = await metadata(url, { retry: false }).catch((e: unknown) => e);
    expect([404, 410]).toContain((after as TusHttpError).status);
  });

  it('an AbortSignal stops the upload and rejects with its reason', async () => {
    const { endpoint } = await h.boot();
    const controller = new AbortController();
    const done = upload(endpoint, Readable.from((async function* () {
      yield randomBytes(64 * KiB);
      controller.abort(new Error('stop here'));
      yield randomBytes(64 * KiB);
    })()), { urlStore: false, chunkSize: 64 * KiB, signal: controller.signal });
    await expect(done).rejects.toThrow('stop here');
  });

  it('an AbortSignal fired while the source is being opened stops the upload before it is created', async () => {
    const { endpoint, urlStore } = await h.boot();
    const file = path.join(path.dirname(urlStore), 'early.bin');
    await writeFile(file, randomBytes(1000));
    const controller = new AbortController();
    const done = upload(endpoint, file, { urlStore: false, signal: controller.signal });
    controller.abort(new Error('changed my mind')); // upload() is waiting for the file's stat here
    await expect(done).rejects.toThrow('changed my mind');
    expect(seen.filter((s) => s.method === 'POST')).toEqual([]);
  });

  it('a client process SIGKILLed mid-upload: a second process resumes from the server offset and finishes it', async () => {
    const { dir, endpoint, urlStore } = await h.boot();
    const file = path.join(path.dirname(urlStore), 'big.bin');
    const bytes = randomBytes(16 * MiB);
    await writeFile(file, bytes);
    const chunk = 256 * KiB;

    const first = runFixture([endpoint, file, urlStore, String(chunk)]);
    // Sending the third chunk means the first two were acknowledged.
    await first.waitFor((line) => line.startsWith('progress ') && Number(line.slice(9)) > 2 * chunk);
    first.proc.kill('SIGKILL');
    await first.exited;
    const [stored] = Object.values(JSON.parse(await readFile(urlStore, 'utf8')).uploads as Record<string, { uploadUrl: string }>);
    const { offset } = await metadata(stored!.uploadUrl);
    expect(offset).toBeGreaterThanOrEqual(2 * chunk);
    expect(offset).toBeLessThan(bytes.length);

    const second = runFixture([endpoint, file, urlStore, String(chunk)]);
    const code = await second.exited;
    expect(code, second.stderr()).toBe(0);
    expect(second.lines()).toContain(`resume ${offset}`);
    expect(second.lines()).toContain(`done ${stored!.uploadUrl}`);
    expect(sha256(await readData(dir, idOf(stored!.uploadUrl)))).toBe(sha256(bytes));
    expect(JSON.parse(await readFile(urlStore, 'utf8')).uploads).toEqual({});
  });
});

function runFixture(args: string[]) {
  const proc = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const waiters: Array<{ test: (line: string) => boolean; resolve: () => void }> = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.splice(0)) if (waiter.test(line)) waiter.resolve();
      else waiters.push(waiter);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    lines: () => lines,
    stderr: () => err,
    waitFor: (test: (line: string) => boolean) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then((code) => reject(new Error(`client exited (${code}) first; stderr:\n${err}`)));
      }),
  };
}
