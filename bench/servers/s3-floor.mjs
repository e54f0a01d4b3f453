// S3 floor server: the cheapest tus-like hop in front of an object store, to tell the cost of the hop
// (receiving the body in Node, then sending it on) from the cost of nestjs-tus's code. Plain node:http,
// offsets in a Map; POST starts a multipart upload, PATCH bodies are copied into one part-sized buffer
// and sent part by part (UploadPart, as the raw anchor does), the last byte completes the upload.
// Nothing is durable and a PATCH that ends short of a part boundary sends a short part: enough for
// bench/s3.mjs's workloads (whole uploads in one PATCH), not a server. Env: S3_* (see s3-env.mjs).
// Prints the port on stdout when ready.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { s3FromEnv } from './s3-env.mjs';

const PART_SIZE = 8 * 1024 * 1024;
const s3 = s3FromEnv();
if (!s3) throw new Error('S3_ENDPOINT is required');
const client = new S3Client(s3.clientConfig);
const Bucket = s3.bucket;
const uploads = new Map(); // id -> { offset, length, uploadId, parts }
const PREFIX = '/files/';

function reply(res, status, headers = {}) {
  res.writeHead(status, { 'Tus-Resumable': '1.0.0', ...headers });
  res.end();
}

async function sendPart(id, up, body) {
  const PartNumber = up.parts.length + 1;
  const { ETag } = await client.send(new UploadPartCommand({ Bucket, Key: id, UploadId: up.uploadId, PartNumber, Body: body }));
  up.parts.push({ PartNumber, ETag });
  up.offset += body.length;
}

async function patch(req, id, up) {
  const part = Buffer.allocUnsafe(PART_SIZE);
  let held = 0;
  for await (const chunk of req) {
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(PART_SIZE - held, chunk.length - at);
      chunk.copy(part, held, at, at + take);
      held += take;
      at += take;
      if (held === PART_SIZE) {
        await sendPart(id, up, part);
        held = 0;
      }
    }
  }
  if (held > 0) await sendPart(id, up, part.subarray(0, held));
  if (up.offset === up.length) {
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key: id, UploadId: up.uploadId, MultipartUpload: { Parts: up.parts } }));
  }
}

const server = http.createServer(async (req, res) => {
  const { method, url } = req;
  try {
    if (method === 'POST' && url === '/files') {
      const length = Number(req.headers['upload-length']);
      if (!Number.isSafeInteger(length) || length <= 0) return reply(res, 400);
      const id = randomBytes(16).toString('base64url');
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: id }));
      uploads.set(id, { offset: 0, length, uploadId: UploadId, parts: [] });
      req.resume();
      return reply(res, 201, { Location: PREFIX + id, 'Upload-Offset': '0' });
    }
    const id = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : '';
    const up = uploads.get(id);
    if (!up) {
      req.resume();
      return reply(res, 404);
    }
    if (method === 'HEAD') {
      return reply(res, 200, { 'Upload-Offset': String(up.offset), 'Upload-Length': String(up.length), 'Cache-Control': 'no-store' });
    }
    if (method === 'PATCH') {
      if (Number(req.headers['upload-offset']) !== up.offset) {
        req.resume();
        return reply(res, 409);
      }
      await patch(req, id, up);
      return reply(res, 204, { 'Upload-Offset': String(up.offset) });
    }
    req.resume();
    reply(res, 405);
  } catch (error) {
    if (!res.headersSent) reply(res, 500, { 'X-Error': String(error?.message ?? error).slice(0, 200) });
  }
});
server.requestTimeout = 0;
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
