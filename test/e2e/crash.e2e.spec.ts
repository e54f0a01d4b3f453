// Crash safety: a server process killed with SIGKILL in the middle of a PATCH must come back with a
// truthful offset (<= bytes sent, == data file size) and let the client resume to a byte-exact file.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/app.js';
import { CHILD, REPO_ROOT, killHard, startChild } from '../support/child.js';
import { header, openRequest } from '../support/http.js';
import { OCTET, TUS, createUpload, dataSize, head, patch, readData, sha256 } from '../support/tus.js';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const KILL_AFTER = 16 * MiB;

describe('crash during a PATCH (express, child process)', () => {
  const h = useHarness();

  it('the compiled child server exists', () => {
    expect(existsSync(CHILD), `${path.relative(REPO_ROOT, CHILD)} is missing: run \`npm test\` (its tsc step compiles test/fixtures)`).toBe(true);
  });

  it.skipIf(!existsSync(CHILD))('SIGKILL mid-body, restart, HEAD is truthful, resume gives a byte-exact file', async () => {
    const dir = await h.tempDir();
    const source = randomBytes(SIZE);

    let child = await startChild(dir);
    h.defer(() => killHard(child));
    const up = await createUpload(child.url, { length: SIZE });

    const req = openRequest(child.url, {
      method: 'PATCH',
      path: up.uploadPath,
      headers: { ...TUS, 'Content-Type': OCTET, 'Upload-Offset': '0', 'Content-Length': String(SIZE) },
    });
    let sent = 0;
    while (sent < KILL_AFTER) {
      const ok = await req.write(source.subarray(sent, sent + MiB));
      expect(ok, 'the PATCH died before the kill').toBe(true);
      sent += MiB;
    }
    await killHard(child);
    const outcome = await req.settled;
    expect(outcome).toBeInstanceOf(Error); // the connection died with the process
    const bytesSent = req.bytesWritten;
    expect(bytesSent).toBe(KILL_AFTER);

    child = await startChild(dir);
    const res = await head(child.url, up.uploadPath);
    expect(res.status).toBe(200);
    expect(header(res, 'upload-length')).toBe(String(SIZE));
    const offset = Number(header(res, 'upload-offset'));
    expect(Number.isSafeInteger(offset)).toBe(true);
    expect(offset).toBeLessThanOrEqual(bytesSent);
    expect(await dataSize(dir, up.id)).toBe(offset);
    expect(sha256(await readData(dir, up.id))).toBe(sha256(source.subarray(0, offset)));

    const resumed = await patch(child.url, up.uploadPath, offset, source.subarray(offset));
    expect(resumed.status, resumed.body.toString()).toBe(204);
    expect(header(resumed, 'upload-offset')).toBe(String(SIZE));
    const final = await head(child.url, up.uploadPath);
    expect(header(final, 'upload-offset')).toBe(String(SIZE));
    expect(sha256(await readData(dir, up.id))).toBe(sha256(source));
  });
});
