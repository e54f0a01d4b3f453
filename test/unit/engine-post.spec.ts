// The protocol engine without HTTP: POST on the collection URL (creation, creation-defer-length,
// creation-with-upload). https://tus.io/protocols/resumable-upload#creation
import { describe, expect, it } from 'vitest';
import { COLLECTION, idOf, tusRequest, useEngines } from '../support/engine.js';
import { IMF_FIXDATE, OCTET } from '../support/tus.js';

describe('engine: POST', () => {
  const engines = useEngines();

  it('creates an upload: 201, Location under the collection URL, Upload-Offset 0, Upload-Expires', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '10' } }));
    expect(res.status).toBe(201);
    expect(res.headers.Location).toMatch(new RegExp(`^${COLLECTION}/[A-Za-z0-9_-]{22}$`));
    expect(res.headers['Upload-Offset']).toBe('0');
    expect(res.headers['Upload-Expires']).toMatch(IMF_FIXDATE);
    expect(await engine.files()).toEqual([`${idOf(res)}.json`]);
  });

  it('without Tus-Resumable: 412 with Tus-Version, nothing created', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Tus-Resumable': null, 'Upload-Length': '5' } }));
    expect(res.status).toBe(412);
    expect(res.headers['Tus-Version']).toBe('1.0.0');
    expect(res.headers.Location).toBeUndefined();
    expect(await engine.files()).toEqual([]);
  });

  it('with an unsupported Tus-Resumable: 412 with Tus-Version', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Tus-Resumable': '0.2.2', 'Upload-Length': '5' } }));
    expect(res.status).toBe(412);
    expect(res.headers['Tus-Version']).toBe('1.0.0');
  });

  it('Upload-Defer-Length: 1 creates an upload of unknown length', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Defer-Length': '1' } }));
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBe('0');
    const info = await engine.handle(tusRequest('HEAD', { id: idOf(res) }));
    expect(info.status).toBe(200);
    expect(info.headers['Upload-Defer-Length']).toBe('1');
    expect(info.headers['Upload-Length']).toBeUndefined();
  });

  it('Upload-Length: 0 is complete at once: no Upload-Expires', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '0' } }));
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBe('0');
    expect(res.headers['Upload-Expires']).toBeUndefined();
  });

  it('a length equal to the limit is accepted, one byte more is 413', async () => {
    const engine = await engines.start({ maxSize: 100 });
    expect((await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '100' } }))).status).toBe(201);
    const before = await engine.files();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '101' } }));
    expect(res.status).toBe(413);
    expect(res.code).toBe('ERR_MAX_SIZE_EXCEEDED');
    expect(await engine.files()).toEqual(before);
  });

  it.each([
    ['both Upload-Length and Upload-Defer-Length', { 'Upload-Length': '5', 'Upload-Defer-Length': '1' }, 'ERR_AMBIGUOUS_UPLOAD_LENGTH'],
    ['neither Upload-Length nor Upload-Defer-Length', {}, 'ERR_INVALID_UPLOAD_LENGTH'],
    ['Upload-Defer-Length: 2', { 'Upload-Defer-Length': '2' }, 'ERR_INVALID_UPLOAD_DEFER_LENGTH'],
    ['a negative Upload-Length', { 'Upload-Length': '-1' }, 'ERR_INVALID_UPLOAD_LENGTH'],
    ['malformed Upload-Metadata', { 'Upload-Length': '5', 'Upload-Metadata': 'filename !!!' }, 'ERR_INVALID_METADATA'],
  ])('%s → 400, nothing created', async (_name, headers, code) => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers }));
    expect(res.status).toBe(400);
    expect(res.code).toBe(code);
    expect(res.headers.Location).toBeUndefined();
    expect(await engine.files()).toEqual([]);
  });
});

describe('engine: POST with a body (creation-with-upload)', () => {
  const engines = useEngines();

  it('stores the whole body: Upload-Offset = length, no Upload-Expires once complete', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '11', 'Content-Type': OCTET }, body: 'hello world' }));
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBe('11');
    expect(res.headers['Upload-Expires']).toBeUndefined();
    expect((await engine.data(idOf(res))).toString()).toBe('hello world');
  });

  it('stores a first chunk of a longer upload and says when it expires', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '10', 'Content-Type': OCTET }, body: 'hello' }));
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBe('5');
    expect(res.headers['Upload-Expires']).toMatch(IMF_FIXDATE);
  });

  it('takes a chunked body (no Content-Length)', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '9', 'Content-Type': OCTET }, body: 'abcdefghi', chunked: true }));
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBe('9');
    expect((await engine.data(idOf(res))).toString()).toBe('abcdefghi');
  });

  it('takes a body on a deferred length, which stays deferred', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Defer-Length': '1', 'Content-Type': OCTET }, body: 'abc' }));
    expect(res.status).toBe(201);
    expect(res.headers['Upload-Offset']).toBe('3');
    const info = await engine.handle(tusRequest('HEAD', { id: idOf(res) }));
    expect(info.headers['Upload-Defer-Length']).toBe('1');
  });

  it('a Content-Length over Upload-Length is 413 before anything is created', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '3', 'Content-Type': OCTET }, body: 'too long' }));
    expect(res.status).toBe(413);
    expect(res.code).toBe('ERR_UPLOAD_SIZE_EXCEEDED');
    expect(res.headers.Location).toBeUndefined();
    expect(await engine.files()).toEqual([]);
  });

  it.each(['text/plain', 'application/octet-stream', 'application/json'])('a body with Content-Type %s is 415, nothing created', async (type) => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '10', 'Content-Type': type }, body: 'hello' }));
    expect(res.status).toBe(415);
    expect(res.code).toBe('ERR_INVALID_CONTENT_TYPE');
    expect(await engine.files()).toEqual([]);
  });
});
