// With `principal` on, a terminated or expired upload answers another principal exactly like an id
// never seen (status, body, headers; in Upload-Concat too), and its owner with 410; GET answers 404
// to everyone once an upload is gone (tusd's behaviour, which tus-js-client's own specs expect).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TusModule, TusService } from '../../src/index.js';
import { UserHeaderGuard } from '../fixtures/extension-points.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { request, type HttpResponse } from '../support/http.js';
import { OCTET, TUS, createUpload, expectError, sleep } from '../support/tus.js';

const NEVER = 'NeverExisted0000000000';
const as = (user: string) => ({ ...TUS, 'X-User': user });
const principal = (req: { user?: { id: string } }) => req.user?.id;

type Method = 'HEAD' | 'PATCH' | 'DELETE' | 'GET' | 'Upload-Concat';
const METHODS: Method[] = ['HEAD', 'PATCH', 'DELETE', 'GET', 'Upload-Concat'];

/** One request on the upload at `uploadPath` (for Upload-Concat: a final naming it). */
function ask(url: string, method: Method, uploadPath: string, user: string): Promise<HttpResponse> {
  if (method === 'Upload-Concat') {
    return request(url, { method: 'POST', path: '/files', headers: { ...as(user), 'Upload-Concat': `final;${url}${uploadPath}` } });
  }
  if (method === 'PATCH') {
    return request(url, { method, path: uploadPath, headers: { ...as(user), 'Content-Type': OCTET, 'Upload-Offset': '0' }, body: '' });
  }
  return request(url, { method, path: uploadPath, headers: as(user) });
}

/** What a client can observe, less the clock and the id itself (Upload-Concat's reason quotes the URL). */
function observed(res: HttpResponse, uploadPath: string) {
  const { date: _date, ...headers } = res.headers;
  return { status: res.status, headers, body: res.body.toString().replaceAll(uploadPath, '<upload>') };
}

describe.each(ADAPTERS)('tombstones respect ownership (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  /** An app with ownership on and alice's partial uploads `gone` the given way. */
  async function withGone(state: 'terminated' | 'expired', count: number, dir?: string) {
    dir ??= await h.tempDir();
    const expiring = state === 'expired';
    const app = await h.start(
      adapter,
      TusModule.forRoot({ directory: dir, guards: [UserHeaderGuard], principal, cleanupInterval: 0, ...(expiring ? { expireIncompleteAfter: 30 } : {}) }),
    );
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const up = await createUpload(app.url, { length: 3, body: 'a', headers: { 'X-User': 'alice', 'Upload-Concat': 'partial' } });
      paths.push(up.uploadPath);
    }
    if (expiring) {
      await sleep(60);
      expect(await app.app.get(TusService, { strict: false }).cleanup()).toBe(count);
    } else {
      for (const p of paths) expect((await request(app.url, { method: 'DELETE', path: p, headers: as('alice') })).status).toBe(204);
    }
    return { ...app, dir, paths };
  }

  for (const state of ['terminated', 'expired'] as const) {
    const reason = state === 'terminated' ? 'was terminated' : 'has expired';

    it(`${state}: another principal gets exactly what a never-existing id gets, on every method`, async () => {
      const { url, paths } = await withGone(state, METHODS.length);
      for (const [i, method] of METHODS.entries()) {
        const foreign = await ask(url, method, paths[i], 'mallory');
        const never = await ask(url, method, `/files/${NEVER}`, 'mallory');
        expect(observed(foreign, paths[i]), `${method} by another principal`).toEqual(observed(never, `/files/${NEVER}`));
        expect(foreign.status, method).toBe(method === 'Upload-Concat' ? 400 : 404);
        if (method === 'Upload-Concat') expect(foreign.body.toString()).toContain('does not exist');
      }
    });

    it(`${state}: the owner gets 410 on HEAD, PATCH and DELETE, 404 on GET, "${state}" in Upload-Concat`, async () => {
      const { url, paths } = await withGone(state, METHODS.length);
      for (const [i, method] of METHODS.entries()) {
        const own = await ask(url, method, paths[i], 'alice');
        if (method === 'GET') {
          expect(observed(own, paths[i]), 'GET by the owner').toEqual(observed(await ask(url, 'GET', `/files/${NEVER}`, 'alice'), `/files/${NEVER}`));
          continue;
        }
        expectError(own, method === 'Upload-Concat' ? 400 : 410);
        if (method !== 'HEAD') expect(own.body.toString(), method).toContain(method === 'Upload-Concat' ? `was ${state}` : reason);
      }
    });
  }

  it('after a restart (tombstones read from disk) too; a tombstone from before owners were kept still answers 410', async () => {
    const first = await withGone('terminated', 1);
    await first.close();
    const legacy = 'LegacyTombstone0000000';
    await writeFile(path.join(first.dir, `${legacy}.json`), JSON.stringify({ id: legacy, gone: 'terminated', at: Date.now() }));
    const { url } = await withGone('terminated', 0, first.dir);
    const [gone] = first.paths;
    expect(observed(await ask(url, 'HEAD', gone, 'mallory'), gone)).toEqual(observed(await ask(url, 'HEAD', `/files/${NEVER}`, 'mallory'), `/files/${NEVER}`));
    expectError(await ask(url, 'HEAD', gone, 'alice'), 410);
    expectError(await ask(url, 'HEAD', `/files/${legacy}`, 'mallory'), 410);
  });
});
