// Concurrent requests on one upload, with request bodies fed by hand, on both adapters:
// racing PATCHes never interleave, a newer PATCH interrupts a stalled older one (which keeps its bytes),
// HEAD does not wait for a running PATCH nor cut it short, DELETE ends a running PATCH.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, openRequest, type HttpResponse, type ManualRequest } from '../support/http.js';
import {
  OCTET,
  TUS,
  createUpload,
  del,
  exists,
  expectError,
  head,
  patch,
  pattern,
  readData,
  sleep,
} from '../support/tus.js';

const KiB = 1024;

/** Starts a PATCH whose body is written later by the test. */
function openPatch(url: string, uploadPath: string, offset: number, contentLength: number, timeoutMs = 20_000): ManualRequest {
  return openRequest(url, {
    method: 'PATCH',
    path: uploadPath,
    headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': String(offset), 'Content-Length': String(contentLength) },
    timeoutMs,
  });
}

/** Writes without waiting for a stalled socket for more than `ms` (the data stays queued). */
async function feed(req: ManualRequest, chunk: Buffer, ms = 50): Promise<void> {
  if (req.done) return;
  await Promise.race([req.write(chunk), sleep(ms)]);
}

function asResponse(outcome: HttpResponse | Error): HttpResponse {
  if (outcome instanceof Error) throw new Error(`expected a response, got ${outcome.message}`);
  return outcome;
}

describe.each(ADAPTERS)('concurrency (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter);

  it('two PATCHes at the same offset: the file is a clean prefix of one of them', async () => {
    const { url, dir } = await h.boot();
    const SIZE = 1024 * KiB;
    const CHUNK = 32 * KiB;
    const a = pattern(SIZE, 11);
    const b = pattern(SIZE, 22);
    const up = await createUpload(url, { length: SIZE });
    const ra = openPatch(url, up.uploadPath, 0, SIZE);
    const rb = openPatch(url, up.uploadPath, 0, SIZE);
    h.defer(() => ra.abort());
    h.defer(() => rb.abort());
    for (let at = 0; at < SIZE; at += CHUNK) {
      await feed(ra, a.subarray(at, at + CHUNK));
      await feed(rb, b.subarray(at, at + CHUNK));
      await sleep(2);
    }
    const outcomes = await Promise.all([ra.settled, rb.settled]);
    // The loser may be answered early (409/423, or 204 when interrupted) and its socket closed while
    // we still write: then Node can report EPIPE/ECONNRESET instead of the response. Never a hang.
    const responses = outcomes.filter((o): o is HttpResponse => !(o instanceof Error));
    for (const error of outcomes.filter((o): o is Error => o instanceof Error)) {
      expect(error.message).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    }
    for (const res of responses) expect([204, 409, 423]).toContain(res.status);
    // Both may be answered early (the interrupted one with 204, the late one with 409) while the client
    // still writes, so both outcomes can be socket errors: what must hold is below, whatever arrived.

    const offset = Number(header(await head(url, up.uploadPath), 'upload-offset'));
    const stored = await readData(dir, up.id);
    expect(stored.length).toBe(offset);
    const prefixOfA = stored.equals(a.subarray(0, offset));
    const prefixOfB = stored.equals(b.subarray(0, offset));
    expect(prefixOfA || prefixOfB, 'stored bytes are interleaved').toBe(true);
    for (const res of responses.filter((r) => r.status === 204)) {
      expect(Number(header(res, 'upload-offset'))).toBeLessThanOrEqual(offset);
    }
  });

  it('a newer PATCH interrupts a stalled older one, which keeps its bytes and answers 204', async () => {
    const { url, dir } = await h.boot();
    const SIZE = 256 * KiB;
    const FIRST = 100 * KiB;
    const data = pattern(SIZE, 33);
    const up = await createUpload(url, { length: SIZE });
    const older = openPatch(url, up.uploadPath, 0, SIZE);
    h.defer(() => older.abort());
    expect(await older.write(data.subarray(0, FIRST))).toBe(true);
    // Give the server the bytes (HEAD does not wait on the lock; it may or may not see progress).
    for (let i = 0; i < 20; i++) {
      const seen = Number(header(await head(url, up.uploadPath), 'upload-offset'));
      if (seen === FIRST) break;
      await sleep(100);
    }
    expect(older.done).toBe(false);

    // The client "resumes" from where it believes it is, while the older PATCH is still open.
    const newer = await patch(url, up.uploadPath, FIRST, data.subarray(FIRST));
    const old = asResponse(await older.settled);
    expect(old.status).toBe(204);
    expect(header(old, 'connection')).toBe('close');
    const reached = Number(header(old, 'upload-offset'));
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThanOrEqual(FIRST);

    if (reached === FIRST) {
      expect(newer.status).toBe(204);
      expect(header(newer, 'upload-offset')).toBe(String(SIZE));
    } else {
      expectError(newer, 409);
      expect((await readData(dir, up.id)).equals(data.subarray(0, reached))).toBe(true);
      const rest = await patch(url, up.uploadPath, reached, data.subarray(reached));
      expect(rest.status).toBe(204);
    }
    expect((await readData(dir, up.id)).equals(data)).toBe(true);
    expect(header(await head(url, up.uploadPath), 'upload-offset')).toBe(String(SIZE));
  });

  it('a HEAD during a long PATCH answers quickly and does not cut the PATCH short', async () => {
    const { url, dir } = await h.boot();
    const SIZE = 2048 * KiB;
    const CHUNK = 64 * KiB;
    const data = pattern(SIZE, 44);
    const up = await createUpload(url, { length: SIZE });
    const req = openPatch(url, up.uploadPath, 0, SIZE);
    h.defer(() => req.abort());
    let sent = 0;
    for (; sent < SIZE / 2; sent += CHUNK) {
      expect(await req.write(data.subarray(sent, sent + CHUNK))).toBe(true);
      await sleep(10);
    }

    const started = Date.now();
    const during = await head(url, up.uploadPath);
    const elapsed = Date.now() - started;
    expect(during.status).toBe(200);
    expect(elapsed).toBeLessThan(2_000);
    expect(header(during, 'upload-length')).toBe(String(SIZE));
    expect(Number(header(during, 'upload-offset'))).toBeLessThanOrEqual(sent);
    expect(req.done).toBe(false);

    for (; sent < SIZE; sent += CHUNK) {
      expect(await req.write(data.subarray(sent, sent + CHUNK))).toBe(true);
      await sleep(10);
    }
    await req.end();
    const res = asResponse(await req.settled);
    expect(res.status).toBe(204);
    expect(header(res, 'upload-offset')).toBe(String(SIZE));
    expect((await readData(dir, up.id)).equals(data)).toBe(true);
  });

  it('a DELETE during a PATCH ends the PATCH; the upload is 410 afterwards', async () => {
    const { url, dir } = await h.boot();
    const SIZE = 512 * KiB;
    const data = pattern(SIZE, 55);
    const up = await createUpload(url, { length: SIZE });
    const req = openPatch(url, up.uploadPath, 0, SIZE, 15_000);
    h.defer(() => req.abort());
    expect(await req.write(data.subarray(0, 64 * KiB))).toBe(true);
    await sleep(200);
    expect(req.done).toBe(false);

    const deleted = await del(url, up.uploadPath);
    expect(deleted.status).toBe(204);
    const outcome = await req.settled;
    if (outcome instanceof Error) {
      expect(outcome.message).not.toMatch(/no response/); // ended by the server, not by our timeout
    } else {
      expect(outcome.status).toBe(204);
    }
    expect((await head(url, up.uploadPath)).status).toBe(410);
    expectError(await patch(url, up.uploadPath, 0, 'x'), 410);
    expect(await exists(path.join(dir, up.id))).toBe(false);
  });

  it('a PATCH idle longer than idleTimeout keeps its bytes and is answered 500 + closed', async () => {
    const { url, dir } = await h.boot({ idleTimeout: 300 });
    const SIZE = 256 * KiB;
    const SENT = 40 * KiB;
    const data = pattern(SIZE, 66);
    const up = await createUpload(url, { length: SIZE });
    const req = openPatch(url, up.uploadPath, 0, SIZE, 10_000);
    h.defer(() => req.abort());
    expect(await req.write(data.subarray(0, SENT))).toBe(true);
    const outcome = await req.settled; // then nothing more: the server must give up on its own
    const res = asResponse(outcome);
    expectError(res, 500);
    expect(header(res, 'connection')).toBe('close');
    expect(await readData(dir, up.id)).toEqual(data.subarray(0, SENT));
    expect(header(await head(url, up.uploadPath), 'upload-offset')).toBe(String(SENT));
    const rest = await patch(url, up.uploadPath, SENT, data.subarray(SENT));
    expect(rest.status).toBe(204);
    expect((await readData(dir, up.id)).equals(data)).toBe(true);
  });
});
