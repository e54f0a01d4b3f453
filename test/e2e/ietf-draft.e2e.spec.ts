// The IETF draft "Resumable Uploads for HTTP" on the tus endpoint, on both adapters: which requests are
// draft ones, creation (with its 104), offset retrieval, cancellation, OPTIONS, errors and CORS.
// Append (PATCH): ietf-draft-append.e2e.spec.ts.
// Uploads across both protocols and tus-js-client's draft modes: ietf-draft-clients.e2e.spec.ts.
// The extension points (pre-create decisions, completion record, ownership) reach draft requests too.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TusModule } from '../../src/index.js';
import { DecidingPreCreate, Ledger, LedgerModule, ReadingComplete, UserHeaderGuard } from '../fixtures/extension-points.js';
import { RecordingComplete, RepoModule, TokenGuard, UploadRepository } from '../fixtures/modules.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { chunked, header, headerTokens, openRequest, request } from '../support/http.js';
import {
  PARTIAL_UPLOAD,
  PROBLEM,
  createdPath,
  draftAppend,
  draftCreate,
  draftDelete,
  draftHead,
  expectDraft,
  expectProblem,
  reportedComplete,
  uploadLimit,
} from '../support/draft.js';
import { b64, createUpload, exists, expectError, head, listDir, pattern, readData, sleep, uploadIds } from '../support/tus.js';

const MAX = 1024 * 1024;
const DAY = 86_400;

describe.each(ADAPTERS)('IETF draft (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { maxSize: MAX, uploadCompleteHandler: RecordingComplete, imports: [RepoModule] }, (app) => ({ completed: app.app.get(UploadRepository).completed }));

  describe('which requests are draft requests', () => {
    it.each(['2', '10', 'six', '6, 6', ''])('Upload-Draft-Interop-Version %j is tus v1: 412 without Tus-Resumable', async (value) => {
      const { url, dir } = await h.boot();
      const res = await request(url, { method: 'POST', path: '/files', headers: { 'Upload-Draft-Interop-Version': value, 'Upload-Complete': '?0', 'Upload-Length': '5' } });
      expectError(res, 412);
      expect(await listDir(dir)).toEqual([]);
    });

    it('without the header, Upload-Complete changes nothing: a tus v1 creation', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 5, headers: { 'Upload-Complete': '?1' } });
      expect(header(up.res, 'tus-resumable')).toBe('1.0.0');
      expect(header(up.res, 'upload-complete')).toBeUndefined();
      expect(header(up.res, 'upload-draft-interop-version')).toBeUndefined();
    });

    it('a draft request is never 412, whatever Tus-Resumable says', async () => {
      const { url } = await h.boot();
      const res = await draftCreate(url, 8, { headers: { 'Tus-Resumable': '0.2.2' } });
      createdPath(res, url);
      expectDraft(res, 8);
    });
  });

  describe('creation', () => {
    it('Upload-Complete: ?0 without content: 201 with Location, offset 0, ?0, Upload-Limit; one 104 before it', async () => {
      const { url, completed } = await h.boot();
      const res = await draftCreate(url, 8, { complete: false, length: 100 });
      const { uploadPath } = createdPath(res, url);
      expectDraft(res, 8);
      expect(header(res, 'upload-offset')).toBe('0');
      expect(reportedComplete(res, 8)).toBe(false);
      const limit = uploadLimit(res)!;
      expect(limit['min-size']).toBe(0);
      expect(limit['max-size']).toBe(MAX);
      expect(limit['max-age']).toBeGreaterThan(DAY - 10);
      expect(limit['max-age']).toBeLessThanOrEqual(DAY);
      expect(res.interim).toHaveLength(1);
      const [interim] = res.interim;
      expect(interim.status).toBe(104);
      expect(interim.headers.location).toBe(header(res, 'location'));
      expect(interim.headers['upload-draft-interop-version']).toBe('8');
      expect(interim.headers['upload-limit']).toMatch(/^min-size=0, max-size=1048576, max-age=\d+$/);
      expect(interim.headers['tus-resumable']).toBeUndefined();
      expect(completed).toEqual([]);
      expect(header(await draftHead(url, uploadPath, 8), 'upload-length')).toBe('100');
    });

    it('Upload-Complete: ?1 with the whole content: stored, complete, the completion handler ran; metadata from Content-Type / Content-Disposition', async () => {
      const { url, dir, completed } = await h.boot();
      const data = pattern(64 * 1024, 1);
      const res = await draftCreate(url, 8, {
        complete: true,
        body: data,
        headers: { 'Content-Type': 'image/png', 'Content-Disposition': `inline; filename="x.png"; filename*=UTF-8''%C3%BCber.png` },
      });
      const { id, uploadPath } = createdPath(res, url);
      expect(header(res, 'upload-offset')).toBe(String(data.length));
      expect(reportedComplete(res, 8)).toBe(true);
      expect((await readData(dir, id)).equals(data)).toBe(true);
      expect(completed).toEqual([{ id, length: data.length, offset: data.length, metadata: { filetype: 'image/png', filename: 'über.png' } }]);
      const state = await draftHead(url, uploadPath, 8);
      expect(header(state, 'upload-length')).toBe(String(data.length));
      expect(reportedComplete(state, 8)).toBe(true);
      // A download serves it with that type and name.
      const download = await request(url, { method: 'GET', path: uploadPath });
      expect(header(download, 'content-type')).toBe('image/png');
      expect(header(download, 'content-disposition')).toContain("filename*=UTF-8''%C3%BCber.png");
    });

    it('Upload-Complete: ?1 with a chunked body: the final offset becomes the length', async () => {
      const { url, dir, completed } = await h.boot();
      const res = await draftCreate(url, 6, { complete: true, body: chunked('abc', 'def', 'g') });
      const { id, uploadPath } = createdPath(res, url);
      expect(reportedComplete(res, 6)).toBe(true);
      expect((await readData(dir, id)).toString()).toBe('abcdefg');
      expect(header(await draftHead(url, uploadPath, 6), 'upload-length')).toBe('7');
      expect(completed.map((c) => c.length)).toEqual([7]);
    });

    it('Upload-Complete: ?0 with part of the content: stored, not complete', async () => {
      const { url, dir } = await h.boot();
      const res = await draftCreate(url, 8, { complete: false, length: 10, body: 'hello' });
      const { id } = createdPath(res, url);
      expect(header(res, 'upload-offset')).toBe('5');
      expect(reportedComplete(res, 8)).toBe(false);
      expect((await readData(dir, id)).toString()).toBe('hello');
    });

    it('no length indication: deferred (HEAD has no Upload-Length)', async () => {
      const { url } = await h.boot();
      const { uploadPath } = createdPath(await draftCreate(url, 8, { complete: false, body: chunked('abc') }), url);
      const state = await draftHead(url, uploadPath, 8);
      expect(header(state, 'upload-offset')).toBe('3');
      expect(header(state, 'upload-length')).toBeUndefined();
      expect(header(state, 'upload-defer-length')).toBeUndefined();
    });

    it('disagreeing length indications: 400 inconsistent-upload-length, nothing created', async () => {
      const { url, dir } = await h.boot();
      const res = await draftCreate(url, 8, { complete: true, length: 10, body: 'hello' });
      expectProblem(res, 400, PROBLEM.inconsistentLength);
      expectDraft(res, 8);
      const longer = await draftCreate(url, 8, { complete: false, length: 3, body: 'hello' });
      expectProblem(longer, 400, PROBLEM.inconsistentLength);
      expect(await listDir(dir)).toEqual([]);
    });

    it.each([
      ['missing', null, {}],
      ['not a boolean', null, { 'Upload-Complete': 'true' }],
      ['repeated', null, { 'Upload-Complete': ['?1', '?1'] }],
      ['a malformed Upload-Length', false, { 'Upload-Length': '5.0' }],
    ] as const)('Upload-Complete %s → 400, nothing created', async (_name, complete, headers) => {
      const { url, dir } = await h.boot();
      const res = await draftCreate(url, 8, { complete, headers: { ...headers } });
      expect(res.status).toBe(400);
      expectDraft(res, 8);
      expect(await listDir(dir)).toEqual([]);
    });

    it('Upload-Metadata (tus-js-client sends it in draft mode too) is used as sent', async () => {
      const { url, completed } = await h.boot();
      const meta = `filename ${b64('a.txt')},filetype ${b64('text/plain')}`;
      const res = await draftCreate(url, 6, { complete: true, body: 'hi', headers: { 'Upload-Metadata': meta, 'Content-Type': 'image/gif' } });
      createdPath(res, url);
      expect(completed[0].metadata).toEqual({ filename: 'a.txt', filetype: 'text/plain' });
    });

    it('over maxSize: 413 with Upload-Limit, nothing created', async () => {
      const { url, dir } = await h.boot();
      const res = await draftCreate(url, 8, { complete: false, length: MAX + 1 });
      expect(res.status).toBe(413);
      expectDraft(res, 8);
      expect(uploadLimit(res)).toEqual({ 'min-size': 0, 'max-size': MAX });
      expect(await listDir(dir)).toEqual([]);
    });

    it('a JSON body: stored as is on Fastify; on Express (whose JSON parser reads it first) 415, nothing created', async () => {
      const { url, dir } = await h.boot();
      const json = '{"a":1}';
      const res = await draftCreate(url, 8, { complete: true, body: json, headers: { 'Content-Type': 'application/json' } });
      if (adapter === 'express') {
        expect(res.status).toBe(415);
        expect(res.body.toString()).toContain('bodyParser: false');
        expect(await listDir(dir)).toEqual([]);
      } else {
        const { id } = createdPath(res, url);
        expect((await readData(dir, id)).toString()).toBe(json);
      }
    });
  });

  describe('104 Upload Resumption Supported', () => {
    it.each([3, 4, 5, 6, 7])('interop %d gets one 104 with its version (Upload-Limit from 6 on)', async (version) => {
      const { url } = await h.boot();
      const res = await draftCreate(url, version, { complete: true, body: 'x' });
      createdPath(res, url);
      expect(res.interim.map((i) => [i.status, i.headers['upload-draft-interop-version'], i.headers.location])).toEqual([[104, String(version), header(res, 'location')]]);
      expect(res.interim[0].headers['upload-limit'] === undefined).toBe(version < 6);
    });

    it('is never sent in tus v1 mode, nor on HEAD, PATCH or a refused creation', async () => {
      const { url } = await h.boot();
      const v1 = await createUpload(url, { length: 5, body: 'hel' });
      expect(v1.res.interim).toEqual([]);
      expect((await head(url, v1.uploadPath)).interim).toEqual([]);
      const draft = await draftCreate(url, 8, { complete: false, length: 5 });
      const { uploadPath } = createdPath(draft, url);
      expect((await draftHead(url, uploadPath, 8)).interim).toEqual([]);
      expect((await draftAppend(url, uploadPath, 8, 0, 'hello', { complete: true })).interim).toEqual([]);
      expect((await draftCreate(url, 8, { complete: false, length: MAX + 1 })).interim).toEqual([]);
    });

    it('comes before the content is read: a client cut off mid-creation resumes from its Location', async () => {
      const { url, dir, completed } = await h.boot();
      const data = pattern(512 * 1024, 7);
      const creation = openRequest(url, {
        method: 'POST',
        path: '/files',
        headers: { 'Upload-Draft-Interop-Version': '8', 'Upload-Complete': '?1', 'Content-Length': String(data.length), 'Content-Type': 'application/octet-stream' },
      });
      h.defer(() => creation.abort());
      await creation.write(data.subarray(0, 1));
      for (let i = 0; i < 100 && creation.interim.length === 0; i++) await sleep(20);
      expect(creation.interim).toHaveLength(1);
      await creation.write(data.subarray(1, 100 * 1024));
      await sleep(100);
      creation.abort();

      const uploadPath = new URL(String(creation.interim[0].headers.location), url).pathname;
      let offset = 0;
      for (let i = 0; i < 50; i++) {
        const state = await draftHead(url, uploadPath, 8);
        expect(state.status).toBe(204);
        offset = Number(header(state, 'upload-offset'));
        expect(header(state, 'upload-length')).toBe(String(data.length));
        expect(reportedComplete(state, 8)).toBe(false);
        if (offset > 0) break;
        await sleep(20);
      }
      const rest = await draftAppend(url, uploadPath, 8, offset, data.subarray(offset), { complete: true });
      expect(rest.status).toBe(204);
      expect(reportedComplete(rest, 8)).toBe(true);
      const [id] = await uploadIds(dir);
      expect((await readData(dir, id)).equals(data)).toBe(true);
      expect(completed).toHaveLength(1);
    });
  });

  describe('offset retrieval (HEAD)', () => {
    it('204 with Upload-Offset, Upload-Complete, Upload-Length, Upload-Limit, no-store; no tus-only field', async () => {
      const { url } = await h.boot();
      const meta = `filename ${b64('a.txt')}`;
      const { uploadPath } = createdPath(await draftCreate(url, 8, { complete: false, length: 10, body: 'hello', headers: { 'Upload-Metadata': meta } }), url);
      const res = await draftHead(url, uploadPath, 8);
      expect(res.status).toBe(204);
      expectDraft(res, 8);
      expect(header(res, 'upload-offset')).toBe('5');
      expect(reportedComplete(res, 8)).toBe(false);
      expect(header(res, 'upload-length')).toBe('10');
      expect(uploadLimit(res)?.['max-size']).toBe(MAX);
      expect(header(res, 'cache-control')).toBe('no-store');
      for (const name of ['upload-metadata', 'upload-concat', 'upload-defer-length', 'upload-expires']) expect(header(res, name)).toBeUndefined();
      // The same upload through tus v1 still shows its metadata.
      expect(header(await head(url, uploadPath), 'upload-metadata')).toBe(meta);
    });

    it('interop 3 answers with Upload-Incomplete, interop 6 names the lifetime "expires"', async () => {
      const { url } = await h.boot();
      const { uploadPath } = createdPath(await draftCreate(url, 3, { complete: false, length: 4 }), url);
      const old = await draftHead(url, uploadPath, 3);
      expect(header(old, 'upload-incomplete')).toBe('?1');
      expect(header(old, 'upload-complete')).toBeUndefined();
      expect(header(old, 'upload-limit')).toBeUndefined();
      expect(Object.keys(uploadLimit(await draftHead(url, uploadPath, 6))!)).toEqual(['min-size', 'max-size', 'expires']);
    });

    it('unknown id 404, cancelled 410, both without Tus-Resumable', async () => {
      const { url } = await h.boot();
      const missing = await draftHead(url, '/files/AAAAAAAAAAAAAAAAAAAAAA', 8);
      expect(missing.status).toBe(404);
      expectDraft(missing, 8);
      const { uploadPath } = createdPath(await draftCreate(url, 8), url);
      expect((await draftDelete(url, uploadPath, 8)).status).toBe(204);
      const gone = await draftHead(url, uploadPath, 8);
      expect(gone.status).toBe(410);
      expectDraft(gone, 8);
    });
  });

  describe('cancellation, OPTIONS, errors, CORS', () => {
    it('DELETE: 204 without Tus-Resumable, then 410', async () => {
      const { url, dir } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 8, { complete: false, body: 'abc' }), url);
      const res = await draftDelete(url, uploadPath, 8);
      expect(res.status).toBe(204);
      expectDraft(res, 8);
      expect((await draftAppend(url, uploadPath, 8, 3, 'x')).status).toBe(410);
      expect(await exists(path.join(dir, id))).toBe(false);
    });

    it('OPTIONS: Upload-Limit and Accept-Patch in draft mode; a v1 OPTIONS advertises neither', async () => {
      const { url } = await h.boot();
      const res = await request(url, { method: 'OPTIONS', path: '/files', headers: { 'Upload-Draft-Interop-Version': '8' } });
      expect(res.status).toBe(204);
      expectDraft(res, 8);
      expect(header(res, 'upload-limit')).toBe(`min-size=0, max-size=${MAX}`);
      expect(header(res, 'accept-patch')).toBe(PARTIAL_UPLOAD);
      const unlimited = await h.boot({ maxSize: undefined });
      const plain = await request(unlimited.url, { method: 'OPTIONS', path: '/files', headers: { 'Upload-Draft-Interop-Version': '7' } });
      expect(header(plain, 'upload-limit')).toBe('min-size=0');
      const v1 = await request(url, { method: 'OPTIONS', path: '/files' });
      expect(header(v1, 'tus-version')).toBe('1.0.0');
      expect(header(v1, 'upload-limit')).toBeUndefined();
      expect(header(v1, 'accept-patch')).toBeUndefined();
    });

    it('a guard rejection and a 405 of a draft request carry the draft version, not Tus-Resumable', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(adapter, TusModule.forRoot({ directory: dir, guards: [TokenGuard], imports: [RepoModule] }));
      const denied = await draftCreate(url, 8, { complete: true, body: 'x' });
      expect(denied.status).toBe(403);
      expectDraft(denied, 8);
      const wrong = await request(url, { method: 'PUT', path: '/files', headers: { 'Upload-Draft-Interop-Version': '8', Authorization: 'Bearer secret-token' } });
      expect(wrong.status).toBe(405);
      expectDraft(wrong, 8);
    });

    it('CORS: preflights allow the draft fields, answers expose them', async () => {
      const { url } = await h.boot();
      const origin = 'https://app.example';
      const preflight = await request(url, {
        method: 'OPTIONS',
        path: '/files',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'upload-complete,upload-draft-interop-version' },
      });
      expect(headerTokens(preflight, 'access-control-allow-headers')).toEqual(
        expect.arrayContaining(['upload-complete', 'upload-incomplete', 'upload-draft-interop-version', 'upload-offset', 'upload-length', 'content-disposition', 'content-digest', 'repr-digest', 'want-repr-digest']),
      );
      const res = await draftCreate(url, 8, { headers: { Origin: origin } });
      expect(headerTokens(res, 'access-control-expose-headers')).toEqual(
        expect.arrayContaining(['location', 'upload-offset', 'upload-length', 'upload-complete', 'upload-incomplete', 'upload-limit', 'upload-draft-interop-version', 'repr-digest', 'want-content-digest']),
      );
    });
  });

  describe('extension points', () => {
    it('the PreCreateHandler places the upload (folder, server metadata); the completion handler gets the record, params and bytes', async () => {
      const dir = await h.tempDir();
      const { url, app } = await h.start(
        adapter,
        TusModule.forRoot({ directory: dir, path: 'users/:username/files', preCreateHandler: DecidingPreCreate, uploadCompleteHandler: ReadingComplete, imports: [LedgerModule] }),
      );
      const ledger = app.get(Ledger, { strict: false });
      const headers = { 'Content-Type': 'image/png', 'Content-Disposition': 'attachment; filename="a.png"' };
      const res = await draftCreate(url, 8, { complete: true, body: 'hello', path: '/users/alice/files', headers });
      const { id } = createdPath(res, url);
      expect(res.interim[0].headers.location).toBe(header(res, 'location'));
      expect(ledger.preCreates[0]).toMatchObject({ params: { username: 'alice' }, length: 5, metadata: { filetype: 'image/png', filename: 'a.png' } });
      const [done] = ledger.completed;
      expect(done.bytes).toBe('hello');
      expect(done.params).toEqual({ username: 'alice' });
      expect(done.record).toMatchObject({ id, offset: 5, complete: true, folder: 'users/alice', serverMetadata: { username: 'alice', plan: 'pro' } });
      expect((await readFile(path.join(dir, 'users', 'alice', id))).toString()).toBe('hello');
    });

    it("another principal's upload is 404 on HEAD, PATCH and DELETE; the owner continues it", async () => {
      const dir = await h.tempDir();
      const principal = (req: { user?: { id: string } }) => req.user?.id;
      const { url } = await h.start(adapter, TusModule.forRoot({ directory: dir, guards: [UserHeaderGuard], principal }));
      const as = (user: string) => ({ headers: { 'X-User': user } });
      const { uploadPath } = createdPath(await draftCreate(url, 8, { complete: false, length: 4, body: 'ab', ...as('alice') }), url);
      expect((await draftHead(url, uploadPath, 8, { 'X-User': 'mallory' })).status).toBe(404);
      expect((await draftAppend(url, uploadPath, 8, 2, 'cd', { complete: true, ...as('mallory') })).status).toBe(404);
      expect((await request(url, { method: 'DELETE', path: uploadPath, headers: { 'Upload-Draft-Interop-Version': '8', 'X-User': 'mallory' } })).status).toBe(404);
      const own = await draftAppend(url, uploadPath, 8, 2, 'cd', { complete: true, ...as('alice') });
      expect(own.status).toBe(204);
      expect(reportedComplete(own, 8)).toBe(true);
      expect((await readData(dir, path.basename(uploadPath))).toString()).toBe('abcd');
    });
  });
});
