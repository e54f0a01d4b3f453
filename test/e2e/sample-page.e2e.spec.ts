// The sample's upload page (GET /) in real headless Chromium (Debian `chromium`, driven by playwright-core):
// a 50 MiB file through Uppy's Dashboard and @uppy/tus, paused mid-way with the Dashboard's button, resumed
// and completed, the stored bytes sha256-equal and listed; with UPLOAD_TOKENS, a wrong token shows the
// server's 401 reason on the page, and the right one then uploads. Without Chromium: fails under CI=true,
// skips loudly elsewhere.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Injectable, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../sample/app.module.js';
import { setEnv } from '../support/env.js';
import { findBinary, requireInstalled } from '../support/server-tools.js';
import { sha256 } from '../support/tus.js';

const MiB = 1024 * 1024;
const CHROMIUM = findBinary('chromium', ['/usr/bin']) ?? findBinary('chromium-browser');
const haveChromium = requireInstalled('Chromium page', CHROMIUM ? [] : ['chromium'], 'chromium');

/** Each PATCH waits a little before it is read, like a slow link, so that the test can pause mid-way. */
@Injectable()
class SlowPatchGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.switchToHttp().getRequest<{ method: string }>().method === 'PATCH') await new Promise((resolve) => setTimeout(resolve, 250));
    return true;
  }
}

interface Sample {
  url: string;
  dir: string;
  close(): Promise<void>;
}

async function startSample(env: Record<string, string>): Promise<Sample> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-page-'));
  const restore = setEnv({ UPLOAD_DIR: dir, ...env });
  let app: INestApplication | undefined;
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalGuards(new SlowPatchGuard());
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      url,
      dir,
      async close() {
        await app!.close();
        restore();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await app?.close();
    restore();
    throw error;
  }
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  await page.locator('#status').filter({ hasText: 'ready' }).waitFor();
  return page;
}

describe('sample page: what GET / serves', () => {
  it('the page, with the token field switched by UPLOAD_TOKENS, and Uppy’s browser build from node_modules', async () => {
    for (const [tokens, flag] of [['', 'false'], ['alice:alice-secret', 'true']] as const) {
      const sample = await startSample({ UPLOAD_TOKENS: tokens });
      try {
        const page = await fetch(`${sample.url}/`);
        expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(await page.text()).toContain(`<body data-tokens="${flag}">`);
        for (const [asset, type] of [['/page.js', 'text/javascript'], ['/assets/uppy.min.mjs', 'text/javascript'], ['/assets/uppy.min.css', 'text/css']]) {
          const response = await fetch(`${sample.url}${asset}`);
          expect(response.status, asset).toBe(200);
          expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
          expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
        }
      } finally {
        await sample.close();
      }
    }
  });
});

describe.skipIf(!haveChromium)('sample page in Chromium', () => {
  let browser: Browser;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-page-files-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('uploads 50 MiB through the Dashboard, paused mid-way and resumed; the stored file is sha256-equal and listed', async () => {
    const sample = await startSample({ UPLOAD_TOKENS: '' });
    try {
      const file = path.join(work, 'movie.mp4');
      const bytes = randomBytes(50 * MiB);
      await writeFile(file, bytes);
      const page = await openPage(browser, sample.url);
      expect(await page.locator('#token-row').isHidden()).toBe(true);
      await page.locator('.uppy-Dashboard-input').first().setInputFiles(file);
      await page.locator('.uppy-StatusBar-actionBtn--upload').click();

      await page.waitForFunction(() => (globalThis as any).uppy.getState().totalProgress >= 20);
      await page.locator('[data-cy="togglePauseResume"][title="Pause"]').click();
      const paused = await page.evaluate(() => {
        const [f] = (globalThis as any).uppy.getFiles();
        return { isPaused: f.isPaused, uploadUrl: f.tus?.uploadUrl as string, sent: f.progress.bytesUploaded as number };
      });
      expect(paused.isPaused).toBe(true);
      expect(paused.sent).toBeLessThan(bytes.length);
      const id = new URL(paused.uploadUrl).pathname.split('/').pop()!;
      const head = await fetch(paused.uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
      expect(Number(head.headers.get('upload-offset'))).toBeLessThan(bytes.length);

      await page.locator('[data-cy="togglePauseResume"][title="Resume"]').click();
      await page.locator('#status').filter({ hasText: 'movie.mp4: uploaded' }).waitFor({ timeout: 60_000 });
      expect(sha256(await readFile(path.join(sample.dir, 'users', 'guest', id)))).toBe(sha256(bytes));
      const link = page.locator('#uploads a', { hasText: 'movie.mp4' });
      await link.waitFor();
      expect(await link.getAttribute('href')).toBe(`/files/${id}`);
      await page.close();
    } finally {
      await sample.close();
    }
  });

  it('with UPLOAD_TOKENS: a wrong token shows the server’s 401 reason; the right one uploads', async () => {
    const sample = await startSample({ UPLOAD_TOKENS: 'alice:alice-secret' });
    try {
      const file = path.join(work, 'notes.txt');
      await writeFile(file, 'hello from the page\n');
      const page = await openPage(browser, sample.url);
      expect(await page.locator('#token-row').isVisible()).toBe(true);
      await page.locator('#token').fill('wrong-token');
      await page.locator('.uppy-Dashboard-input').first().setInputFiles(file);
      await page.locator('.uppy-StatusBar-actionBtn--upload').click();
      const status = page.locator('#status.error');
      await status.waitFor();
      expect(await status.textContent()).toBe('notes.txt: 401: send Authorization: Bearer <token> (see UPLOAD_TOKENS)');

      await page.locator('#token').fill('alice-secret');
      await page.locator('.uppy-StatusBar-actionBtn--retry').click();
      await page.locator('#status').filter({ hasText: 'notes.txt: uploaded' }).waitFor();
      const uploadUrl = await page.evaluate(() => (globalThis as any).uppy.getFiles()[0].tus.uploadUrl as string);
      const id = new URL(uploadUrl).pathname.split('/').pop()!;
      expect(await readFile(path.join(sample.dir, 'users', 'alice', id), 'utf8')).toBe('hello from the page\n');
      await page.locator('#uploads a', { hasText: 'notes.txt' }).waitFor();
      await page.close();
    } finally {
      await sample.close();
    }
  });
});
