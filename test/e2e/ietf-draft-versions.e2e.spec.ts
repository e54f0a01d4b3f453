// The IETF draft, one case table per interop version (3 to 9) on both adapters: what each version's
// client sends and must get back for creation, append, offset retrieval (HEAD, and GET from 9 on),
// cancellation, limits (OPTIONS, 413), RFC 9530 digests and mismatches, in that version's spelling.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TusModule } from '../../src/index.js';
import { RecordingComplete, RepoModule, UploadRepository } from '../fixtures/modules.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, request } from '../support/http.js';
import {
  INTEROP_VERSIONS,
  PARTIAL_UPLOAD,
  PROBLEM,
  createdPath,
  digestOf,
  draftAppend,
  draftCreate,
  draftDelete,
  draftGet,
  draftHead,
  expectDraft,
  expectProblem,
  reportedComplete,
  uploadLimit,
} from '../support/draft.js';
import { TUS, listDir, readData, sleep } from '../support/tus.js';

const MAX = 64 * 1024;

/** The Upload-Limit members a version writes for an upload: none before 6, the lifetime as `expires` in 6. */
function limitKeys(version: number): string[] | undefined {
  if (version < 6) return undefined;
  return ['min-size', 'max-size', version === 6 ? 'expires' : 'max-age'];
}

describe.each(ADAPTERS)('IETF draft per interop version (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { maxSize: MAX, uploadCompleteHandler: RecordingComplete, imports: [RepoModule] }, (app) => ({ completed: app.app.get(UploadRepository).completed }));

  describe.each(INTEROP_VERSIONS)('interop %d', (version) => {
    it('creation: an empty ?0 request gets a 104 and a 201 with Location, offset 0, the version’s completeness field and limits', async () => {
      const { url } = await h.boot();
      const res = await draftCreate(url, version, { complete: false });
      createdPath(res, url);
      expectDraft(res, version);
      expect(header(res, 'upload-offset')).toBe('0');
      expect(reportedComplete(res, version)).toBe(false);
      expect(header(res, version === 3 ? 'upload-complete' : 'upload-incomplete')).toBeUndefined();
      const limit = uploadLimit(res);
      expect(limit && Object.keys(limit)).toEqual(limitKeys(version));
      expect(res.interim.map((i) => [i.status, i.headers.location, i.headers['upload-draft-interop-version']])).toEqual([[104, header(res, 'location'), String(version)]]);
      expect(res.interim[0].headers['upload-limit'] === undefined).toBe(version < 6);
    });

    it('append: ?0 then ?1 completes the upload once; from 6 on the content must be application/partial-upload', async () => {
      const { url, dir, completed } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, version, { complete: false, body: 'abc' }), url);
      const wrongType = await draftAppend(url, uploadPath, version, 3, 'def', { headers: { 'Content-Type': 'application/octet-stream' } });
      expect(wrongType.status).toBe(version >= 6 ? 415 : 204);
      if (version >= 6) expect(header(wrongType, 'upload-complete')).toBe(version >= 9 ? '?0' : undefined);
      const at = version >= 6 ? 3 : 6;
      const last = await draftAppend(url, uploadPath, version, at, 'gh', { complete: true });
      expect(last.status).toBe(204);
      expectDraft(last, version);
      expect([header(last, 'upload-offset'), reportedComplete(last, version)]).toEqual([String(at + 2), true]);
      expect((await readData(dir, id)).toString()).toBe(version >= 6 ? 'abcgh' : 'abcdefgh');
      expect(completed.map((c) => c.id)).toEqual([id]);
    });

    it(`offset retrieval: HEAD${version >= 9 ? ' and GET' : ''} answer 204 with offset, completeness, length, limits and no-store${version >= 9 ? '' : '; GET downloads'}`, async () => {
      const { url } = await h.boot();
      const { uploadPath } = createdPath(await draftCreate(url, version, { complete: false, length: 10, body: 'hello' }), url);
      const state = await draftHead(url, uploadPath, version);
      const get = await draftGet(url, uploadPath, version);
      for (const res of version >= 9 ? [state, get] : [state]) {
        expect(res.status).toBe(204);
        expectDraft(res, version);
        expect([header(res, 'upload-offset'), header(res, 'upload-length'), reportedComplete(res, version), header(res, 'cache-control')]).toEqual(['5', '10', false, 'no-store']);
        expect(uploadLimit(res) && Object.keys(uploadLimit(res)!)).toEqual(limitKeys(version));
        expect(res.body.length).toBe(0);
      }
      // Before 9 a draft GET is this server's download (incomplete uploads are not served by default).
      if (version < 9) expect(get.status).toBe(404);
      await draftAppend(url, uploadPath, version, 5, 'world', { complete: true });
      const done = await draftGet(url, uploadPath, version);
      if (version >= 9) {
        expect([done.status, header(done, 'upload-offset'), reportedComplete(done, version), done.body.length]).toEqual([204, '10', true, 0]);
      } else {
        expect([done.status, done.body.toString()]).toEqual([200, 'helloworld']);
      }
      // Without a draft version (plain or tus), GET downloads whatever the version that wrote it.
      for (const headers of [{}, TUS]) {
        const download = await request(url, { method: 'GET', path: uploadPath, headers });
        expect([download.status, download.body.toString(), header(download, 'upload-offset')]).toEqual([200, 'helloworld', undefined]);
      }
    });

    it('cancellation: DELETE 204, then the upload is gone (410)', async () => {
      const { url } = await h.boot();
      const { uploadPath } = createdPath(await draftCreate(url, version, { complete: false, body: 'abc' }), url);
      const res = await draftDelete(url, uploadPath, version);
      expect(res.status).toBe(204);
      expectDraft(res, version);
      const gone = await draftHead(url, uploadPath, version);
      expect(gone.status).toBe(410);
      expect(header(gone, 'upload-complete')).toBe(version >= 9 ? '?0' : undefined);
    });

    it(`limits: OPTIONS ${version >= 6 ? 'announces Upload-Limit' : 'has no Upload-Limit yet'}${version >= 6 && version <= 8 ? ' and Accept-Patch' : ''}; over the maximum is 413`, async () => {
      const { url, dir } = await h.boot();
      const options = await request(url, { method: 'OPTIONS', path: '/files', headers: { 'Upload-Draft-Interop-Version': String(version) } });
      expect(options.status).toBe(204);
      expectDraft(options, version);
      expect(header(options, 'upload-limit')).toBe(version >= 6 ? `min-size=0, max-size=${MAX}` : undefined);
      expect(header(options, 'accept-patch')).toBe(version >= 6 && version <= 8 ? PARTIAL_UPLOAD : undefined);
      const big = await draftCreate(url, version, { complete: false, length: MAX + 1 });
      expect(big.status).toBe(413);
      expect(header(big, 'upload-limit')).toBe(version >= 6 ? `min-size=0, max-size=${MAX}` : undefined);
      // Interop 9: an answer of the upload protocol itself says Upload-Complete: ?0.
      expect(header(big, 'upload-complete')).toBe(version >= 9 ? '?0' : undefined);
      expect(big.interim).toEqual([]);
      expect(await listDir(dir)).toEqual([]);
      // A deferred upload growing past the maximum: 413 with the limit too.
      const { uploadPath } = createdPath(await draftCreate(url, version, { complete: false }), url);
      const over = await draftAppend(url, uploadPath, version, 0, Buffer.alloc(MAX + 1));
      expect(over.status).toBe(413);
      expect(header(over, 'upload-limit')).toBe(version >= 6 ? `min-size=0, max-size=${MAX}` : undefined);
    });

    it('digests: Content-Digest and Repr-Digest checked while streaming; a mismatch is 400 digest-mismatched-values and nothing of it is kept', async () => {
      const { url, dir, completed } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, version, { complete: false, body: 'abc', headers: { 'Content-Digest': digestOf('sha-256', 'abc') } }), url);
      const bad = await draftAppend(url, uploadPath, version, 3, 'def', { headers: { 'Content-Digest': digestOf('sha-512', 'xyz') } });
      const problem = expectProblem(bad, 400, PROBLEM.digestMismatched);
      expect(problem.mismatched_digests).toEqual([{ algorithm: 'sha-512', provided_digest: digestOf('sha-512', 'xyz').slice('sha-512='.length), header: 'Content-Digest' }]);
      expect(header(bad, 'upload-offset')).toBe('3');
      expect(header(bad, 'upload-complete')).toBe(version >= 9 ? '?0' : undefined);
      expect((await readData(dir, id)).toString()).toBe('abc');
      const badRepr = await draftAppend(url, uploadPath, version, 3, 'def', { complete: true, headers: { 'Repr-Digest': digestOf('sha-256', 'abcdef') } });
      expectProblem(badRepr, 400, PROBLEM.digestMismatched);
      expect(completed).toEqual([]);
      const good = await draftAppend(url, uploadPath, version, 3, 'def', {
        complete: true,
        headers: { 'Repr-Digest': digestOf('sha-512', 'def'), 'Want-Repr-Digest': 'sha-256=5, sha-512=3' },
      });
      expect([good.status, header(good, 'upload-offset'), reportedComplete(good, version)]).toEqual([204, '6', true]);
      expect(header(good, 'repr-digest')).toBe(digestOf('sha-256', 'abcdef'));
      expect(header(await draftHead(url, uploadPath, version, { 'Want-Repr-Digest': 'sha-512=1' }), 'repr-digest')).toBe(digestOf('sha-512', 'abcdef'));
      expect(completed.map((c) => c.id)).toEqual([id]);
    });

    it('digests on creation: a wrong digest of the whole content creates nothing; an unknown algorithm or a short digest is 400 before anything is stored', async () => {
      const { url, dir } = await h.boot();
      const wrong = await draftCreate(url, version, { complete: true, body: 'hello', headers: { 'Repr-Digest': digestOf('sha-256', 'HELLO') } });
      expectProblem(wrong, 400, PROBLEM.digestMismatched);
      const unsupported = await draftCreate(url, version, { complete: true, body: 'hello', headers: { 'Content-Digest': 'md5=:XUFAKrxLKna5cZ2REBfFkg==:' } });
      expect(expectProblem(unsupported, 400, PROBLEM.digestUnsupported).unsupported_algorithms).toEqual([{ algorithm: 'md5', header: 'Content-Digest' }]);
      expect(header(unsupported, 'want-content-digest')).toBe('sha-256=10, sha-512=10');
      const short = await draftCreate(url, version, { complete: true, body: 'hello', headers: { 'Content-Digest': 'sha-512=:aGk=:' } });
      expectProblem(short, 400, PROBLEM.digestInvalid);
      const malformed = await draftCreate(url, version, { complete: true, body: 'hello', headers: { 'Content-Digest': 'sha-256=abc def' } });
      expect(malformed.status).toBe(400);
      expect(await listDir(dir)).toEqual([]);
      const right = await draftCreate(url, version, { complete: true, body: 'hello', headers: { 'Repr-Digest': digestOf('sha-256', 'hello'), 'Want-Repr-Digest': 'sha-256=1' } });
      createdPath(right, url);
      expect(header(right, 'repr-digest')).toBe(`sha-256=:${createHash('sha256').update('hello').digest('base64')}:`);
    });

    it('offset mismatch: 409 mismatching-upload-offset with the right offset and "not complete" in the version’s field; inconsistent lengths 400', async () => {
      const { url, dir } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, version, { complete: false, length: 10, body: 'abc' }), url);
      const res = await draftAppend(url, uploadPath, version, 1, 'xyz');
      expect(expectProblem(res, 409, PROBLEM.mismatchingOffset)).toMatchObject({ 'expected-offset': 3, 'provided-offset': 1 });
      expect([header(res, 'upload-offset'), reportedComplete(res, version)]).toEqual(['3', false]);
      const inconsistent = await draftAppend(url, uploadPath, version, 3, 'de', { complete: true });
      expectProblem(inconsistent, 400, PROBLEM.inconsistentLength);
      // Interop 9 marks the protocol's own error answers with Upload-Complete: ?0; before, errors did not say.
      expect(header(inconsistent, 'upload-complete')).toBe(version >= 9 ? '?0' : undefined);
      expect((await readData(dir, id)).toString()).toBe('abc');
    });

    if (version >= 9) {
      it('GET retrieves the offset even with downloads switched off, where other GETs are 405', async () => {
        const dir = await h.tempDir();
        const { url } = await h.start(adapter, TusModule.forRoot({ directory: dir, download: false }));
        const { uploadPath } = createdPath(await draftCreate(url, version, { complete: true, body: 'abc' }), url);
        const res = await draftGet(url, uploadPath, version);
        expect([res.status, header(res, 'upload-offset'), reportedComplete(res, version)]).toEqual([204, '3', true]);
        expect((await draftGet(url, uploadPath, 8)).status).toBe(405);
        expect((await request(url, { method: 'GET', path: uploadPath })).status).toBe(405);
      });

      it('max-age counts down between answers while the end of the lifetime it implies does not move earlier', async () => {
        const { url } = await h.boot();
        const created = await draftCreate(url, version, { complete: false, length: 10 });
        const { uploadPath } = createdPath(created, url);
        const first = uploadLimit(created)!['max-age'];
        await sleep(1100);
        const later = await draftHead(url, uploadPath, version);
        const second = uploadLimit(later)!['max-age'];
        expect(second).toBeLessThan(first);
        const endOf = (res: typeof later, maxAge: number) => Date.parse(header(res, 'date')!) / 1000 + maxAge;
        expect(endOf(later, second)).toBeGreaterThanOrEqual(endOf(created, first) - 1);
        // An append renews the lifetime: the implied end moves later, never earlier.
        const appended = await draftAppend(url, uploadPath, version, 0, 'abc');
        const renewed = await draftHead(url, uploadPath, version);
        expect(appended.status).toBe(204);
        expect(endOf(renewed, uploadLimit(renewed)!['max-age'])).toBeGreaterThanOrEqual(endOf(later, second));
      });
    }
  });
});
