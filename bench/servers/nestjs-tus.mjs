// nestjs-tus inside a Nest 12 app (built library from dist/src), endpoint /files.
// Env: UPLOAD_DIR (required), FSYNC=1 for the fsync option, ADAPTER=fastify for the Fastify adapter;
// S3_* (see s3-env.mjs) for an S3Store instead of the file store, REDIS_URL for a RedisLocker,
// TRUST_PROXY (e.g. loopback) behind nginx, METRICS=1 for Prometheus metrics (prom-client's default registry),
// BODY_PARSER=1 for Nest's default JSON and form parsers on Express (off by default, as in the Nest floor). Prints the port on stdout when ready.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RedisLocker, S3Store, TusModule } from '../../dist/src/index.js';
import { s3FromEnv } from './s3-env.mjs';

const directory = process.env.UPLOAD_DIR;
if (!directory) throw new Error('UPLOAD_DIR is required');

const s3 = s3FromEnv();
const store = s3 && new S3Store({ bucket: s3.bucket, prefix: s3.prefix, clientConfig: s3.clientConfig });
let locker;
if (process.env.REDIS_URL) {
  const { Redis } = await import('ioredis');
  locker = new RedisLocker({ client: new Redis(process.env.REDIS_URL) });
}
const trustProxy = process.env.TRUST_PROXY ? process.env.TRUST_PROXY.split(',') : undefined;

class AppModule {}
// Plain JS: apply the class decorator by hand (it returns undefined, so keep the class binding).
Module({
  imports: [TusModule.forRoot({ path: 'files', directory, fsync: process.env.FSYNC === '1', store, locker, trustProxy, metrics: process.env.METRICS === '1' })],
})(AppModule);

let app;
if (process.env.ADAPTER === 'fastify') {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
} else {
  // The Nest floor's app settings, so the ratio is what the module adds and nothing else.
  app = await NestFactory.create(AppModule, { logger: false, bodyParser: process.env.BODY_PARSER === '1' });
}
process.on('SIGTERM', () => process.exit(0));
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.stdout.write(`${app.getHttpServer().address().port}\n`);
