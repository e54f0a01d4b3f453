// The protocol engine without HTTP: PATCH on an upload URL (appending, offsets, limits, checksums,
// declaring a deferred length). https://tus.io/protocols/resumable-upload#patch
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOn, patchHeaders, tusRequest, useEngines } from '../support/engine.js';
import { IMF_FIXDATE } from '../support/tus.js';

const sha1 = (data: string) => createHash('sha1').update(data).digest('base64');

describe('engine: PATCH', () => {
  const engines = useEngines();

  it('appends: 204 with the new Upload-Offset, Upload-Expires while incomplete, none once complete', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 10);
    const first = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0), body: 'hello' }));
    expect(first.status).toBe(204);
    expect(first.headers['Upload-Offset']).toBe('5');
    expect(first.headers['Upload-Expires']).toMatch(IMF_FIXDATE);
    const last = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(5), body: 'world' }));
    expect(last.status).toBe(204);
    expect(last.headers['Upload-Offset']).toBe('10');
    expect(last.headers['Upload-Expires']).toBeUndefined();
    expect((await engine.data(id)).toString()).toBe('helloworld');
  });

  it('takes a chunked body', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 6);
    const res = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0), body: 'abcdef', chunked: true }));
    expect(res.status).toBe(204);
    expect(res.headers['Upload-Offset']).toBe('6');
  });

  it('an Upload-Offset other than the upload\'s is 409 with the current offset, and changes nothing', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 10);
    await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0), body: 'abc' }));
    for (const offset of [0, 2, 4]) {
      const res = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(offset), body: 'xyz' }));
      expect(res.status).toBe(409);
      expect(res.code).toBe('ERR_MISMATCHED_OFFSET');
      expect(res.headers['Upload-Offset']).toBe('3');
    }
    expect((await engine.data(id)).toString()).toBe('abc');
  });

  it.each([
    ['no Content-Type', null],
    ['application/octet-stream', 'application/octet-stream'],
    ['text/plain', 'text/plain'],
  ])('Content-Type %s is 415, nothing written', async (_name, type) => {
    const engine = await engines.start();
    const id = await createOn(engine, 10);
    const res = await engine.handle(tusRequest('PATCH', { id, headers: { ...patchHeaders(0), 'Content-Type': type }, body: 'abc' }));
    expect(res.status).toBe(415);
    expect(res.code).toBe('ERR_INVALID_CONTENT_TYPE');
    expect((await engine.handle(tusRequest('HEAD', { id }))).headers['Upload-Offset']).toBe('0');
  });

  it.each([
    ['missing', null],
    ['not a number', 'abc'],
    ['negative', '-1'],
  ])('an Upload-Offset that is %s is 400', async (_name, offset) => {
    const engine = await engines.start();
    const id = await createOn(engine, 5);
    const res = await engine.handle(tusRequest('PATCH', { id, headers: { ...patchHeaders(0), 'Upload-Offset': offset }, body: 'abc' }));
    expect(res.status).toBe(400);
    expect(res.code).toBe('ERR_INVALID_UPLOAD_OFFSET');
  });

  it('a body longer than the rest of the upload is 413 before anything is written', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 5);
    const res = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0), body: 'too long' }));
    expect(res.status).toBe(413);
    expect(res.code).toBe('ERR_UPLOAD_SIZE_EXCEEDED');
    expect((await engine.handle(tusRequest('HEAD', { id }))).headers['Upload-Offset']).toBe('0');
  });

  it('a body whose checksum does not match is 460 and leaves bytes and offset as they were', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 6);
    const res = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0, { 'Upload-Checksum': `sha1 ${sha1('other')}` }), body: 'abc' }));
    expect(res.status).toBe(460);
    expect(res.code).toBe('ERR_CHECKSUM_MISMATCH');
    expect((await engine.handle(tusRequest('HEAD', { id }))).headers['Upload-Offset']).toBe('0');
    const ok = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0, { 'Upload-Checksum': `sha1 ${sha1('abc')}` }), body: 'abc' }));
    expect(ok.status).toBe(204);
    expect(ok.headers['Upload-Offset']).toBe('3');
  });

  it('a checksum algorithm the server lacks is 400', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 3);
    const res = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0, { 'Upload-Checksum': 'crc32 AAAAAA==' }), body: 'abc' }));
    expect(res.status).toBe(400);
    expect(res.code).toBe('ERR_UNSUPPORTED_CHECKSUM_ALGORITHM');
  });

  it('declares a deferred length with Upload-Length; HEAD then reports it', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 'deferred');
    const res = await engine.handle(tusRequest('PATCH', { id, headers: patchHeaders(0, { 'Upload-Length': '6' }), body: 'abc' }));
    expect(res.status).toBe(204);
    expect(res.headers['Upload-Offset']).toBe('3');
    const info = await engine.handle(tusRequest('HEAD', { id }));
    expect(info.headers['Upload-Length']).toBe('6');
    expect(info.headers['Upload-Defer-Length']).toBeUndefined();
  });

  it('without Tus-Resumable: 412 with Tus-Version, nothing written', async () => {
    const engine = await engines.start();
    const id = await createOn(engine, 5);
    const res = await engine.handle(tusRequest('PATCH', { id, headers: { ...patchHeaders(0), 'Tus-Resumable': null }, body: 'hello' }));
    expect(res.status).toBe(412);
    expect(res.headers['Tus-Version']).toBe('1.0.0');
    expect((await engine.handle(tusRequest('HEAD', { id }))).headers['Upload-Offset']).toBe('0');
  });

  it('an unknown id is 404', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('PATCH', { id: 'AAAAAAAAAAAAAAAAAAAAAA', headers: patchHeaders(0), body: 'abc' }));
    expect(res.status).toBe(404);
  });
});
