// The protocol engine without HTTP: OPTIONS (server capabilities) and the methods each URL allows.
// https://tus.io/protocols/resumable-upload#options
import { describe, expect, it } from 'vitest';
import { tusRequest, useEngines } from '../support/engine.js';
import { ALL_EXTENSIONS as EXTENSIONS } from '../support/tus.js';

describe('engine: OPTIONS', () => {
  const engines = useEngines();

  it('answers 204 with Tus-Version, every extension, the checksum algorithms and Tus-Max-Size', async () => {
    const engine = await engines.start({ maxSize: 1000 });
    const res = await engine.handle(tusRequest('OPTIONS'));
    expect(res.status).toBe(204);
    expect(res.headers['Tus-Version']).toBe('1.0.0');
    expect(res.headers['Tus-Extension']!.split(',').sort()).toEqual([...EXTENSIONS].sort());
    expect(res.headers['Tus-Checksum-Algorithm']!.split(',')).toEqual(expect.arrayContaining(['sha1', 'md5', 'sha256']));
    expect(res.headers['Tus-Max-Size']).toBe('1000');
  });

  it('leaves Tus-Max-Size out without a limit', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('OPTIONS'));
    expect(res.status).toBe(204);
    expect(res.headers['Tus-Max-Size']).toBeUndefined();
  });

  it('never answers 412: neither without Tus-Resumable nor with an unsupported one', async () => {
    const engine = await engines.start();
    for (const version of [null, '0.2.2']) {
      const res = await engine.handle(tusRequest('OPTIONS', { headers: { 'Tus-Resumable': version } }));
      expect(res.status).toBe(204);
      expect(res.headers['Tus-Version']).toBe('1.0.0');
    }
  });

  it('answers on an upload URL as well', async () => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest('OPTIONS', { id: 'AAAAAAAAAAAAAAAAAAAAAA' }));
    expect(res.status).toBe(204);
    expect(res.headers['Tus-Version']).toBe('1.0.0');
  });

  it('does not list expiration when incomplete uploads never expire', async () => {
    const engine = await engines.start({ expireIncompleteAfter: 0 });
    const res = await engine.handle(tusRequest('OPTIONS'));
    expect(res.status).toBe(204);
    expect(res.headers['Tus-Extension']!.split(',').sort()).toEqual(EXTENSIONS.filter((e) => e !== 'expiration').sort());
  });
});

describe('engine: methods per URL', () => {
  const engines = useEngines();

  it.each(['HEAD', 'PATCH', 'DELETE', 'GET'])('%s on the collection URL is 405 with Allow: OPTIONS, POST', async (method) => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest(method));
    expect(res.status).toBe(405);
    expect(res.headers.Allow).toBe('OPTIONS, POST');
  });

  it.each(['POST', 'PUT'])('%s on an upload URL is 405 with the methods an upload allows', async (method) => {
    const engine = await engines.start();
    const res = await engine.handle(tusRequest(method, { id: 'AAAAAAAAAAAAAAAAAAAAAA', headers: { 'Upload-Length': '1' } }));
    expect(res.status).toBe(405);
    expect(res.headers.Allow).toBe('OPTIONS, HEAD, PATCH, DELETE, GET');
  });
});
