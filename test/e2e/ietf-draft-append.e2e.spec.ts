// The IETF draft's append (PATCH) on both adapters: completeness, required fields, the content type from
// interop 6 on, offset mismatch, deferred lengths declared by the finishing request, inconsistent lengths.
import { describe, expect, it } from 'vitest';
import { RecordingComplete, RepoModule, UploadRepository } from '../fixtures/modules.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { chunked, header, request } from '../support/http.js';
import { PARTIAL_UPLOAD, PROBLEM, createdPath, draftAppend, draftCreate, draftHead, expectDraft, expectProblem, reportedComplete } from '../support/draft.js';
import { OCTET, readData } from '../support/tus.js';

const MAX = 1024 * 1024;

describe.each(ADAPTERS)('IETF draft append (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { maxSize: MAX, uploadCompleteHandler: RecordingComplete, imports: [RepoModule] }, (app) => ({ completed: app.app.get(UploadRepository).completed }));

  describe('append (PATCH)', () => {
    it('?0 then ?1: 204 with Upload-Offset and Upload-Complete; the completion handler runs once', async () => {
      const { url, dir, completed } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 6, { complete: false, length: 10 }), url);
      const first = await draftAppend(url, uploadPath, 6, 0, 'hello');
      expect(first.status).toBe(204);
      expectDraft(first, 6);
      expect(header(first, 'upload-offset')).toBe('5');
      expect(reportedComplete(first, 6)).toBe(false);
      const last = await draftAppend(url, uploadPath, 6, 5, 'world', { complete: true });
      expect(last.status).toBe(204);
      expect(header(last, 'upload-offset')).toBe('10');
      expect(reportedComplete(last, 6)).toBe(true);
      expect((await readData(dir, id)).toString()).toBe('helloworld');
      expect(completed.map((c) => c.id)).toEqual([id]);
      // A retried empty ?1 (its answer was lost) gets the same answer, and nothing runs twice.
      const again = await draftAppend(url, uploadPath, 6, 10, '', { complete: true });
      expect([again.status, header(again, 'upload-offset'), reportedComplete(again, 6)]).toEqual([204, '10', true]);
      expect(completed).toHaveLength(1);
    });

    it.each([
      ['no Upload-Offset', { 'Upload-Offset': undefined }],
      ['a malformed Upload-Offset', { 'Upload-Offset': '-1' }],
      ['no Upload-Complete', { 'Upload-Complete': undefined }],
      ['a malformed Upload-Complete', { 'Upload-Complete': '1' }],
    ])('%s → 400, nothing written', async (_name, override) => {
      const { url, dir } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 8, { complete: false, length: 10 }), url);
      const headers: Record<string, string> = { 'Upload-Draft-Interop-Version': '8', 'Content-Type': PARTIAL_UPLOAD, 'Upload-Offset': '0', 'Upload-Complete': '?0' };
      for (const [name, value] of Object.entries(override)) {
        if (value === undefined) delete headers[name];
        else headers[name] = value;
      }
      const res = await request(url, { method: 'PATCH', path: uploadPath, headers, body: 'hello' });
      expect(res.status).toBe(400);
      expectDraft(res, 8);
      expect((await readData(dir, id)).length).toBe(0);
    });

    it('from interop 6 the content must be application/partial-upload (415); before, any type is taken', async () => {
      const { url, dir } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 6, { complete: false, length: 10 }), url);
      const refused = await draftAppend(url, uploadPath, 6, 0, 'hello', { headers: { 'Content-Type': OCTET } });
      expect(refused.status).toBe(415);
      expectDraft(refused, 6);
      expect((await readData(dir, id)).length).toBe(0);
      const taken = await draftAppend(url, uploadPath, 5, 0, 'hello', { headers: { 'Content-Type': 'text/plain' } });
      expect([taken.status, header(taken, 'upload-offset')]).toEqual([204, '5']);
    });

    it('offset mismatch: 409 mismatching-upload-offset problem with the right Upload-Offset and ?0', async () => {
      const { url, dir } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 8, { complete: false, length: 10, body: 'abc' }), url);
      const res = await draftAppend(url, uploadPath, 8, 7, 'hello');
      const problem = expectProblem(res, 409, PROBLEM.mismatchingOffset);
      expect(problem).toMatchObject({ 'expected-offset': 3, 'provided-offset': 7 });
      expect(header(res, 'upload-offset')).toBe('3');
      expect(reportedComplete(res, 8)).toBe(false);
      expectDraft(res, 8);
      expect((await readData(dir, id)).toString()).toBe('abc');
    });

    it('?1 on a deferred length declares it (chunked, or from Content-Length)', async () => {
      const { url, completed } = await h.boot();
      const a = createdPath(await draftCreate(url, 8, { complete: false }), url);
      await draftAppend(url, a.uploadPath, 8, 0, 'abc');
      const chunkedEnd = await draftAppend(url, a.uploadPath, 8, 3, chunked('de', 'f'), { complete: true });
      expect([chunkedEnd.status, header(chunkedEnd, 'upload-offset'), reportedComplete(chunkedEnd, 8)]).toEqual([204, '6', true]);
      expect(header(await draftHead(url, a.uploadPath, 8), 'upload-length')).toBe('6');
      const b = createdPath(await draftCreate(url, 8, { complete: false }), url);
      const sized = await draftAppend(url, b.uploadPath, 8, 0, 'hello', { complete: true });
      expect(reportedComplete(sized, 8)).toBe(true);
      expect(header(await draftHead(url, b.uploadPath, 8), 'upload-length')).toBe('5');
      expect(completed.map((c) => c.length)).toEqual([6, 5]);
    });

    it('Upload-Length disagreeing with a finishing Content-Length: 400, and no length is recorded', async () => {
      const { url } = await h.boot();
      const { uploadPath } = createdPath(await draftCreate(url, 8, { complete: false }), url);
      const res = await draftAppend(url, uploadPath, 8, 0, 'hello', { complete: true, headers: { 'Upload-Length': '10' } });
      expectProblem(res, 400, PROBLEM.inconsistentLength);
      const state = await draftHead(url, uploadPath, 8);
      expect([header(state, 'upload-offset'), header(state, 'upload-length')]).toEqual(['0', undefined]);
    });

    it('?1 short of a known length, or content past it: 400 inconsistent-upload-length', async () => {
      const { url, dir, completed } = await h.boot();
      const { uploadPath, id } = createdPath(await draftCreate(url, 8, { complete: false, length: 10 }), url);
      // Content-Length known: refused before anything is written.
      expectProblem(await draftAppend(url, uploadPath, 8, 0, 'hello', { complete: true }), 400, PROBLEM.inconsistentLength);
      expect((await readData(dir, id)).length).toBe(0);
      // Chunked: the bytes are kept, the upload is not complete.
      const short = await draftAppend(url, uploadPath, 8, 0, chunked('hel', 'lo'), { complete: true });
      expectProblem(short, 400, PROBLEM.inconsistentLength);
      expect(header(short, 'upload-offset')).toBe('5');
      expect(reportedComplete(await draftHead(url, uploadPath, 8), 8)).toBe(false);
      expectProblem(await draftAppend(url, uploadPath, 8, 5, 'world and more'), 400, PROBLEM.inconsistentLength);
      expect(completed).toEqual([]);
    });

    it('Upload-Length without Upload-Complete (tus-js-client 4, empty last PATCH of a deferred upload) is accepted', async () => {
      const { url, completed } = await h.boot();
      const { uploadPath } = createdPath(await draftCreate(url, 6, { complete: false, body: 'hello' }), url);
      const res = await draftAppend(url, uploadPath, 6, 5, '', { complete: null, headers: { 'Upload-Length': '5' } });
      expect([res.status, reportedComplete(res, 6)]).toEqual([204, true]);
      expect(completed.map((c) => c.length)).toEqual([5]);
    });
  });
});
