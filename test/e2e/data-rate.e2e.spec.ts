// The data-rate floor (`minDataRate`), black-box on both adapters: a PATCH that trickles bytes (each one
// resetting the idle timeout) is ended like an idle one, keeps what arrived, and the client resumes.
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { header, openRequest } from '../support/http.js';
import { OCTET, TUS, createUpload, expectError, head, patch, pattern, readData, sleep } from '../support/tus.js';

const SIZE = 1000;
// 1 byte per 300 ms against a floor of 1 KiB per second; the idle timeout (60 s default) never fires.
const FLOOR = { bytes: 1024, interval: 1000 };
const TRICKLE_MS = 300;
const GIVE_UP_AFTER = 20; // bytes: 6 s of trickle, several intervals past the first check

describe.each(ADAPTERS)('data-rate floor (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  it('a trickling PATCH is ended like an idle one: bytes kept, 500 with Upload-Offset, resumable', async () => {
    const dir = await h.tempDir();
    const { url } = await h.start(adapter, { options: { directory: dir, minDataRate: FLOOR } });
    const data = pattern(SIZE, 14);
    const up = await createUpload(url, { length: SIZE });
    const req = openRequest(url, {
      method: 'PATCH',
      path: up.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(SIZE) },
    });
    h.defer(() => req.abort());
    let sent = 0;
    while (!req.done && sent < GIVE_UP_AFTER) {
      if (await req.write(data.subarray(sent, sent + 1))) sent++;
      await sleep(TRICKLE_MS);
    }
    expect(req.done, `the trickling PATCH was still open after ${sent} bytes in ${sent * TRICKLE_MS} ms`).toBe(true);

    const res = await req.response;
    expectError(res, 500);
    expect(res.body.toString()).toContain('less than 1024 bytes per 1000 ms');
    expect(header(res, 'connection')).toBe('close');
    const offset = Number(header(res, 'upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(sent);
    expect(await readData(dir, up.id)).toEqual(data.subarray(0, offset));
    expect(header(await head(url, up.uploadPath), 'upload-offset')).toBe(String(offset));

    const rest = await patch(url, up.uploadPath, offset, data.subarray(offset));
    expect(rest.status).toBe(204);
    expect((await readData(dir, up.id)).equals(data)).toBe(true);
  });

  it('a PATCH that keeps to the floor is not cut', async () => {
    const dir = await h.tempDir();
    const { url } = await h.start(adapter, { options: { directory: dir, minDataRate: { bytes: 8, interval: 500 } } });
    const data = pattern(64, 15);
    const up = await createUpload(url, { length: data.length });
    const req = openRequest(url, {
      method: 'PATCH',
      path: up.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(data.length) },
    });
    h.defer(() => req.abort());
    // 16 bytes every 250 ms: four times the floor, for four intervals.
    for (let at = 0; at < data.length; at += 16) {
      expect(await req.write(data.subarray(at, at + 16))).toBe(true);
      await sleep(250);
    }
    await req.end();
    const res = await req.response;
    expect(res.status).toBe(204);
    expect(header(res, 'upload-offset')).toBe(String(data.length));
  });
});
