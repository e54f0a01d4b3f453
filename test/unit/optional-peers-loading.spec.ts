import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm test` compiles src to dist/src first (pretest); this runs the compiled package in a child process.
const DIST = join(process.cwd(), 'dist', 'src');

describe('prom-client and @nestjs/terminus stay optional', () => {
  it('the package loads and serves without them; metrics: true and nestjs-tus/health say what to install', async () => {
    expect(existsSync(join(DIST, 'index.js')), 'run `npm test` (pretest compiles dist/src)').toBe(true);
    // Inside the repository, so that the script finds @nestjs/core and reflect-metadata.
    const dir = await mkdtemp(join(process.cwd(), 'dist', 'peers-check-'));
    try {
      // As in an application that installed neither: ESM imports and CommonJS requires of them fail.
      await writeFile(join(dir, 'hooks.mjs'), `export async function resolve(specifier, context, next) {
  if (specifier === 'prom-client' || specifier.startsWith('@nestjs/terminus')) throw new Error('blocked ' + specifier);
  return next(specifier, context);
}`);
      await writeFile(
        join(dir, 'register.mjs'),
        `import { register } from 'node:module';
import Module from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'prom-client') throw new Error('blocked prom-client');
  return load.call(this, request, ...rest);
};`,
      );
      await writeFile(
        join(dir, 'main.mjs'),
        `import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
const m = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)});
const app = await NestFactory.createApplicationContext(m.TusModule.forRoot({ directory: ${JSON.stringify(join(dir, 'up'))} }), { logger: false });
console.log('without metrics:', typeof app.get(m.TusService).checkHealth);
await app.close();
try {
  await NestFactory.createApplicationContext(m.TusModule.forRoot({ directory: ${JSON.stringify(join(dir, 'up'))}, metrics: true }), { logger: false, abortOnError: false });
} catch (error) { console.log('with metrics:', error.message, '|', error.cause?.message); }
try { await import(${JSON.stringify(pathToFileURL(join(DIST, 'health', 'index.js')).href)}); } catch (error) { console.log('health:', error.message); }`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'main.mjs')], { cwd: process.cwd() });
      expect(stdout).toContain('without metrics: function');
      expect(stdout).toContain('with metrics: TusModule: "metrics" needs the prom-client package: npm install prom-client | blocked prom-client');
      expect(stdout).toContain('health: blocked @nestjs/terminus');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
