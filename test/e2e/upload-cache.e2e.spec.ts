// The file store's in-memory cache is bounded in bytes: uploads with large metadata push the oldest out
// long before the entry count would, and an evicted upload answers from the store exactly as before.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/index.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { header } from '../support/http.js';
import { b64, createUpload, head, patch, pattern, readData } from '../support/tus.js';

const KiB = 1024;
const SIZE = 10 * KiB;

describe.each(ADAPTERS)('upload cache (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  it('evicts by bytes; an evicted upload still answers HEAD from the store and resumes', async () => {
    const dir = await h.tempDir();
    const store = new FileStore({ directory: dir, cacheBytes: 64 * KiB });
    const { url } = await h.start(adapter, { options: { store } });
    const data = pattern(SIZE, 21);
    const metadata = `filename ${b64('first.bin')},filetype ${b64('application/octet-stream')}`;
    const first = await createUpload(url, { length: SIZE, metadata });
    expect((await patch(url, first.uploadPath, 0, data.subarray(0, 4 * KiB))).status).toBe(204);

    // 20 uploads of ~14 KiB each in memory (6000 characters of metadata): far fewer than the 10,000
    // entries the cache may hold, well past its 64 KiB.
    const note = `note ${b64('x'.repeat(6000))}`;
    const later = [];
    for (let i = 0; i < 20; i++) later.push(await createUpload(url, { length: SIZE, metadata: note }));
    const last = later.at(-1)!;

    // The store's truth is the data file's size: a byte added behind the server's back shows only in
    // an answer read from disk, not in one served from memory.
    await appendFile(path.join(dir, first.id), data.subarray(4 * KiB, 4 * KiB + 1));
    await appendFile(path.join(dir, last.id), data.subarray(0, 1));

    const evicted = await head(url, first.uploadPath);
    expect(evicted.status).toBe(200);
    expect(header(evicted, 'upload-offset'), 'the oldest upload is still served from memory').toBe(String(4 * KiB + 1));
    expect(header(evicted, 'upload-length')).toBe(String(SIZE));
    expect(header(evicted, 'upload-metadata')).toBe(metadata);
    expect(header(await head(url, last.uploadPath), 'upload-offset'), 'the newest upload was evicted too').toBe('0');

    const rest = await patch(url, first.uploadPath, 4 * KiB + 1, data.subarray(4 * KiB + 1));
    expect(rest.status).toBe(204);
    expect(header(rest, 'upload-offset')).toBe(String(SIZE));
    expect((await readData(dir, first.id)).equals(data)).toBe(true);
  });
});
