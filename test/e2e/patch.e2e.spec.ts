// PATCH (core), creation-defer-length on PATCH, termination, X-HTTP-Method-Override, 405 and GET download,
// on both adapters.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { chunked, header, headerTokens, request } from '../support/http.js';
import {
  OCTET,
  TUS,
  createUpload,
  del,
  exists,
  expectError,
  expectExpiresHeader,
  expectTus,
  head,
  listDir,
  offsetOf,
  patch,
  readData,
} from '../support/tus.js';

const MAX = 1024 * 1024;

describe.each(ADAPTERS)('PATCH, DELETE, override, GET (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { maxSize: MAX });

  describe('PATCH', () => {
    it('appends: 204, new Upload-Offset, Upload-Expires while incomplete, none once complete', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 10 });
      const first = await patch(url, up.uploadPath, 0, 'hello');
      expect(first.status).toBe(204);
      expectTus(first);
      expect(header(first, 'upload-offset')).toBe('5');
      expectExpiresHeader(first, 86_400_000);
      expect((await readData(dir, up.id)).toString()).toBe('hello');
      const last = await patch(url, up.uploadPath, 5, 'world');
      expect(last.status).toBe(204);
      expect(header(last, 'upload-offset')).toBe('10');
      expect(header(last, 'upload-expires')).toBeUndefined();
      expect((await readData(dir, up.id)).toString()).toBe('helloworld');
      const res = await head(url, up.uploadPath);
      expect(header(res, 'upload-offset')).toBe('10');
      expect(header(res, 'upload-expires')).toBeUndefined();
    });

    it('accepts a chunked body and Content-Type parameters / upper case', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 6 });
      const res = await patch(url, up.uploadPath, 0, chunked('ab', 'cd', 'ef'), {
        'Content-Type': 'Application/Offset+Octet-Stream; charset=binary',
      });
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('6');
      expect((await readData(dir, up.id)).toString()).toBe('abcdef');
    });

    // Bodies that the framework's own parsers accept (valid JSON / form data): the tus handler must say 415.
    it.each([
      ['no Content-Type', undefined, 'hello'],
      ['text/plain', 'text/plain', 'hello'],
      ['application/octet-stream', 'application/octet-stream', 'hello'],
      ['application/json', 'application/json', '{"a":1}'],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', 'a=1'],
    ])('Content-Type %s → 415, nothing written', async (_name, contentType, body) => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 10 });
      const headers: Record<string, string> = { ...TUS, 'Upload-Offset': '0' };
      if (contentType) headers['Content-Type'] = contentType;
      const res = await request(url, { method: 'PATCH', path: up.uploadPath, headers, body });
      expectError(res, 415);
      expect((await readData(dir, up.id)).length).toBe(0);
      expect(await offsetOf(url, up.uploadPath)).toBe(0);
    });

    it('an empty PATCH with another Content-Type gets the tus 415 too (Fastify parses labelled empty bodies)', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 10 });
      const res = await request(url, {
        method: 'PATCH',
        path: up.uploadPath,
        headers: { ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/octet-stream', 'Content-Length': '0' },
      });
      expectError(res, 415);
    });

    it.each([
      ['missing', undefined],
      ['abc', 'abc'],
      ['-1', '-1'],
    ])('Upload-Offset %s → 400, nothing written', async (_name, offset) => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const headers: Record<string, string> = { ...TUS, 'Content-Type': OCTET };
      if (offset !== undefined) headers['Upload-Offset'] = offset;
      const res = await request(url, { method: 'PATCH', path: up.uploadPath, headers, body: 'hello' });
      expectError(res, 400);
      expect((await readData(dir, up.id)).length).toBe(0);
    });

    it('a mismatching Upload-Offset is 409 and changes nothing', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 10, body: 'abc' });
      for (const offset of [0, 2, 4]) {
        const res = await patch(url, up.uploadPath, offset, 'xyz');
        expectError(res, 409);
      }
      expect((await readData(dir, up.id)).toString()).toBe('abc');
      expect(await offsetOf(url, up.uploadPath)).toBe(3);
    });

    it('an unknown upload is 404', async () => {
      const { url, dir } = await h.boot();
      const res = await patch(url, '/files/AAAAAAAAAAAAAAAAAAAAAA', 0, 'hello');
      expectError(res, 404);
      expect(header(res, 'upload-offset')).toBeUndefined();
      expect(await exists(path.join(dir, 'AAAAAAAAAAAAAAAAAAAAAA'))).toBe(false);
    });

    it('a body longer than the rest with Content-Length is 413 before writing', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const res = await patch(url, up.uploadPath, 0, '0123456789');
      expectError(res, 413);
      expect((await readData(dir, up.id)).length).toBe(0);
      expect(await offsetOf(url, up.uploadPath)).toBe(0);
    });

    it('a chunked overrun stores up to the length, then 413', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const res = await patch(url, up.uploadPath, 0, chunked('0123', '456789'));
      expectError(res, 413);
      expect((await readData(dir, up.id)).toString()).toBe('01234');
      expect(await offsetOf(url, up.uploadPath)).toBe(5);
    });

    it('on a complete upload: empty body → 204 unchanged, non-empty → 413', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 3, body: 'abc' });
      const empty = await patch(url, up.uploadPath, 3, Buffer.alloc(0));
      expect(empty.status).toBe(204);
      expect(header(empty, 'upload-offset')).toBe('3');
      expectError(await patch(url, up.uploadPath, 3, 'd'), 413);
      expect((await readData(dir, up.id)).toString()).toBe('abc');
    });
  });

  describe('deferred length on PATCH', () => {
    it('Upload-Length on a PATCH with data declares the length and completes', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { deferred: true });
      const first = await patch(url, up.uploadPath, 0, 'abc');
      expect(first.status).toBe(204);
      expect(header(first, 'upload-offset')).toBe('3');
      expect(header(await head(url, up.uploadPath), 'upload-defer-length')).toBe('1');
      const last = await patch(url, up.uploadPath, 3, 'de', { 'Upload-Length': '5' });
      expect(last.status).toBe(204);
      expect(header(last, 'upload-offset')).toBe('5');
      expect(header(last, 'upload-expires')).toBeUndefined();
      const res = await head(url, up.uploadPath);
      expect(header(res, 'upload-length')).toBe('5');
      expect(header(res, 'upload-defer-length')).toBeUndefined();
      expect((await readData(dir, up.id)).toString()).toBe('abcde');
    });

    it('an empty PATCH that only declares Upload-Length = offset completes the upload', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { deferred: true });
      expect((await patch(url, up.uploadPath, 0, 'abcd')).status).toBe(204);
      const res = await patch(url, up.uploadPath, 4, Buffer.alloc(0), { 'Upload-Length': '4' });
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('4');
      const check = await head(url, up.uploadPath);
      expect(header(check, 'upload-length')).toBe('4');
      expect(header(check, 'upload-expires')).toBeUndefined();
      const get = await request(url, { method: 'GET', path: up.uploadPath });
      expect(get.status).toBe(200);
      expect(get.body.toString()).toBe('abcd');
      expect((await readData(dir, up.id)).toString()).toBe('abcd');
    });

    it('an empty PATCH may declare a length above the offset; the upload continues', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { deferred: true, body: 'ab' });
      const res = await patch(url, up.uploadPath, 2, Buffer.alloc(0), { 'Upload-Length': '4' });
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('2');
      expect(header(await head(url, up.uploadPath), 'upload-length')).toBe('4');
      expect((await patch(url, up.uploadPath, 2, 'cd')).status).toBe(204);
      expect((await readData(dir, up.id)).toString()).toBe('abcd');
    });

    it('Upload-Length that differs from the known length → 400', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      expectError(await patch(url, up.uploadPath, 0, 'ab', { 'Upload-Length': '6' }), 400);
      expect(await offsetOf(url, up.uploadPath)).toBe(0);
    });

    it('Upload-Length below the offset → 400; above maxSize → 413', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { deferred: true, body: 'abcd' });
      expectError(await patch(url, up.uploadPath, 4, Buffer.alloc(0), { 'Upload-Length': '3' }), 400);
      expectError(await patch(url, up.uploadPath, 4, Buffer.alloc(0), { 'Upload-Length': String(MAX + 1) }), 413);
      const res = await head(url, up.uploadPath);
      expect(header(res, 'upload-defer-length')).toBe('1');
      expect(header(res, 'upload-offset')).toBe('4');
      expect((await readData(dir, up.id)).toString()).toBe('abcd');
    });
  });

  describe('DELETE', () => {
    it('terminates: 204, data removed, then HEAD/PATCH/DELETE → 410', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 10, body: 'abc' });
      const res = await del(url, up.uploadPath);
      expect(res.status).toBe(204);
      expectTus(res);
      expect(await exists(path.join(dir, up.id))).toBe(false);
      const afterHead = await head(url, up.uploadPath);
      expect(afterHead.status).toBe(410);
      expect(header(afterHead, 'upload-offset')).toBeUndefined();
      expectError(await patch(url, up.uploadPath, 3, 'def'), 410);
      expectError(await del(url, up.uploadPath), 410);
      expect(await exists(path.join(dir, up.id))).toBe(false);
    });

    it('a completed upload can be terminated too', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 3, body: 'abc' });
      expect((await del(url, up.uploadPath)).status).toBe(204);
      expect((await head(url, up.uploadPath)).status).toBe(410);
      expect(await exists(path.join(dir, up.id))).toBe(false);
    });
  });

  describe('X-HTTP-Method-Override', () => {
    it('POST + PATCH override appends', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const res = await request(url, {
        method: 'POST',
        path: up.uploadPath,
        headers: { ...TUS, 'X-HTTP-Method-Override': 'PATCH', 'Content-Type': OCTET, 'Upload-Offset': '0' },
        body: 'hello',
      });
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('5');
      expect((await readData(dir, up.id)).toString()).toBe('hello');
    });

    it('POST + HEAD override reports the offset', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 5, body: 'ab' });
      const res = await request(url, {
        method: 'POST',
        path: up.uploadPath,
        headers: { ...TUS, 'X-HTTP-Method-Override': 'HEAD' },
      });
      expect(res.status).toBe(200);
      expect(header(res, 'upload-offset')).toBe('2');
      expect(header(res, 'upload-length')).toBe('5');
    });

    it('POST + DELETE override terminates', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const res = await request(url, {
        method: 'POST',
        path: up.uploadPath,
        headers: { ...TUS, 'X-HTTP-Method-Override': 'DELETE' },
      });
      expect(res.status).toBe(204);
      expect((await head(url, up.uploadPath)).status).toBe(410);
      expect(await exists(path.join(dir, up.id))).toBe(false);
    });

    it('POST /files + OPTIONS override answers like OPTIONS', async () => {
      const { url, dir } = await h.boot();
      const res = await request(url, {
        method: 'POST',
        path: '/files',
        headers: { 'X-HTTP-Method-Override': 'OPTIONS', 'Upload-Length': '5' },
      });
      expect(res.status).toBe(204);
      expect(header(res, 'tus-version')).toBe('1.0.0');
      expect(header(res, 'location')).toBeUndefined();
      expect(await listDir(dir)).toEqual([]);
    });

    it.each(['patch', 'PUT', 'GET', 'POST'])('override value %s → 405, nothing changes', async (value) => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const res = await request(url, {
        method: 'POST',
        path: up.uploadPath,
        headers: { ...TUS, 'X-HTTP-Method-Override': value, 'Content-Type': OCTET, 'Upload-Offset': '0' },
        body: 'hello',
      });
      expectError(res, 405);
      expect((await readData(dir, up.id)).length).toBe(0);
      expect(await offsetOf(url, up.uploadPath)).toBe(0);
    });

    it('is not honoured on a real PATCH', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const res = await patch(url, up.uploadPath, 0, 'hello', { 'X-HTTP-Method-Override': 'DELETE' });
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('5');
      expect((await head(url, up.uploadPath)).status).toBe(200);
      expect((await readData(dir, up.id)).toString()).toBe('hello');
    });
  });

  describe('other methods', () => {
    it('PUT → 405 with Allow', async () => {
      const { url, dir } = await h.boot();
      const up = await createUpload(url, { length: 5 });
      const res = await request(url, {
        method: 'PUT',
        path: up.uploadPath,
        headers: { ...TUS, 'Content-Type': OCTET },
        body: 'hello',
      });
      expectError(res, 405);
      expect(headerTokens(res, 'allow')).toEqual(expect.arrayContaining(['head', 'patch', 'delete']));
      expect((await readData(dir, up.id)).length).toBe(0);
      const onCollection = await request(url, { method: 'PUT', path: '/files', headers: TUS });
      expectError(onCollection, 405);
      expect(headerTokens(onCollection, 'allow')).toContain('post');
    });

    it('GET of a completed upload downloads it with safe headers', async () => {
      const { url } = await h.boot();
      const data = Buffer.from([0, 1, 2, 250, 251, 252, 60, 104, 116, 109, 108, 62]);
      const up = await createUpload(url, { length: data.length, body: data, metadata: 'filetype dGV4dC9odG1s' });
      const res = await request(url, { method: 'GET', path: up.uploadPath, headers: TUS });
      expect(res.status).toBe(200);
      expect(res.body.equals(data)).toBe(true);
      expect(header(res, 'content-type')).toBe('application/octet-stream');
      expect(header(res, 'content-disposition')).toMatch(/^attachment\b/);
      expect(header(res, 'x-content-type-options')).toBe('nosniff');
    });

    it('GET of an incomplete upload → 404', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 5, body: 'ab' });
      const res = await request(url, { method: 'GET', path: up.uploadPath, headers: TUS });
      expect(res.status).toBe(404);
      expectTus(res);
      expect(res.body.toString()).not.toBe('ab');
    });
  });
});
