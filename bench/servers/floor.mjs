// Floor server: the practical ceiling for a tus-like server in Node on this machine.
// Plain node:http, offsets in a Map, PATCH bodies piped into fs.createWriteStream.
// Env: UPLOAD_DIR (required); NULL_SINK=1 discards the bytes instead ("floor → /dev/null": loopback ceiling).
// Prints the port on stdout when ready.
import http from 'node:http';
import { Writable } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';

const dir = process.env.UPLOAD_DIR;
if (!dir) throw new Error('UPLOAD_DIR is required');
const nullSink = process.env.NULL_SINK === '1';
const uploads = new Map(); // id -> { offset, length }

class NullSink extends Writable {
  bytesWritten = 0;
  _write(chunk, _enc, cb) {
    this.bytesWritten += chunk.length;
    cb();
  }
}
const PREFIX = '/files/';

function reply(res, status, headers = {}) {
  res.writeHead(status, { 'Tus-Resumable': '1.0.0', ...headers });
  res.end();
}

const server = http.createServer(async (req, res) => {
  const { method, url } = req;
  if (method === 'POST' && (url === '/files' || url === '/files/')) {
    const length = Number(req.headers['upload-length']);
    if (!Number.isSafeInteger(length) || length < 0) return reply(res, 400);
    const id = randomBytes(16).toString('base64url');
    uploads.set(id, { offset: 0, length });
    req.resume();
    return reply(res, 201, { Location: PREFIX + id, 'Upload-Offset': '0' });
  }
  if (!url.startsWith(PREFIX)) return reply(res, 404);
  const id = url.slice(PREFIX.length);
  const up = uploads.get(id);
  if (!up) {
    req.resume();
    return reply(res, 404);
  }
  if (method === 'HEAD') {
    return reply(res, 200, {
      'Upload-Offset': String(up.offset),
      'Upload-Length': String(up.length),
      'Cache-Control': 'no-store',
    });
  }
  if (method === 'PATCH') {
    if (Number(req.headers['upload-offset']) !== up.offset) {
      req.resume();
      return reply(res, 409);
    }
    const ws = nullSink ? new NullSink() : fs.createWriteStream(path.join(dir, id), { flags: 'a' });
    try {
      await pipeline(req, ws);
    } catch {
      // client went away: keep what was written
    }
    up.offset += ws.bytesWritten;
    return reply(res, 204, { 'Upload-Offset': String(up.offset) });
  }
  req.resume();
  reply(res, 405);
});
server.requestTimeout = 0;
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
