import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFromHeader } from '../../src/protocol/uploads/upload-metadata.js';
import { FileStore } from '../../src/storage/file-store.js';
import { DEFAULT_UPLOAD_CACHE_BYTES, UploadCache, estimateLookupBytes } from '../../src/storage/upload-cache.js';
import type { UploadLookup } from '../../src/storage/upload-store.js';

const b64 = (value: string) => Buffer.from(value).toString('base64');
const LIMITS = { maxSize: 8192, maxPairs: 64 };

// Entries as the file store hands them out: created from a real Upload-Metadata header, then looked up.
describe('UploadCache', () => {
  let dir: string;
  let store: FileStore;
  let serial = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tus-cache-'));
    store = new FileStore({ directory: dir });
    await store.init();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function entry(header: string): Promise<[string, UploadLookup]> {
    const id = randomBytes(16).toString('base64url');
    const { metadata, rawMetadata } = metadataFromHeader(header, LIMITS);
    await store.create({ id, length: 1_000_000, metadata, rawMetadata, createdAt: Date.now() });
    return [id, await store.lookup(id)];
  }
  const typical = () => entry(`filename ${b64(`holiday-photo-${serial++}.jpg`)},filetype ${b64('image/jpeg')}`);
  // As large as the default maxMetadataSize lets a header be (8192 bytes).
  const largest = () => entry(`filename ${b64(`f${serial++}`)},note ${b64('x'.repeat(6000))}`);

  it('evicts the least recently used entries once their estimated bytes pass the budget', async () => {
    const big = await Promise.all(Array.from({ length: 20 }, largest));
    const cache = new UploadCache(10_000, 64 * 1024);
    for (const [id, lookup] of big) cache.set(id, lookup);
    expect(cache.size).toBeLessThan(big.length);
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.peek(big[0]![0])).toBeUndefined();
    expect(cache.peek(big.at(-1)![0])).toBe(big.at(-1)![1]);
  });

  it('a read makes an entry recent: the next eviction takes another', async () => {
    const [a, b, c] = await Promise.all([largest(), largest(), largest()]);
    const cache = new UploadCache(10_000, estimateLookupBytes(a[1]) * 2 + 100);
    cache.set(...a);
    cache.set(...b);
    cache.get(a[0]);
    cache.set(...c);
    expect(cache.peek(a[0])).toBe(a[1]);
    expect(cache.peek(b[0])).toBeUndefined();
    expect(cache.peek(c[0])).toBe(c[1]);
  });

  it('replacing and deleting entries gives their bytes back', async () => {
    const [x, y] = await Promise.all([largest(), typical()]);
    const cache = new UploadCache(10);
    cache.set(...x);
    cache.set(x[0], y[1]);
    expect(cache.bytes).toBe(estimateLookupBytes(y[1]));
    cache.set(x[0], { state: 'gone', reason: 'terminated' });
    cache.delete(x[0]);
    expect(cache.bytes).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('large metadata counts: the default budget bounds a cache of the largest entries, the count bounds typical ones', async () => {
    const small = await typical();
    const large = await largest();
    const typicalBytes = estimateLookupBytes(small[1]);
    const largestBytes = estimateLookupBytes(large[1]);
    // The figures docs/storage.md gives.
    expect(typicalBytes).toBeGreaterThan(500);
    expect(typicalBytes).toBeLessThan(1024);
    expect(largestBytes).toBeGreaterThan(14 * 1024);
    expect(largestBytes).toBeLessThan(16 * 1024);

    const cache = new UploadCache(10_000);
    for (let i = 0; i < 10_001; i++) cache.set(`t${i}`, small[1]);
    expect(cache.size).toBe(10_000);
    expect(cache.bytes).toBeLessThan(DEFAULT_UPLOAD_CACHE_BYTES);
    for (let i = 0; i < 10_000; i++) cache.set(`l${i}`, large[1]);
    expect(cache.bytes).toBeLessThanOrEqual(DEFAULT_UPLOAD_CACHE_BYTES);
    expect(cache.size).toBeLessThan(DEFAULT_UPLOAD_CACHE_BYTES / (14 * 1024));
  });
});
