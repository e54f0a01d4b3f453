// HEAD answers are framed (Content-Length), so Node's keep-alive agent (tus-js-client in Node, the
// benchmark client) and browsers reuse the connection for the next request, on both adapters.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { OCTET, TUS, createUpload, pattern } from '../support/tus.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/** One request through `agent`, its response read to the end. */
function send(agent: http.Agent, url: string, method: string, path: string, headers: http.OutgoingHttpHeaders, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { agent, method, headers });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

describe.each(ADAPTERS)('keep-alive (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter, {}, (app, h) => {
    let connections = 0;
    app.server.on('connection', () => connections++);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    h.defer(() => agent.destroy());
    return { agent, connections: () => connections };
  });

  it('HEAD → PATCH → HEAD → PATCH → HEAD on one upload use one connection', async () => {
    const { url, agent, connections } = await h.boot();
    const data = pattern(2000, 31);
    const up = await createUpload(url, { length: data.length });
    const before = connections();
    const headOf = () => send(agent, url, 'HEAD', up.uploadPath, TUS);
    const patchAt = (offset: number, bytes: Buffer) =>
      send(agent, url, 'PATCH', up.uploadPath, { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': String(offset), 'Content-Length': bytes.length }, bytes);

    const first = await headOf();
    expect(first.status).toBe(200);
    expect(first.headers['upload-offset']).toBe('0');
    expect((await patchAt(0, data.subarray(0, 1000))).status).toBe(204);
    const second = await headOf();
    expect(second.headers['upload-offset']).toBe('1000');
    expect((await patchAt(1000, data.subarray(1000))).status).toBe(204);
    const last = await headOf();
    expect(last.headers['upload-offset']).toBe(String(data.length));
    expect(connections() - before, 'TCP connections opened for the five requests').toBe(1);
  });

  it('a HEAD answered with an error keeps the connection too', async () => {
    const { url, agent, connections } = await h.boot();
    const before = connections();
    const missing = await send(agent, url, 'HEAD', '/files/doesnotexist', TUS);
    expect(missing.status).toBe(404);
    const unversioned = await send(agent, url, 'HEAD', '/files/doesnotexist', {});
    expect([404, 412]).toContain(unversioned.status);
    const up = await createUpload(url, { length: 5 });
    expect((await send(agent, url, 'HEAD', up.uploadPath, TUS)).status).toBe(200);
    expect(connections() - before).toBe(2); // the agent's, and createUpload's own (no agent)
  });

  // RFC 9110 §8.6: a HEAD may carry only the Content-Length its GET would have. GET of an upload URL
  // serves the bytes stored (when downloads serve that upload); otherwise there is no content: 0.
  it('Content-Length of HEAD is what GET would send', async () => {
    const { url, agent } = await h.boot();
    const up = await createUpload(url, { length: 10 });
    const sendPatch = (offset: number, bytes: string) =>
      send(agent, url, 'PATCH', up.uploadPath, { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': String(offset), 'Content-Length': bytes.length }, Buffer.from(bytes));
    expect((await sendPatch(0, 'hello')).status).toBe(204);
    expect((await send(agent, url, 'HEAD', up.uploadPath, TUS)).headers['content-length']).toBe('0'); // GET: 404
    expect((await sendPatch(5, 'world')).status).toBe(204);
    expect((await send(agent, url, 'HEAD', up.uploadPath, TUS)).headers['content-length']).toBe('10');
    const get = await send(agent, url, 'GET', up.uploadPath, TUS);
    expect(get.status).toBe(200);
    expect(get.headers['content-length']).toBe('10');
  });

  it('with downloadIncomplete, HEAD of an incomplete upload carries its offset, as its GET', async () => {
    const { url, agent } = await h.boot({ downloadIncomplete: true });
    const up = await createUpload(url, { length: 10, body: 'abc' });
    const answer = await send(agent, url, 'HEAD', up.uploadPath, TUS);
    expect(answer.headers['upload-offset']).toBe('3');
    expect(answer.headers['content-length']).toBe('3');
  });

  it('the IETF draft HEAD (204) keeps the connection without Content-Length', async () => {
    const { url, agent, connections } = await h.boot();
    const up = await createUpload(url, { length: 10, body: 'abc' });
    const before = connections();
    for (let i = 0; i < 3; i++) {
      const answer = await send(agent, url, 'HEAD', up.uploadPath, { 'Upload-Draft-Interop-Version': '6' });
      expect(answer.status).toBe(204);
      expect(answer.headers['upload-offset']).toBe('3');
      expect(answer.headers['content-length']).toBeUndefined(); // RFC 9110 §8.6: never on a 204
    }
    expect(connections() - before).toBe(1);
  });
});
