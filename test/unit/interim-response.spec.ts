import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createServer, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sendInterim } from '../../src/http/interim-response.js';

function request(major: number, minor: number): IncomingMessage {
  return { httpVersionMajor: major, httpVersionMinor: minor } as IncomingMessage;
}

interface FakeResponse {
  headersSent: boolean;
  writableEnded: boolean;
  destroyed: boolean;
  raw: string[];
  information: Array<[number, Record<string, string>]>;
  _writeRaw?(data: string): boolean;
  writeInformation?(status: number, headers: Record<string, string>): void;
}

function response(options: { raw?: boolean; information?: boolean } = {}): FakeResponse {
  const res: FakeResponse = { headersSent: false, writableEnded: false, destroyed: false, raw: [], information: [] };
  if (options.raw !== false) res._writeRaw = (data) => res.raw.push(data) > 0;
  if (options.information) res.writeInformation = (status, headers) => void res.information.push([status, headers]);
  return res;
}

const send = (req: IncomingMessage, res: FakeResponse, headers: Record<string, string> = { Location: '/files/abc' }) =>
  sendInterim(req, res as unknown as ServerResponse, 104, headers);

describe('sendInterim', () => {
  it('writes a raw HTTP/1.1 interim answer where Node has no writeInformation', () => {
    const res = response();
    expect(send(request(1, 1), res, { Location: '/files/abc', 'Upload-Draft-Interop-Version': '8' })).toBe(true);
    expect(res.raw).toEqual(['HTTP/1.1 104 Upload Resumption Supported\r\nLocation: /files/abc\r\nUpload-Draft-Interop-Version: 8\r\n\r\n']);
  });

  it('prefers writeInformation when the running Node has it (HTTP/2 included)', () => {
    const res = response({ information: true });
    expect(send(request(1, 1), res)).toBe(true);
    expect(send(request(2, 0), res)).toBe(true);
    expect(res.information).toEqual([
      [104, { Location: '/files/abc' }],
      [104, { Location: '/files/abc' }],
    ]);
    expect(res.raw).toEqual([]);
  });

  it('sends nothing to an HTTP/1.0 client, whatever Node offers', () => {
    const res = response({ information: true });
    expect(send(request(1, 0), res)).toBe(false);
    expect(res.raw).toEqual([]);
    expect(res.information).toEqual([]);
  });

  it('over a real HTTP/2 connection, without writeInformation, the client receives the 104 before the final answer', async () => {
    const server = createServer((req, res) => {
      const sent = sendInterim(req as unknown as IncomingMessage, res as unknown as ServerResponse, 104, { Location: '/files/abc', 'Upload-Draft-Interop-Version': '9' });
      res.writeHead(201, { 'x-sent': String(sent) });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const stream = client.request({ ':method': 'POST', ':path': '/files' });
      const informational: IncomingHttpHeaders[] = [];
      stream.on('headers', (headers) => informational.push(headers));
      const final = await new Promise<IncomingHttpHeaders>((resolve) => stream.on('response', resolve));
      stream.resume();
      await new Promise((resolve) => stream.on('end', resolve));
      expect(informational.map((h) => [h[':status'], h.location, h['upload-draft-interop-version']])).toEqual([[104, '/files/abc', '9']]);
      expect([final[':status'], final['x-sent']]).toEqual([201, 'true']);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends nothing on HTTP/2 without writeInformation or a stream to write to', () => {
    const res = response();
    expect(send(request(2, 0), res)).toBe(false);
    expect(res.raw).toEqual([]);
  });

  it('sends nothing where neither way exists', () => {
    expect(send(request(1, 1), response({ raw: false }))).toBe(false);
  });

  it('sends nothing once the final answer has started or the response is gone', () => {
    for (const state of ['headersSent', 'writableEnded', 'destroyed'] as const) {
      const res = response();
      res[state] = true;
      expect(send(request(1, 1), res)).toBe(false);
      expect(res.raw).toEqual([]);
    }
  });

  it('refuses header values that could split the response, and non-interim statuses', () => {
    const res = response();
    expect(send(request(1, 1), res, { Location: '/files/abc\r\nX-Evil: 1' })).toBe(false);
    expect(sendInterim(request(1, 1), res as unknown as ServerResponse, 200, {})).toBe(false);
    expect(sendInterim(request(1, 1), res as unknown as ServerResponse, 101, {})).toBe(false);
    expect(res.raw).toEqual([]);
  });
});
