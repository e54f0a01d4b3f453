// nestjs-tus inside a Nest 12 app (built library from dist/src), endpoint /files.
// Env: UPLOAD_DIR (required), FSYNC=1 for the fsync option, ADAPTER=fastify for the Fastify adapter.
// Prints the port on stdout when ready.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TusModule } from '../../dist/src/index.js';

const directory = process.env.UPLOAD_DIR;
if (!directory) throw new Error('UPLOAD_DIR is required');

class AppModule {}
// Plain JS: apply the class decorator by hand (it returns undefined, so keep the class binding).
Module({
  imports: [TusModule.forRoot({ path: 'files', directory, fsync: process.env.FSYNC === '1' })],
})(AppModule);

let app;
if (process.env.ADAPTER === 'fastify') {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
} else {
  app = await NestFactory.create(AppModule, { logger: false });
}
process.on('SIGTERM', () => process.exit(0));
await app.listen(0, '127.0.0.1');
process.stdout.write(`${app.getHttpServer().address().port}\n`);
