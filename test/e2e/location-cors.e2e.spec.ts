// Location construction (absolute, relative, global prefix, custom path, trusted proxies) and the
// built-in CORS handling, on both adapters.
import { VersioningType } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, headerTokens, request } from '../support/http.js';
import { TUS, createUpload, expectError, head, listDir, post } from '../support/tus.js';

const ORIGIN = 'https://app.example';
const EXPOSED = [
  'location',
  'upload-offset',
  'upload-length',
  'upload-metadata',
  'upload-defer-length',
  'upload-expires',
  'tus-version',
  'tus-resumable',
];
const ALLOWED = [
  'tus-resumable',
  'upload-length',
  'upload-offset',
  'upload-metadata',
  'upload-defer-length',
  'upload-concat',
  'x-http-method-override',
  'authorization',
  'content-type',
];
const METHODS = ['post', 'head', 'patch', 'delete', 'get', 'options'];

describe.each(ADAPTERS)('Location and CORS (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter);

  describe('Location', () => {
    it('is absolute by default, built from the Host of the request, and usable', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 1 });
      expect(up.location).toBe(`${url}/files/${up.id}`);
      expect((await head(url, new URL(up.location).pathname)).status).toBe(200);
      const other = await post(url, { length: 1, headers: { Host: 'uploads.example:8443' } });
      expect(other.status).toBe(201);
      expect(header(other, 'location')).toMatch(/^http:\/\/uploads\.example:8443\/files\/[A-Za-z0-9_-]{22}$/);
    });

    it('is an absolute path with relativeLocation', async () => {
      const { url } = await h.boot({ relativeLocation: true });
      const up = await createUpload(url, { length: 1 });
      expect(up.location).toBe(`/files/${up.id}`);
      expect((await head(url, up.location)).status).toBe(200);
    });

    it('follows a custom controller path', async () => {
      const { url } = await h.boot({ path: 'media/uploads' });
      const up = await createUpload(url, { path: '/media/uploads', length: 1 });
      expect(up.location).toBe(`${url}/media/uploads/${up.id}`);
      expect((await head(url, `/media/uploads/${up.id}`)).status).toBe(200);
      expect((await post(url, { length: 1 })).status).toBe(404);
    });

    it('includes the global prefix (absolute and relative)', async () => {
      const { url } = await h.boot({}, { globalPrefix: 'api' });
      const up = await createUpload(url, { path: '/api/files', length: 3 });
      expect(up.location).toBe(`${url}/api/files/${up.id}`);
      const res = await request(url, {
        method: 'PATCH',
        path: `/api/files/${up.id}`,
        headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
        body: 'abc',
      });
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('3');
    });

    it('includes the URI version and the global prefix under versioning', async () => {
      const { url } = await h.boot(
        {},
        {
          globalPrefix: 'api',
          beforeInit: (app) => {
            app.enableVersioning({ type: VersioningType.URI, defaultVersion: '2' });
          },
        },
      );
      const up = await createUpload(url, { path: '/api/v2/files', length: 2 });
      expect(up.location).toBe(`${url}/api/v2/files/${up.id}`);
      const res = await request(url, {
        method: 'PATCH',
        path: `/api/v2/files/${up.id}`,
        headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
        body: 'ab',
      });
      expect(res.status).toBe(204);
      expect(header(res, 'upload-offset')).toBe('2');
      expect((await head(url, `/api/v2/files/${up.id}`)).status).toBe(200);
    });

    it('includes the global prefix with relativeLocation', async () => {
      const { url } = await h.boot({ relativeLocation: true }, { globalPrefix: 'api' });
      const up = await createUpload(url, { path: '/api/files', length: 1 });
      expect(up.location).toBe(`/api/files/${up.id}`);
      expect((await head(url, up.location)).status).toBe(200);
    });
  });

  describe('trustProxy', () => {
    const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'uploads.example.com' };

    it('honours X-Forwarded-Proto/Host from a trusted peer', async () => {
      const { url } = await h.boot({ trustProxy: ['127.0.0.1'] });
      const up = await createUpload(url, { length: 1, headers: forwarded });
      expect(up.location).toBe(`https://uploads.example.com/files/${up.id}`);
    });

    it('honours Forwarded from a trusted peer', async () => {
      const { url } = await h.boot({ trustProxy: ['127.0.0.1'] });
      const up = await createUpload(url, { length: 1, headers: { Forwarded: 'for=10.0.0.9;proto=https;host=fw.example.com' } });
      expect(up.location).toBe(`https://fw.example.com/files/${up.id}`);
    });

    it('ignores forwarding headers by default', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 1, headers: { ...forwarded, Forwarded: 'proto=https;host=fw.example.com' } });
      expect(up.location).toBe(`${url}/files/${up.id}`);
    });

    it('ignores forwarding headers from a peer that is not trusted', async () => {
      const { url } = await h.boot({ trustProxy: ['10.1.2.3'] });
      const up = await createUpload(url, { length: 1, headers: { ...forwarded, Forwarded: 'proto=https;host=fw.example.com' } });
      expect(up.location).toBe(`${url}/files/${up.id}`);
    });
  });

  describe('CORS', () => {
    function expectCors(res: Parameters<typeof header>[0], origin = ORIGIN) {
      expect(header(res, 'access-control-allow-origin')).toBe(origin);
      expect(headerTokens(res, 'vary')).toContain('origin');
      expect(headerTokens(res, 'access-control-expose-headers')).toEqual(expect.arrayContaining(EXPOSED));
    }

    it('adds allow-origin, Vary and expose headers on success', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 3, headers: { Origin: ORIGIN } });
      expectCors(up.res);
      const res = await head(url, up.uploadPath, { ...TUS, Origin: ORIGIN });
      expect(res.status).toBe(200);
      expectCors(res);
    });

    it('adds them on error responses too (404, 412, 400)', async () => {
      const { url } = await h.boot();
      const notFound = await head(url, '/files/AAAAAAAAAAAAAAAAAAAAAA', { ...TUS, Origin: ORIGIN });
      expect(notFound.status).toBe(404);
      expectCors(notFound);
      const noVersion = await request(url, { method: 'POST', path: '/files', headers: { Origin: ORIGIN, 'Upload-Length': '1' } });
      expectError(noVersion, 412);
      expectCors(noVersion);
      const bad = await post(url, { headers: { Origin: ORIGIN } });
      expectError(bad, 400);
      expectCors(bad);
    });

    it('sends no CORS headers without an Origin', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 1 });
      expect(header(up.res, 'access-control-allow-origin')).toBeUndefined();
    });

    it.each(['/files', '/files/AAAAAAAAAAAAAAAAAAAAAA'])('answers a preflight on %s', async (target) => {
      const { url } = await h.boot();
      const res = await request(url, {
        method: 'OPTIONS',
        path: target,
        headers: {
          Origin: ORIGIN,
          'Access-Control-Request-Method': 'PATCH',
          'Access-Control-Request-Headers': 'tus-resumable,upload-offset,content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(header(res, 'access-control-allow-origin')).toBe(ORIGIN);
      expect(headerTokens(res, 'access-control-allow-methods')).toEqual(expect.arrayContaining(METHODS));
      expect(headerTokens(res, 'access-control-allow-headers')).toEqual(expect.arrayContaining(ALLOWED));
      expect(header(res, 'access-control-max-age')).toBe('86400');
    });

    it('cors: false sends no CORS headers at all', async () => {
      const { url } = await h.boot({ cors: false });
      const up = await createUpload(url, { length: 1, headers: { Origin: ORIGIN } });
      const preflight = await request(url, {
        method: 'OPTIONS',
        path: '/files',
        headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' },
      });
      const error = await head(url, '/files/AAAAAAAAAAAAAAAAAAAAAA', { ...TUS, Origin: ORIGIN });
      expect(error.status).toBe(404);
      for (const res of [up.res, preflight, error]) {
        expect(Object.keys(res.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      }
      expect(preflight.status).toBe(204);
      expect(header(preflight, 'tus-version')).toBe('1.0.0');
    });

    it('an origin list admits listed origins and answers 403 to others', async () => {
      const { url, dir } = await h.boot({ cors: { origins: ['https://good.example'] } });
      const good = await createUpload(url, { length: 1, headers: { Origin: 'https://good.example' } });
      expect(header(good.res, 'access-control-allow-origin')).toBe('https://good.example');
      const before = await listDir(dir);
      const evil = await post(url, { length: 1, headers: { Origin: 'https://evil.example' } });
      expectError(evil, 403);
      expect(header(evil, 'location')).toBeUndefined();
      expect(header(evil, 'access-control-allow-origin')).not.toBe('https://evil.example');
      const evilPreflight = await request(url, {
        method: 'OPTIONS',
        path: '/files',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      });
      expect(evilPreflight.status).toBe(403);
      expect(header(evilPreflight, 'access-control-allow-origin')).not.toBe('https://evil.example');
      expect(await listDir(dir)).toEqual(before);
    });
  });
});
