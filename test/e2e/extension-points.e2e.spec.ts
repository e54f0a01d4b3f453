// The Nest-native extension points over both adapters: what the PreCreateHandler gets and may decide,
// what the UploadCompleteHandler gets, the pre-terminate veto, per-upload ownership, the metadata DTO,
// route parameters in the endpoint path, events$, named registrations and the programmatic API.
import { Module } from '@nestjs/common';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TusModule, TusService, type TusEvent } from '../../src/index.js';
import {
  DecidingPreCreate,
  KeepVeto,
  Ledger,
  LedgerModule,
  ReadingComplete,
  TwoEndpoints,
  UploadMetadataDto,
  UserHeaderGuard,
} from '../fixtures/extension-points.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, request } from '../support/http.js';
import { OCTET, TUS, b64, createUpload, del, expectError, head, patch, readData, sleep } from '../support/tus.js';

const meta = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');

describe.each(ADAPTERS)('extension points (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { imports: [LedgerModule] }, (app) => ({
    ledger: app.app.get(Ledger, { strict: false }),
    tus: app.app.get(TusService, { strict: false }),
  }));

  describe('handlers', () => {
    it('pre-create sees route params and may set the id and server metadata; completion gets the full record and the bytes', async () => {
      const { url, ledger, dir } = await h.boot({
        path: 'users/:username/files',
        preCreateHandler: DecidingPreCreate,
        uploadCompleteHandler: ReadingComplete,
      });
      const res = await request(url, {
        method: 'POST',
        path: '/users/alice/files',
        headers: { ...TUS, 'Upload-Length': '5', 'Upload-Metadata': meta({ 'wanted-id': 'my-own-id_1', filename: 'a.txt' }) },
      });
      expect(res.status).toBe(201);
      expect(header(res, 'location')).toBe(`${url}/users/alice/files/my-own-id_1`);
      expect(ledger.preCreates[0].params).toEqual({ username: 'alice' });
      expect(ledger.preCreates[0].length).toBe(5);
      const info = await head(url, '/users/alice/files/my-own-id_1');
      expect(header(info, 'upload-metadata')).not.toContain('plan'); // server metadata is never echoed
      expect((await patch(url, '/users/alice/files/my-own-id_1', 0, 'hello')).status).toBe(204);
      const [done] = ledger.completed;
      expect(done.bytes).toBe('hello');
      expect(done.params).toEqual({ username: 'alice' });
      expect(done.record).toMatchObject({ id: 'my-own-id_1', length: 5, offset: 5, complete: true, serverMetadata: { username: 'alice', plan: 'pro' } });
      expect(done.record.folder).toBe('users/alice');
      expect((await readFile(path.join(dir, 'users', 'alice', 'my-own-id_1'))).toString()).toBe('hello'); // the folder it chose
      expect(done.record.completedAt).toBeInstanceOf(Date);
      expect(done.record.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('a taken custom id is 409, an invalid id or folder is 500 (a bug in the handler) and creates nothing', async () => {
      const { url, dir } = await h.boot({ preCreateHandler: DecidingPreCreate });
      const first = await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': meta({ 'wanted-id': 'dup' }) } });
      expect(first.status).toBe(201);
      expectError(await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': meta({ 'wanted-id': 'dup' }) } }), 409);
      expectError(await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': meta({ 'wanted-id': '../evil' }) } }), 500);
      expectError(await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': meta({ 'wanted-folder': '../../etc' }) } }), 500);
      expect((await readdir(dir)).sort()).toEqual(['dup.json']);
    });

    it('a pre-terminate handler can refuse a DELETE; the upload stays', async () => {
      const { url, dir } = await h.boot({ preTerminateHandler: KeepVeto });
      const kept = await createUpload(url, { length: 2, body: 'ab', metadata: meta({ keep: '1' }) });
      const res = await del(url, kept.uploadPath);
      expectError(res, 403);
      expect(res.body.toString()).toContain('this upload is kept');
      expect((await readData(dir, kept.id)).toString()).toBe('ab');
      const other = await createUpload(url, { length: 1 });
      expect((await del(url, other.uploadPath)).status).toBe(204);
    });
  });

  describe('ownership', () => {
    const as = (user: string) => ({ ...TUS, 'X-User': user });

    it("another principal gets 404 on HEAD, PATCH, DELETE, GET and in Upload-Concat; the owner gets through", async () => {
      const { url } = await h.boot({ guards: [UserHeaderGuard], principal: (req: { user?: { id: string } }) => req.user?.id });
      const mine = await createUpload(url, { length: 3, body: 'abc', headers: { 'X-User': 'alice' } });
      const part = await createUpload(url, { length: 1, body: 'x', headers: { 'X-User': 'alice', 'Upload-Concat': 'partial' } });
      expect((await head(url, mine.uploadPath, as('alice'))).status).toBe(200);
      expectError(await head(url, mine.uploadPath, as('mallory')), 404);
      expectError(await request(url, { method: 'GET', path: mine.uploadPath, headers: as('mallory') }), 404);
      expectError(await request(url, { method: 'PATCH', path: mine.uploadPath, headers: { ...as('mallory'), 'Content-Type': OCTET, 'Upload-Offset': '3' }, body: '' }), 404);
      expectError(await request(url, { method: 'DELETE', path: mine.uploadPath, headers: as('mallory') }), 404);
      const stolen = await request(url, { method: 'POST', path: '/files', headers: { ...as('mallory'), 'Upload-Concat': `final;${part.location}` } });
      expectError(stolen, 400);
      expect(stolen.body.toString()).toContain('does not exist');
      const own = await request(url, { method: 'POST', path: '/files', headers: { ...as('alice'), 'Upload-Concat': `final;${part.location}` } });
      expect(own.status).toBe(201);
      expect((await request(url, { method: 'DELETE', path: mine.uploadPath, headers: as('alice') })).status).toBe(204);
    });
  });

  describe('metadata rules', () => {
    it('a DTO refuses metadata with 400 listing the problems', async () => {
      const { url, dir } = await h.boot({ metadata: UploadMetadataDto });
      const res = await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': meta({ filetype: 'text/html' }) } });
      expectError(res, 400);
      expect(res.body.toString()).toMatch(/filename must be a string/);
      expect(res.body.toString()).toMatch(/filetype must be one of/);
      const ok = await createUpload(url, { length: 1, metadata: meta({ filename: 'cat.png', filetype: 'image/png', extra: 'kept' }) });
      expect(ok.res.status).toBe(201);
      await expect((await import('node:fs/promises')).readdir(dir)).resolves.toContain(`${ok.id}.json`);
    });

    it('the DTO does not apply to partial uploads (their metadata is not the file), only to the final', async () => {
      const { url } = await h.boot({ metadata: UploadMetadataDto });
      const part = await createUpload(url, { length: 1, body: 'x', headers: { 'Upload-Concat': 'partial' } });
      expect(part.res.status).toBe(201);
      expectError(await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Concat': `final;${part.location}` } }), 400);
      const final = await request(url, {
        method: 'POST',
        path: '/files',
        headers: { ...TUS, 'Upload-Concat': `final;${part.location}`, 'Upload-Metadata': meta({ filename: 'x.png', filetype: 'image/png' }) },
      });
      expect(final.status).toBe(201);
    });

    it('a filename with control characters is 400 even without a DTO', async () => {
      const { url } = await h.boot();
      const res = await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': meta({ filename: 'a\u0000b' }) } });
      expectError(res, 400);
      expect(res.body.toString()).toContain('filename');
    });
  });

  describe('events$', () => {
    it('tells created, progress, completed, terminated, expired and failed', async () => {
      const { url, tus } = await h.boot({ expireIncompleteAfter: 50, cleanupInterval: 0, progressInterval: 0 });
      const seen: TusEvent[] = [];
      const sub = tus.events$.subscribe((e) => seen.push(e));
      h.defer(() => sub.unsubscribe());
      const up = await createUpload(url, { length: 4 });
      await patch(url, up.uploadPath, 0, 'ab');
      await patch(url, up.uploadPath, 2, 'cd');
      await del(url, up.uploadPath);
      const mismatch = await createUpload(url, { length: 4 });
      await request(url, { method: 'PATCH', path: mismatch.uploadPath, headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Upload-Checksum': 'sha1 Ys23Ag/5IOWqZCw9QGaVDdHwH00=' }, body: 'abcd' });
      await sleep(80);
      await tus.cleanup();
      await sleep(20);
      const of = (id: string) => seen.filter((e) => ('upload' in e ? e.upload.id : e.id) === id).map((e) => e.type);
      expect(of(up.id)).toEqual(['created', 'progress', 'progress', 'completed', 'terminated']);
      expect(of(mismatch.id)).toEqual(['created', 'failed', 'expired']);
      const failed = seen.find((e) => e.type === 'failed');
      expect(failed).toMatchObject({ status: 460 });
      const progress = seen.filter((e) => e.type === 'progress' && e.upload.id === up.id);
      expect(progress.map((e) => (e.type === 'progress' ? e.upload.offset : -1))).toEqual([2, 4]);
    });

    it('progress is throttled per upload', async () => {
      const { url, tus } = await h.boot({ progressInterval: 60_000 });
      const up = await createUpload(url, { length: 6 });
      const events = firstValueFrom(tus.events$.pipe(filter((e) => e.type === 'progress'), take(3), toArray()));
      for (let i = 0; i < 3; i++) await patch(url, up.uploadPath, i * 2, 'xx');
      // One progress per request at its end; none in between within the interval.
      expect((await events).map((e) => (e.type === 'progress' ? e.upload.offset : -1))).toEqual([2, 4, 6]);
    });
  });

  describe('several endpoints and the programmatic API', () => {
    it('two named registrations are injectable by name and never see each other', async () => {
      const d1 = await h.tempDir();
      const d2 = await h.tempDir();
      @Module({
        imports: [
          TusModule.forRoot({ name: 'avatars', path: 'avatars', directory: d1 }),
          TusModule.forRoot({ name: 'documents', path: 'documents', directory: d2 }),
        ],
        providers: [TwoEndpoints],
      })
      class TwoModule {}
      const { url, app } = await h.start(adapter, TwoModule);
      const both = app.get(TwoEndpoints);
      expect(both.avatars).not.toBe(both.documents);
      const a = await createUpload(url, { path: '/avatars', length: 1, body: 'a' });
      expect((await head(url, `/documents/${a.id}`)).status).toBe(404);
      expect(await both.documents.getUpload(a.id)).toBeUndefined();
      expect((await both.avatars.getUpload(a.id))?.offset).toBe(1);
    });

    it('getUpload, read (range), list and terminate', async () => {
      const { url, tus } = await h.boot();
      const up = await createUpload(url, { length: 10, body: '0123456789' });
      const other = await createUpload(url, { length: 5 });
      expect((await tus.getUpload(up.id))?.complete).toBe(true);
      const chunks: Buffer[] = [];
      for await (const chunk of (await tus.read(up.id, { start: 2, end: 5 }))!) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('2345');
      const ids: string[] = [];
      for await (const record of tus.list()) ids.push(record.id);
      expect(ids.sort()).toEqual([up.id, other.id].sort());
      expect(await tus.terminate(other.id)).toBe(true);
      expect(await tus.terminate(other.id)).toBe(false);
      expectError(await head(url, other.uploadPath), 410);
      expect(await tus.read('nope')).toBeUndefined();
    });
  });
});
