// Boots a real, listening Nest application around TusModule for the e2e tests, on Express or Fastify.
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConsoleLogger, type DynamicModule, type INestApplication, type LoggerService, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach } from 'vitest';
import { TusModule } from '../../src/index.js';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

/** What `TusModule.forRoot` accepts (options plus extras), without depending on an exported type name. */
export type TusForRootOptions = Parameters<typeof TusModule.forRoot>[0];

/** A module (or several) to import, or `{ options }` meaning `TusModule.forRoot(options)`. */
export type TusAppDefinition = DynamicModule | Type | Array<DynamicModule | Type> | { options: TusForRootOptions };

export interface StartOptions {
  /** `app.setGlobalPrefix(...)` before init. */
  globalPrefix?: string;
  /** Anything else to do to the app before `init()`. */
  beforeInit?: (app: INestApplication) => void | Promise<void>;
}

export interface TusApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Nest logs are off unless TUS_E2E_LOG is set (they are noise for tests that provoke errors). */
const logger: LoggerService | false = process.env.TUS_E2E_LOG ? new ConsoleLogger() : false;

class SilentLogger extends ConsoleLogger {
  override log() {}
  override error() {}
  override warn() {}
  override debug() {}
  override verbose() {}
  override fatal() {}
}

function importsOf(definition: TusAppDefinition): Array<DynamicModule | Type> {
  if (Array.isArray(definition)) return definition;
  if (typeof definition === 'object' && 'options' in definition && !('module' in definition)) {
    return [TusModule.forRoot(definition.options)];
  }
  return [definition as DynamicModule | Type];
}

export async function startTusApp(
  adapter: AdapterName,
  definition: TusAppDefinition,
  options: StartOptions = {},
): Promise<TusApp> {
  const builder = Test.createTestingModule({ imports: importsOf(definition) });
  if (!logger) builder.setLogger(new SilentLogger());
  const moduleRef = await builder.compile();
  const app: INestApplication =
    adapter === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger })
      : moduleRef.createNestApplication(new FastifyAdapter(), { logger });
  try {
    if (options.globalPrefix) app.setGlobalPrefix(options.globalPrefix);
    await options.beforeInit?.(app);
    await app.init();
    if (adapter === 'fastify') {
      await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
    }
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const server = app.getHttpServer() as Server;
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close() {
      // Requests a test left hanging must not keep the app open: cut them after a grace period.
      closed ??= (async () => {
        const cut = setTimeout(() => server.closeAllConnections?.(), 1_000);
        cut.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
      })();
      return closed;
    },
  };
}

/** A fresh directory under os.tmpdir(). */
export function makeTempDir(prefix = 'nestjs-tus-e2e-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

export interface Harness {
  /** Runs `fn` after the current test (last registered runs first). */
  defer(fn: () => unknown): void;
  /** A temp dir removed after the test. */
  tempDir(prefix?: string): Promise<string>;
  /** `startTusApp`, closed after the test. */
  start(adapter: AdapterName, definition: TusAppDefinition, options?: StartOptions): Promise<TusApp>;
}

/** Call at describe level: every app and temp dir made through it is cleaned up after each test. */
export function useHarness(): Harness {
  const tasks: Array<() => unknown> = [];
  afterEach(async () => {
    let firstError: unknown;
    while (tasks.length > 0) {
      const task = tasks.pop()!;
      try {
        await task();
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError) throw firstError;
  });
  return {
    defer: (fn) => void tasks.push(fn),
    async tempDir(prefix) {
      const dir = await makeTempDir(prefix);
      tasks.push(() => removeDir(dir));
      return dir;
    },
    async start(adapter, definition, options) {
      const started = await startTusApp(adapter, definition, options);
      tasks.push(() => started.close());
      return started;
    },
  };
}

/** What `boot` passes to `TusModule.forRoot`, merged over the harness defaults. */
export type TusBootOptions = Partial<NonNullable<TusForRootOptions>>;

export interface BootStartOptions extends StartOptions {
  /** Serve this directory instead of a fresh temp dir (a restart on the same uploads). */
  dir?: string;
}

/** A started app and its directory (the file store's root unless the options bring a `store`). */
export interface BootedTusApp extends TusApp {
  dir: string;
}

export interface TusHarness<Extras extends object> extends Harness {
  readonly adapter: AdapterName;
  /**
   * `TusModule.forRoot({ directory: <fresh temp dir>, ...defaults, ...options })` on the harness's adapter,
   * closed after the test; returns the app, its `dir` and the harness's extras for it. `options` may be
   * built on the directory (a store of your own there); with a `store` no `directory` is passed.
   */
  boot(options?: TusBootOptions | ((dir: string) => TusBootOptions), start?: BootStartOptions): Promise<BootedTusApp & Extras>;
}

/**
 * The e2e set-up shared by the adapter-parametrised specs. Call at describe level inside
 * `describe.each(ADAPTERS)`; `defaults` are that spec's options for every boot, and `extras` adds what its
 * tests read off a started app (an injected fixture, the creation endpoint, a client agent, ...).
 */
export function useTusHarness<Extras extends object = object>(
  adapter: AdapterName,
  defaults: TusBootOptions = {},
  extras?: (app: BootedTusApp, h: Harness) => Extras | Promise<Extras>,
): TusHarness<Extras> {
  const h = useHarness();
  return {
    ...h,
    adapter,
    async boot(options = {}, { dir, ...start } = {}) {
      const directory = dir ?? (await h.tempDir());
      const merged = { ...defaults, ...(typeof options === 'function' ? options(directory) : options) };
      const forRoot = merged.store ? merged : { directory, ...merged };
      const app = { ...(await h.start(adapter, { options: forRoot }, start)), dir: directory };
      return { ...app, ...((await extras?.(app, h)) as Extras) };
    },
  };
}
