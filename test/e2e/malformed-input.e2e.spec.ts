// Malformed numbers, metadata and ids, over both adapters. The store lives in <root>/uploads next to a
// sentinel directory <root>/sentinel; after the whole table nothing outside the upload directory may
// have changed and no upload may have been created.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, makeTempDir, removeDir, startTusApp, type AdapterName, type TusApp } from '../support/app.js';
import { header, request, type HeaderInput } from '../support/http.js';
import { OCTET, TUS, b64, createUpload, dataSize, listDir, post } from '../support/tus.js';

const TOO_BIG = '9007199254740992'; // 2^53
const HUGE = '99999999999999999999999999';
const BAD_NUMBERS: Array<[string, string | string[]]> = [
  ['negative', '-1'],
  ['non-numeric', 'abc'],
  ['empty', ''],
  ['leading zero', '007'],
  ['plus sign', '+5'],
  ['exponent', '1e3'],
  ['decimal', '5.0'],
  ['hex', '0x10'],
  ['2^53', TOO_BIG],
  ['huge', HUGE],
  ['comma-joined duplicate', '5, 5'],
  ['repeated header', ['5', '5']],
];

const BAD_METADATA: Array<[string, string]> = [
  ['bad Base64 characters', 'filename !!!!'],
  ['bad Base64 length', 'filename YQ'],
  ['bad Base64 padding', 'filename Y==='],
  ['trailing comma', 'filename YQ==,'],
  ['duplicate keys', 'filename YQ==,filename Yg=='],
  ['duplicate keys, one without value', 'flag,flag YQ=='],
  ['three parts', 'filename YQ== Yg=='],
  ['empty pair', 'filename YQ==,,other Yg=='],
  ['only a comma', ','],
  ['space in a key', 'file name YQ=='],
];

/** Paths that must never reach the file system as anything but an unknown (or rejected) id. */
const BAD_ID_PATHS = [
  '/files/../x',
  '/files/..%2fx',
  '/files/..%2Fsentinel%2Fkeep.txt',
  '/files/%2e%2e%2fx',
  '/files/%2e%2e%2fsentinel%2fkeep.txt',
  '/files/%252e%252e%252fx',
  '/files/%252e%252e%252fsentinel%252fkeep.txt',
  '/files/%2e%2e',
  '/files/..',
  '/files/x%00',
  '/files/%00',
  '/files/x%00.json',
  '/files/a.json',
  '/files/%2fetc%2fpasswd',
  `/files/${'a'.repeat(101)}`,
  `/files/${'a'.repeat(129)}`,
  `/files/${'a'.repeat(4000)}`,
];

describe.each(ADAPTERS)('malformed input (%s)', (adapter: AdapterName) => {
  let root: string;
  let uploads: string;
  let sentinel: string;
  let tus: TusApp;
  let url: string;
  /** An upload of length 10 that the PATCH cases target; it must stay untouched. */
  let target: { id: string; uploadPath: string };
  /** A deferred-length upload for the PATCH Upload-Length cases. */
  let deferred: { id: string; uploadPath: string };
  let expectedListing: string[];

  beforeAll(async () => {
    root = await makeTempDir();
    uploads = path.join(root, 'uploads');
    sentinel = path.join(root, 'sentinel');
    await mkdir(uploads);
    await mkdir(sentinel);
    await writeFile(path.join(sentinel, 'keep.txt'), 'keep me');
    tus = await startTusApp(adapter, { options: { directory: uploads, maxSize: 1024 * 1024 } });
    url = tus.url;
    target = await createUpload(url, { length: 10 });
    deferred = await createUpload(url, { deferred: true });
    expectedListing = await listDir(uploads);
  });

  afterAll(async () => {
    await tus?.close();
    if (root) await removeDir(root);
  });

  const patchHeaders = (extra: HeaderInput): HeaderInput => ({ ...TUS, 'Content-Type': OCTET, ...extra });

  it.each(BAD_NUMBERS)('POST Upload-Length %s → 400', async (_name, value) => {
    const res = await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': value } });
    expect(res.status).toBe(400);
    expect(header(res, 'location')).toBeUndefined();
  });

  it.each(BAD_NUMBERS)('PATCH Upload-Offset %s → 400', async (_name, value) => {
    const res = await request(url, {
      method: 'PATCH',
      path: target.uploadPath,
      headers: patchHeaders({ 'Upload-Offset': value }),
      body: 'abc',
    });
    expect(res.status).toBe(400);
  });

  it.each(BAD_NUMBERS)('PATCH declaring Upload-Length %s → 400', async (_name, value) => {
    const res = await request(url, {
      method: 'PATCH',
      path: deferred.uploadPath,
      headers: patchHeaders({ 'Upload-Offset': '0', 'Upload-Length': value }),
      body: Buffer.alloc(0),
    });
    expect(res.status).toBe(400);
  });

  it.each([['0'], ['2'], ['true'], ['1, 1'], ['']])('POST Upload-Defer-Length %j → 400', async (value) => {
    const res = await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Defer-Length': value } });
    expect(res.status).toBe(400);
  });

  it.each(BAD_METADATA)('POST Upload-Metadata with %s → 400', async (_name, metadata) => {
    const res = await post(url, { length: 5, metadata });
    expect(res.status).toBe(400);
    expect(header(res, 'location')).toBeUndefined();
  });

  it('POST with metadata above maxMetadataSize (8 KiB default) → 400', async () => {
    const metadata = `big ${b64('x'.repeat(7000))}`;
    expect(metadata.length).toBeGreaterThan(8192);
    expect(metadata.length).toBeLessThan(12_000);
    const res = await post(url, { length: 5, metadata });
    expect(res.status).toBe(400);
  });

  it('POST with metadata just below maxMetadataSize is accepted (control)', async () => {
    // Created on a separate app so the no-upload-created check below stays exact.
    const dir = await makeTempDir();
    const other = await startTusApp(adapter, { options: { directory: dir } });
    try {
      const metadata = `big ${b64('x'.repeat(6000))}`;
      expect(metadata.length).toBeLessThan(8192);
      const up = await createUpload(other.url, { length: 1, metadata });
      const res = await request(other.url, { method: 'HEAD', path: up.uploadPath, headers: TUS });
      expect(header(res, 'upload-metadata')).toBe(metadata);
    } finally {
      await other.close();
      await removeDir(dir);
    }
  });

  describe.each(BAD_ID_PATHS.map((p) => [p.length > 60 ? `${p.slice(0, 40)}…(${p.length})` : p, p]))(
    'id path %s',
    (_label, badPath) => {
      it.each(['HEAD', 'GET', 'DELETE', 'POST'])('%s → 4xx', async (method) => {
        const res = await request(url, { method, path: badPath, headers: TUS });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(header(res, 'upload-offset')).toBeUndefined();
      });

      it('PATCH → 4xx', async () => {
        const res = await request(url, {
          method: 'PATCH',
          path: badPath,
          headers: patchHeaders({ 'Upload-Offset': '0' }),
          body: 'evil',
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(header(res, 'upload-offset')).toBeUndefined();
      });

      it('POST + X-HTTP-Method-Override: PATCH → 4xx', async () => {
        const res = await request(url, {
          method: 'POST',
          path: badPath,
          headers: patchHeaders({ 'Upload-Offset': '0', 'X-HTTP-Method-Override': 'PATCH' }),
          body: 'evil',
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      });
    },
  );

  // Ids are at most 100 characters (docs/storage.md; Fastify's maxParamLength).
  it('a well-formed but unknown id of 100 characters is 404', async () => {
    const res = await request(url, { method: 'HEAD', path: `/files/${'A'.repeat(100)}`, headers: TUS });
    expect(res.status).toBe(404);
  });

  it('afterwards: nothing outside the upload directory changed and no upload was created', async () => {
    expect(await listDir(root)).toEqual(['sentinel', 'uploads']);
    expect(await listDir(sentinel)).toEqual(['keep.txt']);
    expect(await readFile(path.join(sentinel, 'keep.txt'), 'utf8')).toBe('keep me');
    expect(await listDir(uploads)).toEqual(expectedListing);
    expect(await dataSize(uploads, target.id)).toBe(0);
    expect(await dataSize(uploads, deferred.id)).toBe(0);
    const res = await request(url, { method: 'HEAD', path: target.uploadPath, headers: TUS });
    expect(res.status).toBe(200);
    expect(header(res, 'upload-offset')).toBe('0');
    expect(header(res, 'upload-length')).toBe('10');
    const d = await request(url, { method: 'HEAD', path: deferred.uploadPath, headers: TUS });
    expect(header(d, 'upload-defer-length')).toBe('1');
    expect(header(d, 'upload-offset')).toBe('0');
  });
});
