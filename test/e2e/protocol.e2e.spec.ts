// tus 1.0.0 core + creation extensions over real HTTP, on both adapters:
// OPTIONS, Tus-Resumable/412, POST (creation, defer-length, errors), creation-with-upload, HEAD.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { chunked, header, headerTokens, request } from '../support/http.js';
import {
  ALL_EXTENSIONS as EXTENSIONS,
  OCTET,
  createUpload,
  exists,
  expectError,
  expectExpiresHeader,
  expectTus,
  head,
  listDir,
  patch,
  post,
  readData,
} from '../support/tus.js';

const MAX = 1024 * 1024;

describe.each(ADAPTERS)('tus protocol (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { maxSize: MAX });

  describe('OPTIONS', () => {
    it('answers 204 with Tus-Version, Tus-Extension and Tus-Max-Size, without Tus-Resumable in the request', async () => {
      const { url } = await h.boot();
      for (const target of ['/files', '/files/AAAAAAAAAAAAAAAAAAAAAA']) {
        const res = await request(url, { method: 'OPTIONS', path: target });
        expect(res.status).toBe(204);
        expectTus(res);
        expect(header(res, 'tus-version')).toBe('1.0.0');
        expect(headerTokens(res, 'tus-extension').sort()).toEqual([...EXTENSIONS].sort());
        expect(header(res, 'tus-max-size')).toBe(String(MAX));
      }
    });

    it('never answers 412, even to an unsupported Tus-Resumable', async () => {
      const { url } = await h.boot();
      const res = await request(url, { method: 'OPTIONS', path: '/files', headers: { 'Tus-Resumable': '0.2.2' } });
      expect(res.status).toBe(204);
      expect(header(res, 'tus-version')).toBe('1.0.0');
    });

    it('leaves Tus-Max-Size out when no maxSize is configured', async () => {
      const { url } = await h.boot({ maxSize: undefined });
      const res = await request(url, { method: 'OPTIONS', path: '/files' });
      expect(res.status).toBe(204);
      expect(header(res, 'tus-max-size')).toBeUndefined();
    });
  });

  describe('Tus-Resumable (412)', () => {
    it('a POST without Tus-Resumable is 412 with Tus-Version and creates nothing', async () => {
      const { url, dir } = await h.boot();
      const res = await request(url, { method: 'POST', path: '/files', headers: { 'Upload-Length': '5' } });
      expectError(res, 412);
      expect(header(res, 'tus-version')).toBe('1.0.0');
      expect(header(res, 'location')).toBeUndefined();
      expect(await listDir(dir)).toEqual([]);
    });

    it('PATCH and DELETE without Tus-Resumable are 412 and change nothing', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const p = await request(url, {
        method: 'PATCH',
        path: up.uploadPath,
        headers: { 'Content-Type': OCTET, 'Upload-Offset': '0' },
        body: 'hello',
      });
      expectError(p, 412);
      expect(header(p, 'tus-version')).toBe('1.0.0');
      const d = await request(url, { method: 'DELETE', path: up.uploadPath });
      expectError(d, 412);
      expect(header(d, 'tus-version')).toBe('1.0.0');
      const check = await head(url, up.uploadPath);
      expect(check.status).toBe(200);
      expect(header(check, 'upload-offset')).toBe('0');
      expect((await readData(dir, up.id)).length).toBe(0);
    });

    it('HEAD and GET are allowed without Tus-Resumable', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 2, body: 'hi' });
      const res = await head(url, up.uploadPath, {});
      expect(res.status).toBe(200);
      expect(header(res, 'upload-offset')).toBe('2');
      const get = await request(url, { method: 'GET', path: up.uploadPath });
      expect(get.status).toBe(200);
      expect(get.body.toString()).toBe('hi');
    });

    it('an unsupported Tus-Resumable is 412 on POST, HEAD, PATCH, DELETE and GET and changes nothing', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const bad = { 'Tus-Resumable': '0.2.2' };
      const before = await listDir(dir);
      const responses = [
        await request(url, { method: 'POST', path: '/files', headers: { ...bad, 'Upload-Length': '5' } }),
        await request(url, { method: 'HEAD', path: up.uploadPath, headers: bad }),
        await request(url, {
          method: 'PATCH',
          path: up.uploadPath,
          headers: { ...bad, 'Content-Type': OCTET, 'Upload-Offset': '0' },
          body: 'hello',
        }),
        await request(url, { method: 'DELETE', path: up.uploadPath, headers: bad }),
        await request(url, { method: 'GET', path: up.uploadPath, headers: bad }),
      ];
      for (const res of responses) {
        expectError(res, 412);
        expect(header(res, 'tus-version')).toBe('1.0.0');
      }
      expect(await listDir(dir)).toEqual(before);
      expect((await readData(dir, up.id)).length).toBe(0);
      expect(header(await head(url, up.uploadPath), 'upload-offset')).toBe('0');
    });
  });

  describe('POST (creation)', () => {
    it('creates an upload: 201, absolute Location, Upload-Offset 0, Upload-Expires, files in the directory', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 10 });
      expectTus(up.res);
      expect(up.location).toBe(`${url}/files/${up.id}`);
      expect(up.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(header(up.res, 'upload-offset')).toBe('0');
      expectExpiresHeader(up.res, 86_400_000);
      expect(await listDir(dir)).toEqual([`${up.id}.json`]); // the data file comes with the first byte
      expect((await readData(dir, up.id)).length).toBe(0);
    });

    it('two uploads get different ids', async () => {
      const { url } = await h.boot();
      const a = await createUpload(url, { length: 1 });
      const b = await createUpload(url, { length: 1 });
      expect(a.id).not.toBe(b.id);
    });

    it('Upload-Defer-Length: 1 creates an upload of unknown length', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { deferred: true });
      expect(header(up.res, 'upload-offset')).toBe('0');
      const res = await head(url, up.uploadPath);
      expect(res.status).toBe(200);
      expect(header(res, 'upload-defer-length')).toBe('1');
      expect(header(res, 'upload-length')).toBeUndefined();
      expect(await exists(path.join(dir, `${up.id}.json`))).toBe(true);
    });

    it('Upload-Length: 0 is complete at once (no Upload-Expires, GET gives an empty body)', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 0 });
      expect(header(up.res, 'upload-offset')).toBe('0');
      expect(header(up.res, 'upload-expires')).toBeUndefined();
      const res = await head(url, up.uploadPath);
      expect(header(res, 'upload-length')).toBe('0');
      expect(header(res, 'upload-expires')).toBeUndefined();
      const get = await request(url, { method: 'GET', path: up.uploadPath });
      expect(get.status).toBe(200);
      expect(get.body.length).toBe(0);
      expect((await readData(dir, up.id)).length).toBe(0);
    });

    it('length equal to maxSize is accepted, one byte more is 413', async () => {
      const { url, dir } = await h.boot();
      await createUpload(url, { length: MAX });
      const before = await listDir(dir);
      expectError(await post(url, { length: MAX + 1 }), 413);
      expect(await listDir(dir)).toEqual(before);
    });

    it.each([
      ['both Upload-Length and Upload-Defer-Length', { 'Upload-Length': '5', 'Upload-Defer-Length': '1' }],
      ['neither Upload-Length nor Upload-Defer-Length', {}],
      ['Upload-Defer-Length: 2', { 'Upload-Defer-Length': '2' }],
      ['Upload-Defer-Length: 0', { 'Upload-Defer-Length': '0' }],
      ['malformed Upload-Metadata', { 'Upload-Length': '5', 'Upload-Metadata': 'filename !!!' }],
      ['duplicate metadata keys', { 'Upload-Length': '5', 'Upload-Metadata': 'a YQ==,a Yg==' }],
    ])('%s → 400, nothing created', async (_name, headers) => {
      const { url, dir } = await h.boot();
      const res = await post(url, { headers });
      expectError(res, 400);
      expect(res.body.length).toBeGreaterThan(0);
      expect(header(res, 'location')).toBeUndefined();
      expect(await listDir(dir)).toEqual([]);
    });
  });

  describe('creation-with-upload', () => {
    it('stores the whole body and answers Upload-Offset = length', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 11, body: 'hello world' });
      expect(header(up.res, 'upload-offset')).toBe('11');
      expect(header(up.res, 'upload-expires')).toBeUndefined();
      expect((await readData(dir, up.id)).toString()).toBe('hello world');
      expect(header(await head(url, up.uploadPath), 'upload-offset')).toBe('11');
    });

    it('stores a first chunk; the rest follows with PATCH', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 10, body: 'hello' });
      expect(header(up.res, 'upload-offset')).toBe('5');
      expectExpiresHeader(up.res, 86_400_000);
      const res = await patch(url, up.uploadPath, 5, 'world');
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('10');
      expect((await readData(dir, up.id)).toString()).toBe('helloworld');
    });

    it('accepts a chunked body (no Content-Length)', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 9, body: chunked('abc', 'def', 'ghi') });
      expect(header(up.res, 'upload-offset')).toBe('9');
      expect((await readData(dir, up.id)).toString()).toBe('abcdefghi');
    });

    it('accepts a body with a deferred length', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { deferred: true, body: 'abc' });
      expect(header(up.res, 'upload-offset')).toBe('3');
      const res = await head(url, up.uploadPath);
      expect(header(res, 'upload-defer-length')).toBe('1');
      expect((await readData(dir, up.id)).toString()).toBe('abc');
    });

    it('Content-Length > Upload-Length is 413 before anything is created', async () => {
      const { url, dir } = await h.boot();
      const res = await post(url, { length: 3, body: 'too long' });
      expectError(res, 413);
      expect(header(res, 'location')).toBeUndefined();
      expect(await listDir(dir)).toEqual([]);
    });

    it.each([
      ['text/plain', 'hello'],
      ['application/octet-stream', 'hello'],
      ['application/json', '{"a":1}'],
    ])('a non-empty body with Content-Type %s is 415, nothing created', async (contentType, body) => {
      const { url, dir } = await h.boot();
      const res = await post(url, { length: 10, headers: { 'Content-Type': contentType }, body });
      expectError(res, 415);
      expect(await listDir(dir)).toEqual([]);
    });
  });

  describe('HEAD', () => {
    it('reports offset, length, no-store, the metadata byte-exact and Upload-Expires', async () => {
      const { url } = await h.boot();
      // Unusual order, a key without value, padding variants: must come back exactly as sent.
      const metadata = 'zeta MQ==,filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential,a YWI=';
      const up = await createUpload(url, { length: 20, metadata, body: 'abc' });
      const res = await head(url, up.uploadPath);
      expect(res.status).toBe(200);
      expectTus(res);
      expect(header(res, 'cache-control')).toBe('no-store');
      expect(header(res, 'upload-offset')).toBe('3');
      expect(header(res, 'upload-length')).toBe('20');
      expect(header(res, 'upload-defer-length')).toBeUndefined();
      expect(header(res, 'upload-metadata')).toBe(metadata);
      expect(res.rawHeaders.filter((_, i, all) => i % 2 === 0 && all[i].toLowerCase() === 'upload-metadata')).toHaveLength(1);
      expectExpiresHeader(res, 86_400_000);
      expect(res.body.length).toBe(0);
    });

    it('has no Upload-Metadata when none was sent', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 1 });
      const res = await head(url, up.uploadPath);
      expect(res.status).toBe(200);
      expect(header(res, 'upload-metadata')).toBeUndefined();
    });

    it('an unknown id is 404 without Upload-Offset', async () => {
      const { url } = await h.boot();
      const res = await head(url, '/files/AAAAAAAAAAAAAAAAAAAAAA');
      expect(res.status).toBe(404);
      expectTus(res);
      expect(header(res, 'upload-offset')).toBeUndefined();
    });
  });
});
