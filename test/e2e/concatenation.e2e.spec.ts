// concatenation and concatenation-unfinished over both adapters: partial uploads, finals built from
// absolute or relative partial URLs, finals created before their parts are complete, refusals, and
// tus-js-client's parallelUploads.
import { randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { describe, expect, it } from 'vitest';
import { RecordingComplete, RepoModule, UploadRepository } from '../fixtures/modules.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, request } from '../support/http.js';
import { OCTET, TUS, b64, createUpload, del, expectError, head, patch, readData, sha256, uploadIds } from '../support/tus.js';

describe.each(ADAPTERS)('concatenation (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { uploadCompleteHandler: RecordingComplete, imports: [RepoModule] }, (app) => ({
    repo: app.app.get(UploadRepository, { strict: false }),
  }));

  const partial = (url: string, body: string, length = body.length) =>
    createUpload(url, { length, body: body || undefined, headers: { 'Upload-Concat': 'partial' } });

  const final = (url: string, parts: string[], headers: Record<string, string> = {}) =>
    request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Concat': `final;${parts.join(' ')}`, ...headers } });

  it('a final of complete partials is assembled at once, in order, and only it reaches the completion handler', async () => {
    const { url, dir, repo } = await h.boot();
    const a = await partial(url, 'hello ');
    const b = await partial(url, 'wide ');
    const c = await partial(url, 'world');
    const head1 = await head(url, a.uploadPath, { ...TUS, 'Upload-Concat': 'partial' });
    expect(header(head1, 'upload-concat')).toBe('partial');
    const concat = `final;${a.location} ${b.uploadPath} ${c.location}`;
    const res = await request(url, {
      method: 'POST',
      path: '/files',
      headers: { ...TUS, 'Upload-Concat': concat, 'Upload-Metadata': `filename ${b64('all.txt')}` },
    });
    expect(res.status).toBe(201);
    const id = header(res, 'location')!.split('/').pop()!;
    const info = await head(url, `/files/${id}`);
    expect(info.status).toBe(200);
    expect(header(info, 'upload-concat')).toBe(concat);
    expect(header(info, 'upload-offset')).toBe('16');
    expect(header(info, 'upload-length')).toBe('16');
    expect((await readData(dir, id)).toString()).toBe('hello wide world');
    const download = await request(url, { method: 'GET', path: `/files/${id}` });
    expect(download.body.toString()).toBe('hello wide world');
    expect(repo.completed.map((c) => c.id)).toEqual([id]);
    expect(repo.completed[0].metadata).toEqual({ filename: 'all.txt' });
  });

  it('PATCH on a final is 403 and changes nothing', async () => {
    const { url } = await h.boot();
    const a = await partial(url, 'ab');
    const res = await final(url, [a.location]);
    const path = new URL(header(res, 'location')!).pathname;
    expectError(await patch(url, path, 2, 'cd'), 403);
    expect(header(await head(url, path), 'upload-offset')).toBe('2');
  });

  it('concatenation-unfinished: a final created first is assembled when its last part completes', async () => {
    const { url, dir, repo } = await h.boot();
    const a = await partial(url, '', 5);
    const b = createUpload(url, { headers: { 'Upload-Concat': 'partial', 'Upload-Defer-Length': '1' } });
    const bb = await b;
    const res = await final(url, [a.location, bb.location]);
    expect(res.status).toBe(201);
    const path = new URL(header(res, 'location')!).pathname;
    let info = await head(url, path);
    expect(info.status).toBe(200);
    expect(header(info, 'upload-offset')).toBeUndefined();
    expect(header(info, 'upload-length')).toBeUndefined(); // b's length is not known yet
    expect((await patch(url, a.uploadPath, 0, 'hello')).status).toBe(204);
    const declare = await request(url, {
      method: 'PATCH',
      path: bb.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Upload-Length': '6', 'Upload-Concat': 'partial' },
      body: ' there',
    });
    expect(declare.status).toBe(204);
    info = await head(url, path);
    expect(header(info, 'upload-offset')).toBe('11');
    expect(header(info, 'upload-length')).toBe('11');
    const id = path.split('/').pop()!;
    expect((await readData(dir, id)).toString()).toBe('hello there');
    expect(repo.completed.map((c) => c.id)).toEqual([id]);
  });

  it('a final whose part was terminated before assembly answers 410', async () => {
    const { url } = await h.boot();
    const a = await partial(url, '', 3);
    const res = await final(url, [a.location]);
    const path = new URL(header(res, 'location')!).pathname;
    expect(header(await head(url, path), 'upload-length')).toBe('3');
    expect((await del(url, a.uploadPath)).status).toBe(204);
    expectError(await head(url, path), 410);
  });

  it.each([
    ['an unknown id', (url: string) => `${url}/files/AAAAAAAAAAAAAAAAAAAAAA`],
    ['another endpoint', (url: string) => `${url}/elsewhere/AAAAAAAAAAAAAAAAAAAAAA`],
    ['a traversal', () => '/files/../x'],
    ['an encoded traversal', () => '/files/%2e%2e%2fx'],
    ['a query string', (url: string) => `${url}/files/AAAAAAAAAAAAAAAAAAAAAA?x=1`],
  ])('refuses %s with 400 and creates nothing', async (_name, make) => {
    const { url, dir } = await h.boot();
    const a = await partial(url, 'ab');
    expectError(await final(url, [a.location, make(url)]), 400);
    expect(await uploadIds(dir)).toEqual([a.id]);
  });

  it('refuses a non-partial part, Upload-Length on a final and malformed values with 400', async () => {
    const { url, dir } = await h.boot();
    const plain = await createUpload(url, { length: 2, body: 'ab' });
    const a = await partial(url, 'cd');
    expectError(await final(url, [a.location, plain.location]), 400);
    expectError(await final(url, [a.location], { 'Upload-Length': '2' }), 400);
    for (const value of ['final;', 'final', 'partial;x', 'whole']) {
      expectError(await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Concat': value, 'Upload-Length': '1' } }), 400);
    }
    expect((await uploadIds(dir)).sort()).toEqual([plain.id, a.id].sort());
  });

  it('tus-js-client parallelUploads: 3 completes and the final is byte-exact', async () => {
    const { url, dir, repo } = await h.boot();
    const source = randomBytes(1024 * 1024 + 7);
    const upload = await new Promise<tus.Upload>((resolve, reject) => {
      const u: tus.Upload = new tus.Upload(source, {
        endpoint: `${url}/files`,
        parallelUploads: 3,
        retryDelays: null,
        metadata: { filename: 'parallel.bin' },
        onSuccess: () => resolve(u),
        onError: reject,
      });
      u.start();
    });
    const id = new URL(upload.url!).pathname.split('/').pop()!;
    expect(sha256(await readData(dir, id))).toBe(sha256(source));
    expect(repo.completed.map((c) => c.id)).toEqual([id]);
    expect(repo.completed[0].metadata).toEqual({ filename: 'parallel.bin' });
  });
});
