// Prometheus metrics (`metrics: { registry }`) after a scripted session, exact counts, on both adapters;
// a 423 and a PATCH in flight; two registrations on one registry differ by their `endpoint` label.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TusModule, TusService } from '../../src/index.js';
import { FlakyComplete, GatedComplete, LedgerModule } from '../fixtures/extension-points.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { request } from '../support/http.js';
import { TUS, createUpload, del, head, patch, sleep } from '../support/tus.js';

type Labels = Record<string, string>;

/** The value of one series (0 when it does not exist). */
async function value(registry: Registry, name: string, labels: Labels = {}): Promise<number> {
  const base = name.replace(/_(count|sum|bucket)$/, '');
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name || m.name === base);
  expect(metric, `metric ${name} is not registered`).toBeDefined();
  const series = (metric!.values as Array<{ labels: Labels; value: number; metricName?: string }>).filter(
    (v) => (v.metricName ?? name) === name && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return series.reduce((sum, v) => sum + v.value, 0);
}

/** Responses are counted when the server has finished them, a moment after the client read them. */
async function settle(registry: Registry, requests: number, prefix = 'tus_'): Promise<void> {
  for (let i = 0; i < 100 && (await value(registry, `${prefix}requests_total`)) < requests; i++) await sleep(10);
  await sleep(20); // events are delivered on setImmediate
}

describe.each(ADAPTERS)('metrics (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  it('counts a scripted session exactly', async () => {
    const dir = await h.tempDir();
    const registry = new Registry();
    const { url, app } = await h.start(
      adapter,
      TusModule.forRoot({ directory: dir, metrics: { registry }, uploadCompleteHandler: FlakyComplete, imports: [LedgerModule], completionRetryDelay: 3_600_000 }),
    );
    const a = await createUpload(url, { length: 5 });
    expect((await patch(url, a.uploadPath, 0, 'hello')).status).toBe(500); // the handler's first run throws
    const b = await createUpload(url, { length: 10 });
    expect((await patch(url, b.uploadPath, 3, 'x')).status).toBe(409);
    expect((await patch(url, b.uploadPath, 0, 'abcd')).status).toBe(204);
    expect((await head(url, b.uploadPath)).status).toBe(200);
    expect((await del(url, b.uploadPath)).status).toBe(204);
    expect((await head(url, b.uploadPath)).status).toBe(410);
    expect((await request(url, { method: 'OPTIONS', path: '/files', headers: TUS })).status).toBe(204);
    await settle(registry, 9);
    expect(await value(registry, 'tus_completions_pending', { endpoint: 'files' })).toBe(1);

    // The retry scan runs the owed handler (its second run succeeds).
    expect(await app.get(TusService).engine.resumeCompletions(Date.now() + 3_600_000)).toBe(1);
    await sleep(20);

    const requests = (method: string, status: string) => value(registry, 'tus_requests_total', { endpoint: 'files', method, status });
    expect(await requests('POST', '201')).toBe(2);
    expect(await requests('PATCH', '500')).toBe(1);
    expect(await requests('PATCH', '409')).toBe(1);
    expect(await requests('PATCH', '204')).toBe(1);
    expect(await requests('HEAD', '200')).toBe(1);
    expect(await requests('HEAD', '410')).toBe(1);
    expect(await requests('DELETE', '204')).toBe(1);
    expect(await requests('OPTIONS', '204')).toBe(1);
    expect(await value(registry, 'tus_requests_total')).toBe(9);
    const durations = (method: string) => value(registry, 'tus_request_duration_seconds_count', { endpoint: 'files', method });
    expect([await durations('POST'), await durations('PATCH'), await durations('HEAD'), await durations('DELETE'), await durations('OPTIONS')]).toEqual([2, 3, 2, 1, 1]);
    expect(await value(registry, 'tus_uploads_created_total')).toBe(2);
    expect(await value(registry, 'tus_uploads_completed_total')).toBe(1);
    expect(await value(registry, 'tus_uploads_terminated_total')).toBe(1);
    expect(await value(registry, 'tus_uploads_expired_total')).toBe(0);
    expect(await value(registry, 'tus_bytes_received_total')).toBe(9);
    expect(await value(registry, 'tus_completion_runs_total')).toBe(2);
    expect(await value(registry, 'tus_completion_failures_total')).toBe(1);
    expect(await value(registry, 'tus_completions_pending')).toBe(0);
    // Four requests took the upload lock (three PATCHes and the DELETE); none had to give up.
    expect(await value(registry, 'tus_lock_wait_seconds_count')).toBe(4);
    expect(await value(registry, 'tus_lock_timeouts_total')).toBe(0);
    expect(await value(registry, 'tus_store_errors_total')).toBe(0);
    expect(await value(registry, 'tus_patches_in_flight')).toBe(0);
    const text = await registry.metrics();
    expect(text).toContain('tus_requests_total{endpoint="files",method="POST",status="201"} 2');
    expect(text).toContain('tus_bytes_received_total{endpoint="files"} 9');
  });

  it('a PATCH in flight is a gauge, a lock not had within lockTimeout a 423 counted; two registrations, two endpoints, one prefix', async () => {
    const dir = await h.tempDir();
    const other = await h.tempDir();
    const registry = new Registry();
    const { url, app } = await h.start(adapter, [
      TusModule.forRoot({ directory: dir, metrics: { registry, prefix: 'up_' }, uploadCompleteHandler: GatedComplete, lockTimeout: 100 }),
      TusModule.forRoot({ directory: other, path: 'other', name: 'other', metrics: { registry, prefix: 'up_' } }),
    ]);
    const gated = app.get(GatedComplete, { strict: false });
    const up = await createUpload(url, { length: 2 });
    const last = patch(url, up.uploadPath, 0, 'ab'); // the handler holds it (and its lock) until released
    for (let i = 0; i < 100 && (await value(registry, 'up_patches_in_flight', { endpoint: 'files' })) === 0; i++) await sleep(10);
    expect(await value(registry, 'up_patches_in_flight', { endpoint: 'files' })).toBe(1);
    expect((await patch(url, up.uploadPath, 2, '')).status).toBe(423);
    gated.release();
    expect((await last).status).toBe(204);
    const second = await createUpload(url, { length: 1, path: '/other' });
    expect((await patch(url, second.uploadPath, 0, 'z')).status).toBe(204);
    await settle(registry, 5, 'up_');
    expect(await value(registry, 'up_lock_timeouts_total', { endpoint: 'files' })).toBe(1);
    expect(await value(registry, 'up_patches_in_flight')).toBe(0);
    expect(await value(registry, 'up_requests_total', { endpoint: 'files', method: 'PATCH', status: '423' })).toBe(1);
    expect(await value(registry, 'up_bytes_received_total', { endpoint: 'files' })).toBe(2);
    expect(await value(registry, 'up_bytes_received_total', { endpoint: 'other' })).toBe(1);
    expect(await value(registry, 'up_uploads_completed_total', { endpoint: 'other' })).toBe(1);
  });
});
