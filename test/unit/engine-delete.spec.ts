// The protocol engine without HTTP: DELETE (termination) and what a terminated upload answers, and GET
// of an upload's bytes. https://tus.io/protocols/resumable-upload#termination
import { describe, expect, it } from 'vitest';
import { createOn, idOf, patchHeaders, tusRequest, useEngines } from '../support/engine.js';
import { OCTET } from '../support/tus.js';

async function text(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

describe('engine: DELETE', () => {
  const engines = useEngines();

  it('204 and the bytes are gone; then HEAD and PATCH are 410, GET is 404', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 10);
    await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0), body: 'hello' }));
    const res = await engine.handle(tusRequest('DELETE', { id }));
    expect(res.status).toBe(204);
    expect(await engine.files()).not.toContain(id);
    const info = await engine.handle(tusRequest('HEAD', { id }));
    expect(info.status).toBe(410);
    expect(info.code).toBe('ERR_UPLOAD_GONE');
    expect(info.headers['Upload-Offset']).toBeUndefined();
    expect((await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(5), body: 'world' }))).status).toBe(410);
    expect((await engine.handle(tusRequest('GET', { id }))).status).toBe(404);
  });

  it('a second DELETE is 410', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 1);
    expect((await engine.handle(tusRequest('DELETE', { id }))).status).toBe(204);
    expect((await engine.handle(tusRequest('DELETE', { id }))).status).toBe(410);
  });

  it('an unknown id is 404', async () => {
    const engine = await engines.start();
    expect((await engine.handle(tusRequest('DELETE', { id: 'AAAAAAAAAAAAAAAAAAAAAA' }))).status).toBe(404);
  });

  it('without Tus-Resumable: 412 with Tus-Version, the upload stays', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 5);
    const res = await engine.handle(tusRequest('DELETE', { id, headers: { 'Tus-Resumable': null } }));
    expect(res.status).toBe(412);
    expect(res.headers['Tus-Version']).toBe('1.0.0');
    expect((await engine.handle(tusRequest('HEAD', { id }))).status).toBe(200);
  });
});

describe('engine: GET', () => {
  const engines = useEngines();

  it('serves a complete upload: 200 with its bytes', async () => {
    const engine = await engines.start();
    const id = idOf(await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '2', 'Content-Type': OCTET }, body: 'hi' })));
    const res = await engine.handle(tusRequest('GET', { id, headers: { 'Tus-Resumable': null } }));
    expect(res.status).toBe(200);
    expect(await text(res.body)).toBe('hi');
  });

  it('an incomplete upload is 404 unless incomplete downloads are on', async () => {
    const off = await engines.start();
    const id = idOf(await off.handle(tusRequest('POST', { headers: { 'Upload-Length': '4', 'Content-Type': OCTET }, body: 'ab' })));
    expect((await off.handle(tusRequest('GET', { id }))).status).toBe(404);
    const on = await engines.start({ download: { enabled: true, incomplete: true } });
    const other = idOf(await on.handle(tusRequest('POST', { headers: { 'Upload-Length': '4', 'Content-Type': OCTET }, body: 'ab' })));
    const res = await on.handle(tusRequest('GET', { id: other }));
    expect(res.status).toBe(200);
    expect(await text(res.body)).toBe('ab');
  });

  it('downloads switched off: 405', async () => {
    const engine = await engines.start({ download: { enabled: false, incomplete: false } });
    const id = await createOn(engine, 0);
    expect((await engine.handle(tusRequest('GET', { id }))).status).toBe(405);
  });
});
