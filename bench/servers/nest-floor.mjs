// Nest floor: the plain-Node floor's work (floor.mjs: PATCH body piped into a file, offsets in a Map, no
// locking, no info files) done by an ordinary Nest 12 controller, @Options / @Post / @Head(':id') /
// @Patch(':id') with @Req / @Res, no guards, no filters: the least any tus module inside Nest can cost.
// Answers are written to the Node response (on Fastify after hijacking the reply), as a tus module does.
// Env: UPLOAD_DIR (required), ADAPTER=fastify for the Fastify adapter. Prints the port on stdout when ready.
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Controller, Head, Module, Options, Patch, Post, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const dir = process.env.UPLOAD_DIR;
if (!dir) throw new Error('UPLOAD_DIR is required');
const OCTET = 'application/offset+octet-stream';
const uploads = new Map(); // id -> { offset, length }

const nodeReq = (req) => req.raw ?? req;
/** The Node response; a Fastify reply is hijacked first so Fastify does not answer too. */
function nodeRes(reply) {
  if (!reply.raw) return reply;
  reply.hijack();
  return reply.raw;
}
function reply(res, status, headers = {}) {
  res.writeHead(status, { 'Tus-Resumable': '1.0.0', ...headers });
  res.end();
}

class FloorController {
  options(_req, reply_) {
    reply(nodeRes(reply_), 204, { 'Tus-Version': '1.0.0', 'Tus-Extension': 'creation' });
  }

  create(req, reply_) {
    const res = nodeRes(reply_);
    const length = Number(nodeReq(req).headers['upload-length']);
    if (!Number.isSafeInteger(length) || length < 0) return reply(res, 400);
    const id = randomBytes(16).toString('base64url');
    uploads.set(id, { offset: 0, length });
    nodeReq(req).resume();
    reply(res, 201, { Location: `/files/${id}`, 'Upload-Offset': '0' });
  }

  head(req, reply_) {
    const res = nodeRes(reply_);
    const up = uploads.get(req.params.id);
    if (!up) return reply(res, 404, { 'Content-Length': '0' });
    // Framed, so keep-alive clients reuse the connection (Node omits Content-Length on HEAD).
    reply(res, 200, { 'Upload-Offset': String(up.offset), 'Upload-Length': String(up.length), 'Cache-Control': 'no-store', 'Content-Length': '0' });
  }

  async patch(req, reply_) {
    const res = nodeRes(reply_);
    const raw = nodeReq(req);
    const id = req.params.id;
    const up = uploads.get(id);
    if (!up || Number(raw.headers['upload-offset']) !== up.offset) {
      raw.resume();
      return reply(res, up ? 409 : 404);
    }
    const ws = fs.createWriteStream(path.join(dir, id), { flags: 'a' });
    try {
      await pipeline(raw, ws);
    } catch {
      // client went away: keep what was written
    }
    up.offset += ws.bytesWritten;
    reply(res, 204, { 'Upload-Offset': String(up.offset) });
  }
}

// Plain JS: apply the decorators by hand (as TypeScript would emit them).
const proto = FloorController.prototype;
const route = (decorator, name) => decorator(proto, name, Object.getOwnPropertyDescriptor(proto, name));
route(Options(), 'options');
route(Post(), 'create');
route(Head(':id'), 'head');
route(Patch(':id'), 'patch');
for (const name of ['options', 'create', 'head', 'patch']) {
  Req()(proto, name, 0);
  Res()(proto, name, 1);
}
Controller('files')(FloorController);

class AppModule {}
Module({ controllers: [FloorController] })(AppModule);

let app;
if (process.env.ADAPTER === 'fastify') {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  // Leave tus bodies unread for the handler.
  app.getHttpAdapter().getInstance().addContentTypeParser(OCTET, (_req, _payload, done) => done(null));
} else {
  app = await NestFactory.create(AppModule, { logger: false, bodyParser: false });
}
app.getHttpServer().requestTimeout = 0;
process.on('SIGTERM', () => process.exit(0));
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.stdout.write(`${app.getHttpServer().address().port}\n`);
