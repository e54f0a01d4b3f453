// The protocol engine without HTTP: concatenation and concatenation-unfinished (partial uploads, and a
// final upload built from them). https://tus.io/protocols/resumable-upload#concatenation
import { describe, expect, it } from 'vitest';
import { COLLECTION, createOn, idOf, patchHeaders, tusRequest, useEngines, type EngineInDir } from '../support/engine.js';
import { OCTET } from '../support/tus.js';

const partial = async (engine: EngineInDir, body: string, length = body.length) =>
  idOf(
    await engine.handle(
      tusRequest('POST', { headers: { 'Upload-Length': String(length), 'Upload-Concat': 'partial', ...(body ? { 'Content-Type': OCTET } : {}) }, body: body || undefined }),
    ),
  );

const final = (engine: EngineInDir, ids: string[], headers: Record<string, string> = {}) =>
  engine.handle(tusRequest('POST', { headers: { 'Upload-Concat': `final;${ids.map((id) => `${COLLECTION}/${id}`).join(' ')}`, ...headers } }));

describe('engine: concatenation', () => {
  const engines = useEngines();

  it('a partial upload says so on HEAD', async () => {
    const engine = await engines.start();
    const id = await partial(engine, 'abc', 5);
    const info = await engine.handle(tusRequest('HEAD', { id }));
    expect(info.status).toBe(200);
    expect(info.headers['Upload-Concat']).toBe('partial');
    expect(info.headers['Upload-Offset']).toBe('3');
  });

  it('a final of complete partials is assembled at once, in order: 201 with its offset, HEAD lists the parts', async () => {
    const engine = await engines.start();
    const a = await partial(engine, 'hello ');
    const b = await partial(engine, 'world');
    const res = await final(engine, [a, b]);
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBe('11');
    const id = idOf(res);
    const info = await engine.handle(tusRequest('HEAD', { id }));
    expect(info.status).toBe(200);
    expect(info.headers['Upload-Offset']).toBe('11');
    expect(info.headers['Upload-Length']).toBe('11');
    expect(info.headers['Upload-Concat']).toBe(`final;${COLLECTION}/${a} ${COLLECTION}/${b}`);
    expect((await engine.data(id)).toString()).toBe('hello world');
  });

  it('a final created before its parts are complete has no offset until they are (concatenation-unfinished)', async () => {
    const engine = await engines.start();
    const a = await partial(engine, 'abc');
    const b = await partial(engine, 'd', 3);
    const res = await final(engine, [a, b]);
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBeUndefined();
    const id = idOf(res);
    const waiting = await engine.handle(tusRequest('HEAD', { id }));
    expect(waiting.status).toBe(200);
    expect(waiting.headers['Upload-Offset']).toBeUndefined();
    expect(waiting.headers['Upload-Expires']).toBeUndefined();
    expect((await engine.handle(tusRequest('PATCH', { id: b, headers: patchHeaders(1), body: 'ef' }))).status).toBe(204);
    const done = await engine.handle(tusRequest('HEAD', { id }));
    expect(done.headers['Upload-Offset']).toBe('6');
    expect(done.headers['Upload-Length']).toBe('6');
    expect((await engine.data(id)).toString()).toBe('abcdef');
  });

  it('a final cannot be written: PATCH is 403', async () => {
    const engine = await engines.start();
    const a = await partial(engine, 'ab');
    const id = idOf(await final(engine, [a]));
    const res = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(2), body: 'c' }));
    expect(res.status).toBe(403);
    expect(res.code).toBe('ERR_MODIFY_FINAL');
  });

  it.each([
    ['with an Upload-Length', { 'Upload-Length': '2' }],
    ['with an Upload-Defer-Length', { 'Upload-Defer-Length': '1' }],
  ])('a final %s is 400', async (_name, headers) => {
    const engine = await engines.start();
    const a = await partial(engine, 'ab');
    const res = await final(engine, [a], headers);
    expect(res.status).toBe(400);
    expect(res.code).toBe('ERR_INVALID_CONCAT');
  });

  it('a final of an unknown upload, or of one that is not partial, is 400 and nothing is created', async () => {
    const engine = await engines.start();
    const plain = await createOn(engine, 0);
    const before = await engine.files();
    for (const ids of [['AAAAAAAAAAAAAAAAAAAAAA'], [plain]]) {
      const res = await final(engine, ids);
      expect(res.status).toBe(400);
      expect(res.code).toBe('ERR_INVALID_CONCAT');
      expect(res.headers.Location).toBeUndefined();
    }
    expect(await engine.files()).toEqual(before);
  });

  it('a malformed Upload-Concat is 400', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '1', 'Upload-Concat': 'whole' } }));
    expect(res.status).toBe(400);
    expect(res.code).toBe('ERR_INVALID_CONCAT');
  });
});
