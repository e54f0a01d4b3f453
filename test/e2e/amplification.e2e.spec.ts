// Limits that keep a small upload from being multiplied: the number of parts one final may list
// (maxConcatParts), repeats and parts of unknown length counted against maxSize, and an oversized
// header (a long Upload-Concat or Upload-Metadata) answered with the tus header and a remedy.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header, request, type HttpResponse } from '../support/http.js';
import { TUS, createUpload, expectError, patch } from '../support/tus.js';

const KiB = 1024;

/** Sends raw bytes on a fresh connection and returns everything the server wrote back. */
function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => (chunks.length > 0 ? resolve(Buffer.concat(chunks).toString()) : reject(error)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.end(bytes);
  });
}

function final(url: string, locations: string[], headers: Record<string, string> = {}): Promise<HttpResponse> {
  return request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Concat': `final;${locations.join(' ')}`, ...headers } });
}

describe.each(ADAPTERS)('amplification limits (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(adapter);

  it('a final may list at most maxConcatParts parts (default 100), repeats included: 400 with the reason above', async () => {
    const { url } = await h.boot();
    const part = await createUpload(url, { length: 256 * KiB, body: Buffer.alloc(256 * KiB, 7), headers: { 'Upload-Concat': 'partial' } });
    for (const count of [101, 400]) {
      const res = await final(url, Array(count).fill(part.uploadPath)); // relative URLs: the header stays under Node's limit
      expectError(res, 400);
      expect(res.body.toString()).toContain(`lists ${count} partial uploads; a final upload may have at most 100 (maxConcatParts)`);
    }
    expect((await final(url, Array(100).fill(part.location))).status).toBe(201);

    const small = await h.boot({ maxConcatParts: 3, maxSize: 1000 * KiB });
    const other = await createUpload(small.url, { length: 256 * KiB, body: Buffer.alloc(256 * KiB, 7), headers: { 'Upload-Concat': 'partial' } });
    expectError(await final(small.url, Array(4).fill(other.location)), 400);
    expect((await final(small.url, Array(3).fill(other.location))).status).toBe(201);
  });

  it('parts of unknown length count their bytes so far, and a late length may not push a waiting final over maxSize (413)', async () => {
    const { url } = await h.boot({ maxSize: 1000 });
    const grown = await createUpload(url, { deferred: true, body: Buffer.alloc(400, 1), headers: { 'Upload-Concat': 'partial' } });
    const over = await final(url, Array(3).fill(grown.location));
    expectError(over, 413);
    expect(header(over, 'location')).toBeUndefined();

    const part = await createUpload(url, { deferred: true, body: Buffer.alloc(100, 2), headers: { 'Upload-Concat': 'partial' } });
    expect((await final(url, Array(3).fill(part.location))).status).toBe(201); // 300 bytes so far
    const late = await patch(url, part.uploadPath, 100, '', { 'Upload-Length': '400' });
    expectError(late, 413);
    expect(late.body.toString()).toContain('would make a final upload waiting for it larger than the maximum of 1000 bytes');
    expect((await patch(url, part.uploadPath, 100, Buffer.alloc(233, 3), { 'Upload-Length': '333' })).status).toBe(204);
  });

  it('headers over the server limit get 431 with the tus header and the remedy; other client errors keep their answer', async () => {
    const { url, port } = await h.boot();
    const oversized = [
      { 'Upload-Length': '1', 'Upload-Metadata': `filename ${'A'.repeat(20 * KiB)}` },
      { 'Upload-Concat': `final;${Array(1000).fill(`${url}/files/AAAAAAAAAAAAAAAAAAAAAA`).join(' ')}` },
    ];
    for (const headers of oversized) {
      const head = Object.entries({ ...TUS, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      const answer = await rawExchange(port, `POST /files HTTP/1.1\r\nHost: x\r\n${head}\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toMatch(/\r\nTus-Resumable: 1\.0\.0\r\n/i);
      expect(answer).toContain('node --max-http-header-size');
      expect(answer).toContain("Fastify's http: { maxHeaderSize }");
    }
    const garbage = await rawExchange(port, 'NOT A REQUEST\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    if (adapter === 'fastify') expect(garbage).toContain('"message":"Client Error"'); // Fastify's own handler still answers
    else expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/); // Node's own answer
    expect((await request(url, { method: 'OPTIONS', path: '/files' })).status).toBe(204);
  });
});
