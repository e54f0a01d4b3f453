// The module on a @tus/utils DataStore (here @tus/file-store) through TusDataStoreAdapter, on both
// adapters: the extensions it cannot serve are not advertised and are refused with 400; the rest works,
// tus-js-client included.
import { FileStore as TusFileStore } from '@tus/file-store';
import { randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { describe, expect, it } from 'vitest';
import { TusDataStoreAdapter } from '../../src/index.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { headerTokens, request, header } from '../support/http.js';
import { OCTET, TUS, createUpload, expectError, head, patch, sha256 } from '../support/tus.js';

describe.each(ADAPTERS)('@tus/utils DataStore through the adapter (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter);
  const tusFileStoreIn = (dir: string) => ({ store: new TusDataStoreAdapter(new TusFileStore({ directory: dir })) });

  it('advertises only what the store can do and refuses the rest with 400', async () => {
    const { url } = await h.boot(tusFileStoreIn);
    const options = await request(url, { method: 'OPTIONS', path: '/files' });
    const extensions = headerTokens(options, 'tus-extension');
    expect(extensions).toEqual(expect.arrayContaining(['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'expiration']));
    expect(extensions).not.toEqual(expect.arrayContaining(['checksum']));
    expect(extensions).not.toEqual(expect.arrayContaining(['concatenation']));
    expect(header(options, 'tus-checksum-algorithm')).toBeUndefined();
    expectError(await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '1', 'Upload-Concat': 'partial' } }), 400);
    const up = await createUpload(url, { length: 3 });
    const res = await request(url, {
      method: 'PATCH',
      path: up.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Upload-Checksum': 'sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=' },
      body: 'abc',
    });
    expectError(res, 400);
    expect(res.body.toString()).toContain('not supported');
  });

  it('creates, appends, resumes, downloads and terminates', async () => {
    const { url } = await h.boot(tusFileStoreIn);
    const up = await createUpload(url, { length: 6, body: 'abc' });
    expect((await patch(url, up.uploadPath, 3, 'def')).status).toBe(204);
    const info = await head(url, up.uploadPath);
    expect([header(info, 'upload-offset'), header(info, 'upload-length')]).toEqual(['6', '6']);
    const download = await request(url, { method: 'GET', path: up.uploadPath, headers: { Range: 'bytes=2-4' } });
    expect(download.status).toBe(206);
    expect(download.body.toString()).toBe('cde');
    expect((await request(url, { method: 'DELETE', path: up.uploadPath, headers: TUS })).status).toBe(204);
    expectError(await head(url, up.uploadPath), 410);
  });

  it('tus-js-client uploads through it, byte-exact', async () => {
    const { url } = await h.boot(tusFileStoreIn);
    const source = randomBytes(300 * 1024);
    const uploaded = await new Promise<string>((resolve, reject) => {
      const u: tus.Upload = new tus.Upload(source, { endpoint: `${url}/files`, chunkSize: 100 * 1024, retryDelays: null, onSuccess: () => resolve(u.url!), onError: reject });
      u.start();
    });
    const download = await request(url, { method: 'GET', path: new URL(uploaded).pathname });
    expect(sha256(download.body)).toBe(sha256(source));
  });
});
