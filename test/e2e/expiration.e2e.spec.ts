// The expiration extension with a very short expireIncompleteAfter, on both adapters:
// Upload-Expires on incomplete uploads only, 410 after expiry, TusService.cleanup() removing files.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TusService } from '../../src/index.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, request } from '../support/http.js';
import {
  TUS,
  createUpload,
  exists,
  expectError,
  expectExpiresHeader,
  head,
  listDir,
  patch,
  readData,
  sleep,
  uploadIds,
} from '../support/tus.js';

const EXPIRE_MS = 200;
const LONG_EXPIRE_MS = 60_000;
/** Comfortably past the deadline (IMF-fixdate has one-second resolution, so leave room). */
const PAST_EXPIRY_MS = EXPIRE_MS + 1_300;

describe.each(ADAPTERS)('expiration (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, { expireIncompleteAfter: EXPIRE_MS, cleanupInterval: 0 });

  it('sends a valid Upload-Expires on POST, PATCH and HEAD of incomplete uploads', async () => {
    // A longer deadline here: the PATCH and HEAD must reach the upload before it expires.
    const { url } = await h.boot({ expireIncompleteAfter: LONG_EXPIRE_MS });
    const up = await createUpload(url, { length: 10 });
    expectExpiresHeader(up.res, LONG_EXPIRE_MS);
    const p = await patch(url, up.uploadPath, 0, 'abc');
    expect(p.status).toBe(204);
    expectExpiresHeader(p, LONG_EXPIRE_MS);
    const res = await head(url, up.uploadPath);
    expect(res.status).toBe(200);
    expectExpiresHeader(res, LONG_EXPIRE_MS);
    const deferred = await createUpload(url, { deferred: true });
    expectExpiresHeader(deferred.res, LONG_EXPIRE_MS);
  });

  it('sends no Upload-Expires for complete uploads', async () => {
    const { url } = await h.boot({ expireIncompleteAfter: LONG_EXPIRE_MS });
    const whole = await createUpload(url, { length: 3, body: 'abc' });
    expect(header(whole.res, 'upload-expires')).toBeUndefined();
    const up = await createUpload(url, { length: 3 });
    const p = await patch(url, up.uploadPath, 0, 'abc');
    expect(p.status).toBe(204);
    expect(header(p, 'upload-expires')).toBeUndefined();
    for (const target of [whole.uploadPath, up.uploadPath]) {
      const res = await head(url, target);
      expect(res.status).toBe(200);
      expect(header(res, 'upload-expires')).toBeUndefined();
    }
  });

  it('an expired upload answers 410 to HEAD and PATCH', async () => {
    const { url } = await h.boot();
    const up = await createUpload(url, { length: 10, body: 'abc' });
    expectExpiresHeader(up.res, EXPIRE_MS);
    await sleep(PAST_EXPIRY_MS);
    const res = await head(url, up.uploadPath);
    expect(res.status).toBe(410);
    expect(header(res, 'upload-offset')).toBeUndefined();
    expectError(await patch(url, up.uploadPath, 3, 'def'), 410);
  });

  it('cleanup() removes expired uploads from the directory and keeps completed ones', async () => {
    const { url, dir, app } = await h.boot();
    const stale = await createUpload(url, { length: 10, body: 'abc' });
    const staleDeferred = await createUpload(url, { deferred: true });
    const done = await createUpload(url, { length: 4, body: 'done' });
    expect(await uploadIds(dir)).toEqual([stale.id, staleDeferred.id, done.id].sort());
    await sleep(PAST_EXPIRY_MS);

    const removed = await app.get(TusService).cleanup();
    expect(removed).toBe(2);
    for (const id of [stale.id, staleDeferred.id]) {
      expect(await exists(path.join(dir, id))).toBe(false);
    }
    // `<id>.json` may stay behind as a small tombstone (so the id answers 410); nothing else may.
    const tombstones = [`${stale.id}.json`, `${staleDeferred.id}.json`];
    const left = await listDir(dir);
    expect(left.filter((name) => !tombstones.includes(name))).toEqual([done.id, `${done.id}.json`].sort());
    for (const name of left.filter((n) => tombstones.includes(n))) {
      expect((await readFile(path.join(dir, name))).length).toBeLessThan(1024);
    }
    expect((await readData(dir, done.id)).toString()).toBe('done');

    const kept = await head(url, done.uploadPath);
    expect(kept.status).toBe(200);
    expect(header(kept, 'upload-offset')).toBe('4');
    const get = await request(url, { method: 'GET', path: done.uploadPath, headers: TUS });
    expect(get.status).toBe(200);
    expect(get.body.toString()).toBe('done');
    expect([404, 410]).toContain((await head(url, stale.uploadPath)).status);

    expect(await app.get(TusService).cleanup()).toBe(0);
  });
});
