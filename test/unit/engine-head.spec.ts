// The protocol engine without HTTP: HEAD on an upload URL (the offset to resume from).
// https://tus.io/protocols/resumable-upload#head
import { describe, expect, it } from 'vitest';
import { idOf, tusRequest, useEngines } from '../support/engine.js';
import { IMF_FIXDATE, OCTET } from '../support/tus.js';

describe('engine: HEAD', () => {
  const engines = useEngines();

  it('reports offset, length, no-store, the metadata byte-exact and Upload-Expires', async () => {
    const engine = await engines.start();
    // Unusual order, a key without value, padding variants: must come back exactly as sent.
    const metadata = 'zeta MQ==,filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential,a YWI=';
    const created = await engine.handle(
      tusRequest('POST', { headers: { 'Upload-Length': '20', 'Upload-Metadata': metadata, 'Content-Type': OCTET }, body: 'abc' }),
    );
    const res = await engine.handle(tusRequest('HEAD', { id: idOf(created) }));
    expect(res.status).toBe(200);
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(res.headers['Upload-Offset']).toBe('3');
    expect(res.headers['Upload-Length']).toBe('20');
    expect(res.headers['Upload-Defer-Length']).toBeUndefined();
    expect(res.headers['Upload-Metadata']).toBe(metadata);
    expect(res.headers['Upload-Expires']).toMatch(IMF_FIXDATE);
    expect(res.body).toBeUndefined();
  });

  it('has no Upload-Metadata when none was sent', async () => {
    const engine = await engines.start();
    const created = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '1' } }));
    const res = await engine.handle(tusRequest('HEAD', { id: idOf(created) }));
    expect(res.status).toBe(200);
    expect(res.headers['Upload-Metadata']).toBeUndefined();
  });

  it('a complete upload has no Upload-Expires and announces its bytes as Content-Length', async () => {
    const engine = await engines.start();
    const created = await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '2', 'Content-Type': OCTET }, body: 'hi' }));
    const res = await engine.handle(tusRequest('HEAD', { id: idOf(created) }));
    expect(res.status).toBe(200);
    expect(res.headers['Upload-Offset']).toBe('2');
    expect(res.headers['Upload-Expires']).toBeUndefined();
    expect(res.headers['Content-Length']).toBe('2');
  });

  it('is allowed without Tus-Resumable, refused (412) with an unsupported one', async () => {
    const engine = await engines.start();
    const id = idOf(await engine.handle(tusRequest('POST', { headers: { 'Upload-Length': '5' } })));
    expect((await engine.handle(tusRequest('HEAD', { id, headers: { 'Tus-Resumable': null } }))).status).toBe(200);
    const refused = await engine.handle(tusRequest('HEAD', { id, headers: { 'Tus-Resumable': '0.2.2' } }));
    expect(refused.status).toBe(412);
    expect(refused.headers['Tus-Version']).toBe('1.0.0');
  });

  it('an unknown id is 404 without Upload-Offset', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('HEAD', { id: 'AAAAAAAAAAAAAAAAAAAAAA' }));
    expect(res.status).toBe(404);
    expect(res.code).toBe('ERR_UPLOAD_NOT_FOUND');
    expect(res.headers['Upload-Offset']).toBeUndefined();
  });
});
