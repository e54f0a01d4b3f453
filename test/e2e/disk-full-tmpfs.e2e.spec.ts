// A really full disk: the file store on a small tmpfs (needs root and mount; skipped loudly otherwise,
// failing under CI=true), filled to the last page by a filler file. DELETE frees space (204); the PATCH
// bringing the last byte answers 507 and, once space is back, the upload completes with exactly one
// handler run; POST and an info rewrite (declaring a deferred length) answer 507 too, with tus headers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readdirSync, writeSync, rmdirSync } from 'node:fs';
import { rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TusModule } from '../../src/index.js';
import { Ledger, LedgerModule, ReadingComplete } from '../fixtures/extension-points.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { header } from '../support/http.js';
import { TUS, createUpload, del, expectError, head, patch, post, sleep } from '../support/tus.js';

const PAGE = 4096;
const FILLER = 'filler';

/** Mounts a tmpfs of `size` bytes at a fresh directory; undefined (and why) when this machine does not let us. */
function mountTmpfs(size: number): { dir: string } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'not running as root' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nestjs-tus-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmdirSync(dir);
    return { reason: `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
  }
}

/** Writes the filler until the file system refuses: afterwards not one more page fits. */
function fillUp(dir: string): void {
  const fd = openSync(path.join(dir, FILLER), 'a');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let size = chunk.length; size >= 1; ) {
      try {
        if (writeSync(fd, chunk, 0, size) < size) size = Math.floor(size / 2);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        size = Math.floor(size / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
}

const freeBytes = async (dir: string) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

const mounted = mountTmpfs(2 * 1024 * 1024);
if ('reason' in mounted) {
  const message = `disk-full tmpfs e2e: ${mounted.reason}; the full-disk tests are SKIPPED (run as root with mount permission)`;
  console.warn(`\n*** ${message} ***\n`);
  if (process.env.CI === 'true') {
    describe('disk full on tmpfs', () => {
      it('needs root and mount on CI', () => {
        throw new Error(message);
      });
    });
  }
}
const root = 'dir' in mounted ? mounted.dir : undefined;

describe.skipIf(!root).each(ADAPTERS)('disk full on a tmpfs (%s)', (adapter: AdapterName) => {
  const h = useHarness();
  let store: string;

  beforeAll(() => {
    store = path.join(root!, adapter);
  });

  /** A fresh store directory on the tmpfs and an app with a completion handler on it. */
  async function start(name: string) {
    const directory = path.join(store, name);
    const { url, app } = await h.start(adapter, TusModule.forRoot({ directory, uploadCompleteHandler: ReadingComplete, imports: [LedgerModule], completionRetryDelay: 50 }));
    h.defer(() => rm(directory, { recursive: true, force: true }));
    h.defer(() => rm(path.join(root!, FILLER), { force: true }));
    return { url, directory, ledger: app.get(Ledger, { strict: false }) };
  }

  it('DELETE on a full disk frees the bytes and answers 204; the upload is gone', async () => {
    const { url } = await start('delete');
    const SIZE = 256 * 1024;
    const up = await createUpload(url, { length: SIZE });
    expect((await patch(url, up.uploadPath, 0, Buffer.alloc(SIZE, 3))).status).toBe(204);
    fillUp(root!);
    const before = await freeBytes(root!);
    expect(before).toBeLessThan(PAGE);
    const res = await del(url, up.uploadPath);
    expect(res.status, res.body.toString()).toBe(204);
    expect(header(res, 'tus-resumable')).toBe('1.0.0');
    expect(await freeBytes(root!)).toBeGreaterThanOrEqual(before + SIZE);
    expect((await head(url, up.uploadPath)).status).toBe(410);
  });

  it('the last byte on a nearly full disk: 507, and once space is back exactly one completion', async () => {
    const { url, ledger } = await start('last-byte');
    const SIZE = 3 * PAGE;
    const body = Buffer.alloc(SIZE, 7);
    body.write('the end', SIZE - 7);
    const up = await createUpload(url, { length: SIZE });
    // All but the last 100 bytes: the data file's last page has room for them, the disk has none for anything else.
    expect((await patch(url, up.uploadPath, 0, body.subarray(0, SIZE - 100))).status).toBe(204);
    fillUp(root!);
    const full = await patch(url, up.uploadPath, SIZE - 100, body.subarray(SIZE - 100));
    expectError(full, 507);
    await sleep(200); // several retry scans: nothing may run for an upload that is not complete
    expect(ledger.completed).toEqual([]);

    await rm(path.join(root!, FILLER));
    const offset = Number(header(await head(url, up.uploadPath), 'upload-offset'));
    expect(offset).toBeLessThan(SIZE);
    const resumed = await patch(url, up.uploadPath, offset, body.subarray(offset));
    expect(resumed.status, resumed.body.toString()).toBe(204);
    expect(header(resumed, 'upload-offset')).toBe(String(SIZE));
    await sleep(300); // retry scans that must not run it again
    expect(ledger.completed.map((c) => [c.record.id, c.bytes.length, c.bytes.endsWith('the end')])).toEqual([[up.id, SIZE, true]]);
  });

  it('POST and a deferred length declared on a full disk answer 507 with tus headers', async () => {
    const { url, directory } = await start('info');
    const deferred = await createUpload(url, { deferred: true });
    fillUp(root!);
    const created = await post(url, { length: 10 });
    expectError(created, 507);
    // The refused creation left nothing behind: no torn info file, no data file.
    expect(readdirSync(directory)).toEqual([`${deferred.id}.json`]);
    const declared = await patch(url, deferred.uploadPath, 0, '', { 'Upload-Length': '5' });
    expectError(declared, 507);
    const check = await head(url, deferred.uploadPath, TUS);
    expect([check.status, header(check, 'upload-defer-length')]).toEqual([200, '1']);
  });
});

afterAll(() => {
  if (!root) return;
  execFileSync('umount', [root]);
  rmdirSync(root);
});
