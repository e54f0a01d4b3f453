// GET downloads on both adapters: ranges, validators, the served type and disposition, incomplete
// uploads, the download options, guards.
import { describe, expect, it } from 'vitest';
import { RepoModule, TokenGuard } from '../fixtures/modules.js';
import { ADAPTERS, useTusHarness, type AdapterName, type TusBootOptions } from '../support/app.js';
import { header, headerTokens, request, type HeaderInput } from '../support/http.js';
import { IMF_FIXDATE, TUS, b64, createUpload, del, expectError, expectTus, head, patch, pattern } from '../support/tus.js';

const SIZE = 1000;
const DATA = pattern(SIZE, 7);

function metadata(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([key, value]) => `${key} ${b64(value)}`)
    .join(',');
}

describe.each(ADAPTERS)('GET download (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter);

  /** A boot with one completed upload of DATA. */
  async function completed(meta: Record<string, string> = {}, options: TusBootOptions = {}) {
    const app = await h.boot(options);
    const up = await createUpload(app.url, { length: SIZE, body: DATA, metadata: metadata(meta) });
    return { ...app, up };
  }

  const get = (url: string, path: string, headers: HeaderInput = {}) => request(url, { method: 'GET', path, headers });

  describe('a completed upload', () => {
    it('is served whole: 200, byte-exact, with length, validators and cache headers', async () => {
      const { url, up } = await completed();
      const res = await get(url, up.uploadPath);
      expect(res.status).toBe(200);
      expectTus(res);
      expect(res.body.equals(DATA)).toBe(true);
      expect(header(res, 'content-length')).toBe(String(SIZE));
      expect(header(res, 'accept-ranges')).toBe('bytes');
      expect(header(res, 'etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(header(res, 'last-modified')).toMatch(IMF_FIXDATE);
      expect(Math.abs(Date.parse(header(res, 'last-modified')!) - Date.now())).toBeLessThan(10_000);
      expect(header(res, 'cache-control')).toBe('private, no-cache');
      expect(header(res, 'x-content-type-options')).toBe('nosniff');
      expect(header(res, 'content-type')).toBe('application/octet-stream');
      expect(header(res, 'content-disposition')).toBe('attachment');
    });

    it('needs no Tus-Resumable, but refuses an unsupported one (412)', async () => {
      const { url, up } = await completed();
      expect((await get(url, up.uploadPath, TUS)).status).toBe(200);
      expectError(await get(url, up.uploadPath, { 'Tus-Resumable': '0.2.2' }), 412);
    });

    it.each([
      ['first bytes', 'bytes=0-9', 0, 9],
      ['a middle slice', 'bytes=100-199', 100, 199],
      ['one byte', 'bytes=500-500', 500, 500],
      ['the last byte', `bytes=${SIZE - 1}-${SIZE - 1}`, SIZE - 1, SIZE - 1],
      ['a suffix', 'bytes=-50', SIZE - 50, SIZE - 1],
      ['a suffix longer than the body', 'bytes=-5000', 0, SIZE - 1],
      ['open-ended', 'bytes=900-', 900, SIZE - 1],
      ['past the end', 'bytes=990-5000', 990, SIZE - 1],
    ])('Range, %s (%s) → 206 with exactly those bytes', async (_name, range, start, end) => {
      const { url, up } = await completed();
      const res = await get(url, up.uploadPath, { Range: range });
      expect(res.status).toBe(206);
      expectTus(res);
      expect(header(res, 'content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(header(res, 'content-length')).toBe(String(end - start + 1));
      expect(res.body.equals(DATA.subarray(start, end + 1))).toBe(true);
      expect(header(res, 'etag')).toMatch(/^"/);
    });

    it.each([`bytes=${SIZE}-`, `bytes=${SIZE}-${SIZE + 10}`, 'bytes=-0'])('unsatisfiable Range %s → 416 with bytes */total', async (range) => {
      const { url, up } = await completed();
      const res = await get(url, up.uploadPath, { Range: range });
      expectError(res, 416);
      expect(header(res, 'content-range')).toBe(`bytes */${SIZE}`);
    });

    it.each(['bytes=0-1,5-6', 'bytes=5-2', 'bytes=x-y', 'items=0-4', 'bytes 0-4'])(
      'several or malformed ranges (%s) → 200 with the whole body',
      async (range) => {
        const { url, up } = await completed();
        const res = await get(url, up.uploadPath, { Range: range });
        expect(res.status).toBe(200);
        expect(header(res, 'content-range')).toBeUndefined();
        expect(res.body.equals(DATA)).toBe(true);
      },
    );

    it('If-Range with the current ETag or Last-Modified honours the Range; any other value gets 200 whole', async () => {
      const { url, up } = await completed();
      const first = await get(url, up.uploadPath);
      const etag = header(first, 'etag')!;
      const lastModified = header(first, 'last-modified')!;
      for (const validator of [etag, lastModified]) {
        const res = await get(url, up.uploadPath, { Range: 'bytes=10-19', 'If-Range': validator });
        expect(res.status, validator).toBe(206);
        expect(res.body.equals(DATA.subarray(10, 20))).toBe(true);
      }
      const stale = ['"something-else"', `W/${etag}`, 'Thu, 01 Jan 1970 00:00:00 GMT', 'not a validator'];
      for (const validator of stale) {
        const res = await get(url, up.uploadPath, { Range: 'bytes=10-19', 'If-Range': validator });
        expect(res.status, validator).toBe(200);
        expect(header(res, 'content-range')).toBeUndefined();
        expect(res.body.equals(DATA)).toBe(true);
      }
    });

    it('If-None-Match with the current ETag → 304 without a body; another tag → 200', async () => {
      const { url, up } = await completed({ filetype: 'image/png' });
      const etag = header(await get(url, up.uploadPath), 'etag')!;
      for (const value of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await get(url, up.uploadPath, { 'If-None-Match': value, Range: 'bytes=0-1' });
        expect(res.status, value).toBe(304);
        expectTus(res);
        expect(res.body.length).toBe(0);
        expect(header(res, 'etag')).toBe(etag);
        expect(header(res, 'content-type')).toBeUndefined();
      }
      const changed = await get(url, up.uploadPath, { 'If-None-Match': '"other"' });
      expect(changed.status).toBe(200);
      expect(changed.body.equals(DATA)).toBe(true);
    });

    it('keeps its ETag and Last-Modified across a restart on the same directory', async () => {
      const { url, up, dir, close } = await completed();
      const before = await get(url, up.uploadPath);
      await close();
      const restarted = await h.boot({}, { dir });
      const after = await get(restarted.url, up.uploadPath, { Range: 'bytes=0-3', 'If-Range': header(before, 'etag')! });
      expect(header(after, 'etag')).toBe(header(before, 'etag'));
      expect(header(after, 'last-modified')).toBe(header(before, 'last-modified'));
      expect(after.status).toBe(206);
    });

    it('a zero-length upload is an empty 200; any Range on it is 416', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: 0 });
      const res = await get(url, up.uploadPath);
      expect(res.status).toBe(200);
      expect(header(res, 'content-length')).toBe('0');
      expect(res.body.length).toBe(0);
      const ranged = await get(url, up.uploadPath, { Range: 'bytes=0-' });
      expectError(ranged, 416);
      expect(header(ranged, 'content-range')).toBe('bytes */0');
    });

    it('unknown and terminated ids are 404 (tus requests keep their 410)', async () => {
      const { url, up } = await completed();
      expectError(await get(url, '/files/AAAAAAAAAAAAAAAAAAAAAA'), 404);
      expect((await del(url, up.uploadPath)).status).toBe(204);
      expectError(await get(url, up.uploadPath), 404);
      expectError(await head(url, up.uploadPath), 410);
    });

    it('HEAD stays the tus HEAD', async () => {
      const { url, up } = await completed({ filetype: 'image/png' });
      const res = await head(url, up.uploadPath);
      expect(res.status).toBe(200);
      expect(header(res, 'upload-offset')).toBe(String(SIZE));
      expect(header(res, 'cache-control')).toBe('no-store');
      expect(header(res, 'etag')).toBeUndefined();
      expect(header(res, 'content-disposition')).toBeUndefined();
      expect(res.body.length).toBe(0);
    });
  });

  describe('type and disposition', () => {
    it('a safe inline type is shown in place, with the file name', async () => {
      const { url, up } = await completed({ filename: 'photo.png', filetype: 'image/png' });
      const res = await get(url, up.uploadPath);
      expect(header(res, 'content-type')).toBe('image/png');
      expect(header(res, 'content-disposition')).toBe('inline; filename="photo.png"');
    });

    it('text/plain keeps a charset; a partial answer carries the same type and disposition', async () => {
      const { url, up } = await completed({ name: 'notes.txt', contentType: 'text/plain; charset=UTF-8' });
      const res = await get(url, up.uploadPath, { Range: 'bytes=0-0' });
      expect(res.status).toBe(206);
      expect(header(res, 'content-type')).toBe('text/plain; charset=utf-8');
      expect(header(res, 'content-disposition')).toBe('inline; filename="notes.txt"');
    });

    it('another well-formed passive type is kept, as an attachment (PDF is never inline)', async () => {
      const { url, up } = await completed({ filename: 'report.pdf', filetype: 'application/pdf' });
      const res = await get(url, up.uploadPath);
      expect(header(res, 'content-type')).toBe('application/pdf');
      expect(header(res, 'content-disposition')).toBe('attachment; filename="report.pdf"');
    });

    it('a unicode file name gets an ASCII fallback and filename* (RFC 6266)', async () => {
      const { url, up } = await completed({ filename: 'ünïcode "résumé".txt', filetype: 'application/zip' });
      const res = await get(url, up.uploadPath);
      expect(res.status).toBe(200);
      expect(header(res, 'content-disposition')).toBe(
        `attachment; filename="unicode _resume_.txt"; filename*=UTF-8''%C3%BCn%C3%AFcode%20%22r%C3%A9sum%C3%A9%22.txt`,
      );
    });

    it.each(['text/html', 'image/svg+xml', 'application/javascript', 'text/css', 'application/xhtml+xml'])(
      'dangerous filetype %s → application/octet-stream, attachment',
      async (filetype) => {
        const { url, up } = await completed({ filename: 'x.html', filetype });
        const res = await get(url, up.uploadPath);
        expect(res.status).toBe(200);
        expect(header(res, 'content-type')).toBe('application/octet-stream');
        expect(header(res, 'content-disposition')).toBe('attachment; filename="x.html"');
        expect(header(res, 'x-content-type-options')).toBe('nosniff');
        expect(res.body.equals(DATA)).toBe(true);
      },
    );

    it('a filetype or name with CR LF cannot inject a header', async () => {
      // `filename` itself must be printable at creation (400); `name` and `filetype` are not checked there.
      const { url, up } = await completed({ name: 'a\r\nSet-Cookie: x=1', filetype: 'image/png\r\nSet-Cookie: y=2' });
      const res = await get(url, up.uploadPath);
      expect(res.status).toBe(200);
      expect(header(res, 'set-cookie')).toBeUndefined();
      expect(header(res, 'content-type')).toBe('application/octet-stream');
      expect(header(res, 'content-disposition')).toBe(`attachment; filename="a__Set-Cookie: x=1"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1`);
    });
  });

  describe('incomplete uploads', () => {
    it('are 404 with a reason by default', async () => {
      const { url } = await h.boot();
      const up = await createUpload(url, { length: SIZE, body: DATA.subarray(0, 100) });
      const res = await get(url, up.uploadPath);
      expectError(res, 404);
      expect(res.body.toString()).toMatch(/not complete/);
    });

    it('with downloadIncomplete, serve the bytes so far; the ETag follows the offset', async () => {
      const { url } = await h.boot({ downloadIncomplete: true });
      const up = await createUpload(url, { length: SIZE, body: DATA.subarray(0, 100) });
      const first = await get(url, up.uploadPath);
      expect(first.status).toBe(200);
      expect(header(first, 'content-length')).toBe('100');
      expect(first.body.equals(DATA.subarray(0, 100))).toBe(true);
      const ranged = await get(url, up.uploadPath, { Range: 'bytes=-10' });
      expect(ranged.status).toBe(206);
      expect(header(ranged, 'content-range')).toBe('bytes 90-99/100');
      expect(ranged.body.equals(DATA.subarray(90, 100))).toBe(true);
      expectError(await get(url, up.uploadPath, { Range: 'bytes=100-' }), 416);

      expect((await patch(url, up.uploadPath, 100, DATA.subarray(100, 300))).status).toBe(204);
      const second = await get(url, up.uploadPath, { 'If-None-Match': header(first, 'etag')! });
      expect(second.status).toBe(200);
      expect(header(second, 'etag')).not.toBe(header(first, 'etag'));
      expect(second.body.equals(DATA.subarray(0, 300))).toBe(true);
      // A date is no proof for bytes that may still change within its second: whole body.
      const dated = await get(url, up.uploadPath, { Range: 'bytes=0-0', 'If-Range': header(second, 'last-modified')! });
      expect(dated.status).toBe(200);
      const tagged = await get(url, up.uploadPath, { Range: 'bytes=0-0', 'If-Range': header(second, 'etag')! });
      expect(tagged.status).toBe(206);
    });

    it('with downloadIncomplete, a never-written upload is an empty 200 (deferred length too)', async () => {
      const { url } = await h.boot({ downloadIncomplete: true });
      for (const up of [await createUpload(url, { length: 5 }), await createUpload(url, { deferred: true })]) {
        const res = await get(url, up.uploadPath);
        expect(res.status).toBe(200);
        expect(header(res, 'content-length')).toBe('0');
        expect(res.body.length).toBe(0);
      }
    });
  });

  describe('options and guards', () => {
    it('download: false → 405 whose Allow has no GET; the upload itself works', async () => {
      const { url, up } = await completed({}, { download: false });
      const res = await get(url, up.uploadPath, TUS);
      expectError(res, 405);
      expect(headerTokens(res, 'allow')).toEqual(expect.arrayContaining(['head', 'patch', 'delete']));
      expect(headerTokens(res, 'allow')).not.toContain('get');
      expect(res.body.toString()).not.toContain(DATA.subarray(0, 16).toString());
      expect((await head(url, up.uploadPath)).status).toBe(200);
    });

    it('CORS: a browser may send Range and the validators, and read the download headers', async () => {
      const { url, up } = await completed();
      const origin = { Origin: 'https://app.example' };
      const preflight = await request(url, {
        method: 'OPTIONS',
        path: up.uploadPath,
        headers: { ...origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range, if-range' },
      });
      expect(headerTokens(preflight, 'access-control-allow-headers')).toEqual(expect.arrayContaining(['range', 'if-range', 'if-none-match']));
      const res = await get(url, up.uploadPath, { ...origin, Range: 'bytes=0-0' });
      expect(res.status).toBe(206);
      expect(header(res, 'access-control-allow-origin')).toBe('https://app.example');
      expect(headerTokens(res, 'access-control-expose-headers')).toEqual(
        expect.arrayContaining(['content-disposition', 'content-range', 'accept-ranges', 'etag']),
      );
    });

    it('is guarded like every tus method: 403 without the token, 200 with it', async () => {
      const { url } = await h.boot({ guards: [TokenGuard], imports: [RepoModule] });
      const auth = { Authorization: 'Bearer secret-token' };
      const up = await createUpload(url, { length: SIZE, body: DATA, headers: auth });
      const refused = await get(url, up.uploadPath, { Range: 'bytes=0-9' });
      expectError(refused, 403);
      expect(refused.body.toString()).toContain('missing or wrong token');
      const ok = await get(url, up.uploadPath, { ...auth, Range: 'bytes=0-9' });
      expect(ok.status).toBe(206);
      expect(ok.body.equals(DATA.subarray(0, 10))).toBe(true);
    });
  });
});
