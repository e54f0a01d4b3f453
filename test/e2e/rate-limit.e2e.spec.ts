// Rate limits the Nest way: @nestjs/throttler's ThrottlerGuard in `guards` answers 429 with Retry-After,
// Tus-Resumable and CORS headers (Uppy pauses its queue on it); a per-principal quota
// through `maxSize: (req) => …` plus a PreCreateHandler counting what the principal already stores.
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { describe, expect, it } from 'vitest';
import { TusModule } from '../../src/index.js';
import { StorageQuota, maxUploadFor, userOf } from '../fixtures/quota.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { header, headerTokens, request } from '../support/http.js';
import { TUS, createUpload, patch, post } from '../support/tus.js';

describe.each(ADAPTERS)('rate limits and quotas (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  it('ThrottlerGuard in guards: the request over the limit gets 429 with Retry-After, tus and CORS headers', async () => {
    const dir = await h.tempDir();
    const { url } = await h.start(
      adapter,
      TusModule.forRoot({
        directory: dir,
        guards: [ThrottlerGuard],
        imports: [ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 2 }] })],
      }),
    );
    const origin = { Origin: 'https://app.example' };
    // The throttler counts per route: two creations pass, the third is over the limit.
    await createUpload(url, { length: 3, headers: origin });
    const up = await createUpload(url, { length: 3, headers: origin });
    expect((await patch(url, up.uploadPath, 0, 'abc', { ...TUS, ...origin })).status).toBe(204);
    const limited = await post(url, { length: 3, headers: origin });
    expect(limited.status, limited.body.toString()).toBe(429);
    expect(Number(header(limited, 'retry-after'))).toBeGreaterThan(0);
    expect(header(limited, 'tus-resumable')).toBe('1.0.0');
    expect(header(limited, 'access-control-allow-origin')).toBe('https://app.example');
    expect(headerTokens(limited, 'access-control-expose-headers')).toContain('retry-after');
    expect(limited.body.toString()).toMatch(/Too Many Requests/i);
  });

  it('a quota per principal: maxSize by plan (Tus-Max-Size), and a PreCreateHandler counting the stored bytes', async () => {
    const dir = await h.tempDir();
    const { url, app } = await h.start(
      adapter,
      TusModule.forRoot({ directory: dir, principal: userOf, maxSize: maxUploadFor, preCreateHandler: StorageQuota }),
    );
    const options = (plan?: string) => request(url, { method: 'OPTIONS', path: '/files', headers: plan ? { 'X-Plan': plan } : {} });
    expect(header(await options(), 'tus-max-size')).toBe('8');
    expect(header(await options('pro'), 'tus-max-size')).toBe('1000');
    expect((await post(url, { length: 9, headers: { 'X-User': 'ann' } })).status).toBe(413);
    app.get(StorageQuota, { strict: false }).quota.set('ann', 10);
    const ann = { ...TUS, 'X-User': 'ann' };
    const first = await createUpload(url, { length: 6, headers: { 'X-User': 'ann' } });
    expect((await patch(url, first.uploadPath, 0, 'abcdef', ann)).status).toBe(204);
    const over = await post(url, { length: 5, headers: { 'X-User': 'ann' } });
    expect(over.status, over.body.toString()).toBe(413);
    expect(over.body.toString()).toContain('4 bytes left of your 10-byte quota');
    expect((await createUpload(url, { length: 4, headers: { 'X-User': 'ann' } })).res.status).toBe(201);
    // Another principal has its own quota.
    expect((await createUpload(url, { length: 8, headers: { 'X-User': 'bob' } })).res.status).toBe(201);
    expect((await post(url, { length: 1, headers: { 'X-User': 'ann' } })).status).toBe(413); // 6 + 4 stored: full
  });
});
