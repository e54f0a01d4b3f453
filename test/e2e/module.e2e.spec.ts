// Module-level behaviour on both adapters: maxSize as a function, option validation at start-up,
// forRootAsync with an injected config provider, and the HTTP server's requestTimeout.
import { describe, expect, it } from 'vitest';
import { TusModule } from '../../src/index.js';
import { TusConfig, TusConfigModule, TusOptionsFromConfig, TusOptionsModule } from '../fixtures/modules.js';
import { ADAPTERS, startTusApp, useHarness, type AdapterName } from '../support/app.js';
import { header, request } from '../support/http.js';
import { createUpload, expectError, listDir, patch, post, readData } from '../support/tus.js';

describe.each(ADAPTERS)('module options (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  describe('maxSize as a function', () => {
    it('is evaluated per request (sync)', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(adapter, {
        options: {
          directory: dir,
          maxSize: (req: unknown) => ((req as { headers: Record<string, string> }).headers['x-tier'] === 'gold' ? 100 : 10),
        },
      });
      expectError(await post(url, { length: 50 }), 413);
      expect(await listDir(dir)).toEqual([]);
      const gold = await createUpload(url, { length: 50, headers: { 'X-Tier': 'gold' } });
      expect(header(gold.res, 'upload-offset')).toBe('0');
      expect((await createUpload(url, { length: 10 })).id).not.toBe(gold.id);
    });

    it('may return a promise, and limits deferred lengths declared on PATCH', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(adapter, {
        options: { directory: dir, maxSize: async () => 8 },
      });
      expectError(await post(url, { length: 9 }), 413);
      const up = await createUpload(url, { deferred: true, body: 'abc' });
      expectError(await patch(url, up.uploadPath, 3, Buffer.alloc(0), { 'Upload-Length': '9' }), 413);
      const ok = await patch(url, up.uploadPath, 3, 'de', { 'Upload-Length': '5' });
      expect(ok.status).toBe(204);
      expect((await readData(dir, up.id)).toString()).toBe('abcde');
    });
  });

  describe('bad options fail start-up with a message naming the option', () => {
    it.each([
      ['maxSize', { maxSize: -1 }],
      ['maxSize', { maxSize: 1.5 }],
      ['maxMetadataSize', { maxMetadataSize: -5 }],
      ['expireIncompleteAfter', { expireIncompleteAfter: 'soon' }],
      ['idleTimeout', { idleTimeout: -1 }],
      ['lockTimeout', { lockTimeout: Number.NaN }],
      ['cleanupInterval', { cleanupInterval: -1 }],
      ['trustProxy', { trustProxy: 'yes' }],
    ])('%s: %j', async (name, bad) => {
      const dir = await h.tempDir();
      const started = startTusApp(adapter, { options: { directory: dir, ...(bad as object) } });
      await expect(started).rejects.toThrow(name);
      expect(await listDir(dir)).toEqual([]);
    });

    it('directory', async () => {
      await expect(startTusApp(adapter, { options: { directory: '' } })).rejects.toThrow('directory');
    });

    it('options from forRootAsync are checked too', async () => {
      const dir = await h.tempDir();
      const started = startTusApp(
        adapter,
        TusModule.forRootAsync({ useFactory: () => ({ directory: dir, maxSize: -1 }) }),
      );
      await expect(started).rejects.toThrow('maxSize');
    });
  });

  describe('forRootAsync', () => {
    it('takes its options from an injected config provider', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(
        adapter,
        TusModule.forRootAsync({
          imports: [TusConfigModule.register(dir, 1234)],
          inject: [TusConfig],
          useFactory: (config: TusConfig) => ({ directory: config.directory, maxSize: config.maxSize }),
        }),
      );
      const options = await request(url, { method: 'OPTIONS', path: '/files' });
      expect(options.status).toBe(204);
      expect(header(options, 'tus-max-size')).toBe('1234');
      expectError(await post(url, { length: 1235 }), 413);
      const up = await createUpload(url, { length: 5, body: 'hello' });
      expect(header(up.res, 'upload-offset')).toBe('5');
      expect((await readData(dir, up.id)).toString()).toBe('hello');
    });

    it('useClass: Nest builds the options factory with its dependencies', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(
        adapter,
        TusModule.forRootAsync({ imports: [TusConfigModule.register(dir, 777)], useClass: TusOptionsFromConfig }),
      );
      const options = await request(url, { method: 'OPTIONS', path: '/files' });
      expect(header(options, 'tus-max-size')).toBe('777');
      const up = await createUpload(url, { length: 2, body: 'ok' });
      expect((await readData(dir, up.id)).toString()).toBe('ok');
    });

    it('useExisting: the options factory comes from an imported module', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(
        adapter,
        TusModule.forRootAsync({ imports: [TusOptionsModule.register(dir, 888)], useExisting: TusOptionsFromConfig }),
      );
      const options = await request(url, { method: 'OPTIONS', path: '/files' });
      expect(header(options, 'tus-max-size')).toBe('888');
      expectError(await post(url, { length: 889 }), 413);
    });

    it('async factories and the path extra work', async () => {
      const dir = await h.tempDir();
      const { url } = await h.start(
        adapter,
        TusModule.forRootAsync({
          path: 'async-files',
          imports: [TusConfigModule.register(dir)],
          inject: [TusConfig],
          useFactory: async (config: TusConfig) => {
            await new Promise((resolve) => setTimeout(resolve, 10));
            return { directory: config.directory };
          },
        }),
      );
      const up = await createUpload(url, { path: '/async-files', length: 2, body: 'ok' });
      expect(up.location).toBe(`${url}/async-files/${up.id}`);
      expect((await readData(dir, up.id)).toString()).toBe('ok');
    });
  });

  it("switches off Node's requestTimeout on the app's HTTP server", async () => {
    const dir = await h.tempDir();
    const { server, url } = await h.start(adapter, { options: { directory: dir } });
    expect(server.requestTimeout).toBe(0);
    expect((await request(url, { method: 'OPTIONS', path: '/files' })).status).toBe(204);
  });
});
