// Guards, PreCreateHandler and UploadCompleteHandler with dependencies injected from `imports`,
// on both adapters.
import { describe, expect, it } from 'vitest';
import {
  RecordingComplete,
  RepoModule,
  RequireFilenamePreCreate,
  TokenGuard,
  UploadRepository,
} from '../fixtures/modules.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, request } from '../support/http.js';
import { TUS, b64, createUpload, expectError, head, listDir, patch, post, readData, uploadIds } from '../support/tus.js';

const ORIGIN = 'https://app.example';
const AUTH = { Authorization: 'Bearer secret-token' };

describe.each(ADAPTERS)('guards and handlers (%s)', (adapter: AdapterName) => {
  describe('guards', () => {
    const h = useTusHarness(adapter, { guards: [TokenGuard], imports: [RepoModule] });

    it('a guard rejection is 403 with its message, Tus-Resumable and CORS headers; nothing created', async () => {
      const { url, dir } = await h.boot();
      const res = await post(url, { length: 5, headers: { Origin: ORIGIN } });
      expectError(res, 403);
      expect(res.body.toString()).toContain('missing or wrong token');
      expect(header(res, 'access-control-allow-origin')).toBe(ORIGIN);
      expect(header(res, 'location')).toBeUndefined();
      expect(await listDir(dir)).toEqual([]);
    });

    it('guards HEAD, PATCH, DELETE and GET as well', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5, headers: AUTH });
      expectError(await head(url, up.uploadPath), 403);
      expectError(await patch(url, up.uploadPath, 0, 'hello'), 403);
      expectError(await request(url, { method: 'DELETE', path: up.uploadPath, headers: TUS }), 403);
      expectError(await request(url, { method: 'GET', path: up.uploadPath, headers: TUS }), 403);
      expect((await readData(dir, up.id)).length).toBe(0);
      const ok = await patch(url, up.uploadPath, 0, 'hello', AUTH);
      expect(ok.status).toBe(204);
      expect((await head(url, up.uploadPath, { ...TUS, ...AUTH })).status).toBe(200);
      expect((await readData(dir, up.id)).toString()).toBe('hello');
    });

    it('OPTIONS and preflights pass without a token', async () => {
      const { url } = await h.boot();
      const plain = await request(url, { method: 'OPTIONS', path: '/files' });
      expect(plain.status).toBe(204);
      expect(header(plain, 'tus-version')).toBe('1.0.0');
      const preflight = await request(url, {
        method: 'OPTIONS',
        path: '/files/AAAAAAAAAAAAAAAAAAAAAA',
        headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PATCH' },
      });
      expect(preflight.status).toBe(204);
      expect(header(preflight, 'access-control-allow-origin')).toBe(ORIGIN);
    });
  });

  describe('PreCreateHandler', () => {
    const h = useTusHarness(adapter, { preCreateHandler: RequireFilenamePreCreate, imports: [RepoModule] }, (app) => ({
      repo: app.app.get(UploadRepository),
    }));

    it('a BadRequestException from the handler is a 400 with its message; nothing created', async () => {
      const { url, dir, repo } = await h.boot();
      const res = await post(url, { length: 5, metadata: `other ${b64('x')}`, headers: { Origin: ORIGIN } });
      expectError(res, 400);
      expect(res.body.toString()).toContain('filename required');
      expect(header(res, 'access-control-allow-origin')).toBe(ORIGIN);
      expect(header(res, 'location')).toBeUndefined();
      expect(await listDir(dir)).toEqual([]);
      expect(repo.preCreateCalls).toEqual([{ metadata: { other: 'x' }, length: 5, user: undefined }]);
    });

    it('receives decoded metadata and the length (undefined when deferred); the upload is created', async () => {
      const { url, dir, repo } = await h.boot();
      const up = await createUpload(url, { length: 5, metadata: `filename ${b64('ünïcode.txt')},flag` });
      const deferred = await createUpload(url, { deferred: true, metadata: `filename ${b64('d.bin')}` });
      expect(repo.preCreateCalls).toEqual([
        { metadata: { filename: 'ünïcode.txt', flag: null }, length: 5, user: undefined },
        { metadata: { filename: 'd.bin' }, length: undefined, user: undefined },
      ]);
      expect(await uploadIds(dir)).toEqual([up.id, deferred.id].sort());
    });

    it('sees req.user set by the guard', async () => {
      const { url, repo } = await h.boot({ guards: [TokenGuard] });
      await createUpload(url, { length: 1, metadata: `filename ${b64('a')}`, headers: AUTH });
      expect(repo.preCreateCalls).toHaveLength(1);
      expect(repo.preCreateCalls[0].user).toEqual({ name: 'alice' });
    });
  });

  describe('UploadCompleteHandler', () => {
    const h = useTusHarness(adapter, { uploadCompleteHandler: RecordingComplete, imports: [RepoModule] }, (app) => ({
      repo: app.app.get(UploadRepository),
    }));

    it('receives the record before the final PATCH answers, and only then', async () => {
      const { url, dir, repo } = await h.boot();
      const metadata = `filename ${b64('report.pdf')}`;
      const up = await createUpload(url, { length: 10, metadata });
      expect((await patch(url, up.uploadPath, 0, 'hello')).status).toBe(204);
      expect(repo.completed).toEqual([]);
      const last = await patch(url, up.uploadPath, 5, 'world');
      expect(last.status).toBe(204);
      expect(header(last, 'upload-offset')).toBe('10');
      expect(repo.completed).toEqual([{ id: up.id, length: 10, offset: 10, metadata: { filename: 'report.pdf' } }]);
      expect((await readData(dir, up.id)).toString()).toBe('helloworld');
    });

    it('runs for a creation-with-upload that completes in the POST and for a deferred upload', async () => {
      const { url, repo } = await h.boot();
      const whole = await createUpload(url, { length: 3, body: 'abc' });
      expect(repo.completed.map((c) => c.id)).toEqual([whole.id]);
      const deferred = await createUpload(url, { deferred: true, body: 'xy' });
      expect(repo.completed).toHaveLength(1);
      const res = await patch(url, deferred.uploadPath, 2, Buffer.alloc(0), { 'Upload-Length': '2' });
      expect(res.status).toBe(204);
      expect(repo.completed[1]).toEqual({ id: deferred.id, length: 2, offset: 2, metadata: {} });
    });
  });
});
