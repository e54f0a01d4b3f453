// The iOS URLSession recipe of docs/ietf-draft.md, replayed per iOS release on both adapters: an
// ordinary upload task (POST with the whole file) that URLSession upgrades with the draft fields of its
// interop version, cut off after the 104, then resumed the way that version's client resumes (HEAD on
// the Location, PATCH with the rest). Interop 3: iOS 17; 5: iOS 18.0; 6: iOS 18.1 and later; 8: iOS 26.2.
import { describe, expect, it } from 'vitest';
import { TusModule } from '../../src/index.js';
import { RecordingComplete, RepoModule, UploadRepository } from '../fixtures/modules.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { header, openRequest, request } from '../support/http.js';
import { PARTIAL_UPLOAD, expectDraft, uploadLimit } from '../support/draft.js';
import { pattern, readData, sha256, sleep, uploadIds } from '../support/tus.js';

const RELEASES = [
  { ios: 'iOS 17', interop: 3 },
  { ios: 'iOS 18.0', interop: 5 },
  { ios: 'iOS 18.1+', interop: 6 },
  { ios: 'iOS 26.2', interop: 8 },
] as const;

/** "This request carries the whole file" in the release's own field (interop 3 has the inverse one). */
const whole = (interop: number): Record<string, string> => (interop === 3 ? { 'Upload-Incomplete': '?0' } : { 'Upload-Complete': '?1' });

describe.each(ADAPTERS)('iOS URLSession recipe (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  describe.each(RELEASES)('$ios (interop $interop)', ({ interop }) => {
    it('an upload task cut off mid-file resumes from the 104 Location and completes byte-exact', async () => {
      const dir = await h.tempDir();
      const { url, app } = await h.start(adapter, TusModule.forRoot({ directory: dir, uploadCompleteHandler: RecordingComplete, imports: [RepoModule] }));
      const completed = app.get(UploadRepository).completed;
      const data = pattern(768 * 1024, interop);
      const version = { 'Upload-Draft-Interop-Version': String(interop) };

      // The app's request: POST with its own Content-Type; URLSession adds the draft fields.
      const task = openRequest(url, {
        method: 'POST',
        path: '/files',
        headers: { ...version, ...whole(interop), 'Content-Type': 'video/mp4', 'Content-Length': String(data.length) },
      });
      h.defer(() => task.abort());
      await task.write(data.subarray(0, 64 * 1024));
      for (let i = 0; i < 100 && task.interim.length === 0; i++) await sleep(20);
      const [announced] = task.interim;
      expect(announced.status).toBe(104);
      expect(announced.headers['upload-draft-interop-version']).toBe(String(interop));
      const location = String(announced.headers.location);
      expect(location).toMatch(/^http:\/\/.+\/files\/[A-Za-z0-9_-]+$/);
      await task.write(data.subarray(64 * 1024, 300 * 1024));
      await sleep(100);
      task.abort();

      // Resumption: offset retrieval, then the rest of the file.
      const uploadPath = new URL(location).pathname;
      let offset = 0;
      for (let i = 0; i < 50 && offset === 0; i++) {
        const state = await request(url, { method: 'HEAD', path: uploadPath, headers: version });
        expect(state.status).toBe(204);
        expectDraft(state, interop);
        expect(header(state, interop === 3 ? 'upload-incomplete' : 'upload-complete')).toBe(interop === 3 ? '?1' : '?0');
        if (interop >= 6) expect(uploadLimit(state)?.['min-size']).toBe(0);
        offset = Number(header(state, 'upload-offset'));
        if (offset === 0) await sleep(20);
      }
      expect(offset).toBeGreaterThan(0);
      const rest = await request(url, {
        method: 'PATCH',
        path: uploadPath,
        headers: { ...version, ...whole(interop), 'Upload-Offset': String(offset), ...(interop >= 6 ? { 'Content-Type': PARTIAL_UPLOAD } : {}) },
        body: data.subarray(offset),
      });
      expect(rest.status).toBe(204);
      expect(header(rest, interop === 3 ? 'upload-incomplete' : 'upload-complete')).toBe(interop === 3 ? '?0' : '?1');
      const [id] = await uploadIds(dir);
      expect(sha256(await readData(dir, id))).toBe(sha256(data));
      expect(completed).toEqual([{ id, length: data.length, offset: data.length, metadata: { filetype: 'video/mp4' } }]);
    });

    it('an upload task that is not interrupted is one request: 201, complete', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(adapter, TusModule.forRoot({ directory: dir }));
      // Interop 3 clients send no completeness field on a complete request at all; Upload-Offset: 0 is tolerated.
      const headers = { 'Upload-Draft-Interop-Version': String(interop), ...(interop === 3 ? {} : whole(interop)), 'Upload-Offset': '0', 'Content-Type': 'image/heic' };
      const res = await request(url, { method: 'POST', path: '/files', headers, body: 'tiny photo' });
      expect(res.status).toBe(201);
      expect(res.interim.map((i) => i.status)).toEqual([104]);
      expect(header(res, interop === 3 ? 'upload-incomplete' : 'upload-complete')).toBe(interop === 3 ? '?0' : '?1');
    });
  });
});
