// What tus-js-client's own end-to-end specs check after an upload: its bytes through GET, then
// abort(true) (a DELETE), after which GET of the upload URL answers 404 as with tusd, while tus
// requests keep answering 410 for the tombstone's lifetime.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { request } from '../support/http.js';
import { expectError, head, sha256 } from '../support/tus.js';
import { runUpload } from '../support/tus-js-client.js';

describe.each(ADAPTERS)('GET after termination (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  it('tus-js-client uploads, reads back, aborts with terminate: GET is 404, HEAD 410', async () => {
    const dir = await h.tempDir();
    const { url } = await h.start(adapter, { options: { directory: dir } });
    const source = randomBytes(11 * 1024 + 3);
    const { upload, done } = runUpload(source, { endpoint: `${url}/files`, metadata: { filename: 'end-to-end.bin' } });
    await done;
    const uploadPath = new URL(upload.url!).pathname;
    const read = await request(url, { method: 'GET', path: uploadPath });
    expect(read.status).toBe(200);
    expect(sha256(read.body)).toBe(sha256(source));

    await upload.abort(true);
    const after = await request(url, { method: 'GET', path: uploadPath });
    expectError(after, 404);
    expect(after.body.toString()).toBe((await request(url, { method: 'GET', path: '/files/NeverExisted0000000000' })).body.toString());
    expectError(await head(url, uploadPath), 410);
  });
});
