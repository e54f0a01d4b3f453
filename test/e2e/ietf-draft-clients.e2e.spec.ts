// One upload, two protocols (created with the IETF draft and finished with tus v1, the reverse, one
// upload through interop 3, tus v1 and interop 9, and a draft append interrupted by a tus PATCH), a
// client written from the interop-9 text (test/support/interop9-client.ts), and tus-js-client 4's draft modes ('ietf-draft-03' sends
// interop 5, 'ietf-draft-05' interop 6): plain, chunked, data in the POST, resumed after abort and a
// deferred-length stream, on both adapters, with sha256-equal stored bytes.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RecordingComplete, RepoModule, UploadRepository } from '../fixtures/modules.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, openRequest, request, type HeaderInput } from '../support/http.js';
import { PARTIAL_UPLOAD, createdPath, draftAppend, draftCreate, draftGet, draftHead, expectDraft, reportedComplete } from '../support/draft.js';
import { UploadFailed, uploadInterop9 } from '../support/interop9-client.js';
import { MemoryUrlStorage, idOf, runUpload, type UploadInput, type UploadOptions } from '../support/tus-js-client.js';
import { TUS, createUpload, head, listDir, patch, pattern, readData, sha256, sleep } from '../support/tus.js';

const KiB = 1024;

describe.each(ADAPTERS)('IETF draft clients (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { uploadCompleteHandler: RecordingComplete, imports: [RepoModule] }, (app) => ({
    endpoint: `${app.url}/files`,
    completed: app.app.get(UploadRepository).completed,
  }));

  describe('one upload, both protocols', () => {
    it('created with the draft, finished with tus v1', async () => {
      const { url, dir, completed } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 8, { complete: false, length: 10, body: 'hello' }), url);
      const state = await head(url, uploadPath);
      expect([state.status, header(state, 'upload-offset'), header(state, 'upload-length')]).toEqual([200, '5', '10']);
      const res = await patch(url, uploadPath, 5, 'world');
      expect([res.status, header(res, 'upload-offset'), header(res, 'tus-resumable')]).toEqual([204, '10', '1.0.0']);
      expect((await readData(dir, id)).toString()).toBe('helloworld');
      expect(completed.map((c) => c.id)).toEqual([id]);
    });

    it('created with tus v1 (deferred), finished with the draft', async () => {
      const { url, dir, completed } = await h.boot();
      const up = await createUpload(url, { deferred: true, body: 'hello' });
      const state = await draftHead(url, up.uploadPath, 6);
      expect([header(state, 'upload-offset'), header(state, 'upload-length'), reportedComplete(state, 6)]).toEqual(['5', undefined, false]);
      const res = await draftAppend(url, up.uploadPath, 6, 5, 'world', { complete: true });
      expect([res.status, reportedComplete(res, 6)]).toEqual([204, true]);
      const done = await head(url, up.uploadPath, TUS);
      expect([header(done, 'upload-offset'), header(done, 'upload-length')]).toEqual(['10', '10']);
      expect((await readData(dir, up.id)).toString()).toBe('helloworld');
      expect(completed.map((c) => c.length)).toEqual([10]);
    });

    it('interop 3 (iOS 17) starts it, tus v1 continues it, interop 9 finishes it; GET then differs only for interop 9', async () => {
      const { url, dir, completed } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 3, { complete: false, length: 9, body: 'abc' }), url);
      expect(header(await patch(url, uploadPath, 3, 'def'), 'upload-offset')).toBe('6');
      const state = await draftHead(url, uploadPath, 9);
      expect([header(state, 'upload-offset'), header(state, 'upload-length'), reportedComplete(state, 9)]).toEqual(['6', '9', false]);
      const last = await draftAppend(url, uploadPath, 9, 6, 'ghi', { complete: true });
      expect([last.status, reportedComplete(last, 9)]).toEqual([204, true]);
      expect(header(await draftHead(url, uploadPath, 3), 'upload-incomplete')).toBe('?0');
      const asOffset = await draftGet(url, uploadPath, 9);
      expect([asOffset.status, header(asOffset, 'upload-offset'), asOffset.body.length]).toEqual([204, '9', 0]);
      for (const headers of [{}, TUS, { 'Upload-Draft-Interop-Version': '8' }] as HeaderInput[]) {
        const download = await request(url, { method: 'GET', path: uploadPath, headers });
        expect([download.status, download.body.toString()]).toEqual([200, 'abcdefghi']);
      }
      expect((await readData(dir, id)).toString()).toBe('abcdefghi');
      expect(completed.map((c) => c.id)).toEqual([id]);
    });

    it('a draft append still running is interrupted by a newer tus v1 PATCH (newest request wins)', async () => {
      const { url, dir } = await h.boot();
      const data = pattern(200 * 1024, 9);
      const { uploadPath, id } = createdPath(await draftCreate(url, 8, { complete: false, length: data.length }), url);
      const older = openRequest(url, {
        method: 'PATCH',
        path: uploadPath,
        headers: { 'Upload-Draft-Interop-Version': '8', 'Content-Type': PARTIAL_UPLOAD, 'Upload-Offset': '0', 'Upload-Complete': '?1', 'Content-Length': String(data.length) },
      });
      h.defer(() => older.abort());
      await older.write(data.subarray(0, 50 * 1024));
      for (let i = 0; i < 50 && Number(header(await head(url, uploadPath), 'upload-offset')) < 50 * 1024; i++) await sleep(20);
      const newer = await patch(url, uploadPath, 50 * 1024, data.subarray(50 * 1024));
      const old = await older.response;
      expect(old.status).toBe(204);
      expect(reportedComplete(old, 8)).toBe(false);
      expectDraft(old, 8);
      expect([newer.status, header(newer, 'upload-offset')]).toEqual([204, String(data.length)]);
      expect((await readData(dir, id)).equals(data)).toBe(true);
    });
  });

  describe('a client written from the interop-9 text', () => {
    it('optimistic creation cut off after its 104: resumes with HEAD and one PATCH ?1, byte-exact', async () => {
      const { endpoint, dir, completed } = await h.boot();
      const data = pattern(512 * KiB, 3);
      const { final, location, exchanges } = await uploadInterop9({ target: endpoint, data, strategy: 'optimistic', interruptCreationAfter: 100 * KiB });
      expect(exchanges.map((e) => [e.method, e.status])).toEqual([
        ['POST', undefined],
        ['HEAD', 204],
        ['PATCH', 204],
      ]);
      expect(exchanges[0].interim.map((i) => [i.status, i.headers['upload-draft-interop-version']])).toEqual([[104, '9']]);
      expect(Number(exchanges[2].request['Upload-Offset'])).toBeGreaterThan(0);
      expect([final.status, final.headers['upload-complete']]).toEqual([204, '?1']);
      const id = idOf(location!);
      expect(sha256(await readData(dir, id))).toBe(sha256(data));
      expect(completed.map((c) => c.id)).toEqual([id]);
    });

    it('careful creation: an empty ?0 POST, then appends in chunks', async () => {
      const { endpoint, dir } = await h.boot();
      const data = pattern(200 * KiB, 4);
      const { final, location, exchanges } = await uploadInterop9({ target: endpoint, data, strategy: 'careful', chunkSize: 64 * KiB });
      expect(exchanges.map((e) => e.method)).toEqual(['POST', 'HEAD', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
      expect(exchanges.filter((e) => e.method === 'PATCH').map((e) => e.request['Upload-Complete'])).toEqual(['?0', '?0', '?0', '?1']);
      expect(final.headers['upload-complete']).toBe('?1');
      expect(sha256(await readData(dir, idOf(location!)))).toBe(sha256(data));
    });

    it('over the maximum: 413 on creation, the limits learned with OPTIONS, nothing stored', async () => {
      const { endpoint, dir } = await h.boot({ maxSize: 64 * KiB });
      const attempt = uploadInterop9({ target: endpoint, data: pattern(100 * KiB, 5), strategy: 'optimistic' });
      await expect(attempt).rejects.toThrow(UploadFailed);
      await expect(attempt).rejects.toThrow(/"maxSize":65536/);
      expect(await listDir(dir)).toEqual([]);
    });
  });

  describe.each([
    ['ietf-draft-03', '5'],
    ['ietf-draft-05', '6'],
  ] as const)('tus-js-client protocol: %s (interop %s)', (protocol, interop) => {
    const partialType = protocol === 'ietf-draft-05' ? PARTIAL_UPLOAD : undefined;

    it('uploads a Buffer: POST with Upload-Complete ?0, then one PATCH with ?1', async () => {
      const { dir, endpoint, completed } = await h.boot();
      const source = randomBytes(1024 * KiB + 7);
      const { upload, done, sent } = runUpload(source, { endpoint, protocol, metadata: { filename: 'plain.bin' } });
      await done;
      const id = idOf(upload.url);
      expect(sent.map((s) => [s.method, s.interop, s.complete, s.tusResumable])).toEqual([
        ['POST', interop, '?0', undefined],
        ['PATCH', interop, '?1', undefined],
      ]);
      expect(sent[1].contentType).toBe(partialType);
      expect(sha256(await readData(dir, id))).toBe(sha256(source));
      expect(completed).toEqual([{ id, length: source.length, offset: source.length, metadata: { filename: 'plain.bin' } }]);
    });

    it('uploads in chunks (chunkSize): ?0 on every PATCH but the last', async () => {
      const { dir, endpoint, completed } = await h.boot();
      const CHUNK = 100 * KiB;
      const source = randomBytes(1024 * KiB + 123);
      const { upload, done, sent } = runUpload(source, { endpoint, protocol, chunkSize: CHUNK });
      await done;
      const patches = sent.filter((s) => s.method === 'PATCH');
      expect(patches).toHaveLength(Math.ceil(source.length / CHUNK));
      expect(patches.map((s) => Number(s.offset))).toEqual(patches.map((_, i) => i * CHUNK));
      expect(patches.map((s) => s.complete)).toEqual(patches.map((_, i) => (i === patches.length - 1 ? '?1' : '?0')));
      expect(sha256(await readData(dir, idOf(upload.url)))).toBe(sha256(source));
      expect(completed).toHaveLength(1);
    });

    it('sends the first chunk with the POST (uploadDataDuringCreation)', async () => {
      const { dir, endpoint } = await h.boot();
      const source = randomBytes(300 * KiB);
      const { upload, done, sent } = runUpload(source, { endpoint, protocol, chunkSize: 128 * KiB, uploadDataDuringCreation: true });
      await done;
      expect(sent.map((s) => [s.method, s.complete])).toEqual([
        ['POST', '?0'],
        ['PATCH', '?0'],
        ['PATCH', '?1'],
      ]);
      expect(sha256(await readData(dir, idOf(upload.url)))).toBe(sha256(source));
    });

    it('resumes after abort() with HEAD, via findPreviousUploads and a URL storage', async () => {
      const { url, dir, endpoint, completed } = await h.boot();
      const CHUNK = 64 * KiB;
      const source = randomBytes(1024 * KiB);
      const common: UploadOptions = {
        endpoint,
        protocol,
        chunkSize: CHUNK,
        urlStorage: new MemoryUrlStorage() as unknown as UploadOptions['urlStorage'],
        fingerprint: async () => `fingerprint-${protocol}`,
      };
      let aborted!: () => void;
      const abortedOnce = new Promise<void>((resolve) => (aborted = resolve));
      const first = runUpload(source, {
        ...common,
        onChunkComplete: (_chunk, accepted) => {
          if (accepted >= 4 * CHUNK) void first.upload.abort().then(aborted);
        },
      });
      first.done.catch(() => undefined);
      await abortedOnce;
      const id = idOf(first.upload.url);
      const mid = await draftHead(url, `/files/${id}`, Number(interop));
      expect(mid.status).toBe(204);
      const offset = Number(header(mid, 'upload-offset'));
      expect(offset).toBeGreaterThanOrEqual(4 * CHUNK);
      expect(offset).toBeLessThan(source.length);
      expect(reportedComplete(mid, Number(interop))).toBe(false);

      const resumed = runUpload(source, common, [], async (upload) => {
        const previous = await upload.findPreviousUploads();
        expect(previous).toHaveLength(1);
        upload.resumeFromPreviousUpload(previous[0]);
      });
      await resumed.done;
      expect(resumed.sent[0]).toMatchObject({ method: 'HEAD', interop });
      expect(resumed.sent.some((s) => s.method === 'POST')).toBe(false);
      expect(Number(resumed.sent.find((s) => s.method === 'PATCH')?.offset)).toBeGreaterThanOrEqual(offset);
      expect(idOf(resumed.upload.url)).toBe(id);
      expect(sha256(await readData(dir, id))).toBe(sha256(source));
      expect(completed.map((c) => c.id)).toEqual([id]);
    });

    it('uploads a stream of unknown length: the last PATCH declares Upload-Length with ?1', async () => {
      const { url, dir, endpoint } = await h.boot();
      const CHUNK = 64 * KiB;
      const source = randomBytes(4 * CHUNK + 5 * KiB);
      const stream = new Readable({ read() {} });
      for (let at = 0; at < source.length; at += 16 * KiB) stream.push(source.subarray(at, at + 16 * KiB));
      stream.push(null);
      const { upload, done, sent } = runUpload(stream as unknown as UploadInput, {
        endpoint,
        protocol,
        chunkSize: CHUNK,
        uploadLengthDeferred: true,
        // tus-js-client 4.3.1's Node StreamSource only sees the end through 'end' (see tus-js-client.e2e.spec.ts).
        onAfterResponse: async () => {
          if (stream.readableLength === 0 && !stream.readableEnded) {
            stream.read(0);
            await new Promise((resolve) => setImmediate(resolve));
          }
        },
      });
      await done;
      const last = sent.filter((s) => s.method === 'PATCH').pop()!;
      expect([last.length, last.complete]).toEqual([String(source.length), '?1']);
      const id = idOf(upload.url);
      const state = await draftHead(url, `/files/${id}`, Number(interop));
      expect([header(state, 'upload-length'), reportedComplete(state, Number(interop))]).toEqual([String(source.length), true]);
      expect(sha256(await readData(dir, id))).toBe(sha256(source));
    });
  });
});
