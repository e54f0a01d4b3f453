// Durable, at-least-once completion: a failing handler runs again (never twice at once), an
// HttpException is an answer and is not retried, background completion answers first, and a handler
// killed mid-run by SIGKILL runs again when the server comes back.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TusModule } from '../../src/index.js';
import { FlakyComplete, GatedComplete, Ledger, LedgerModule, RefusingComplete } from '../fixtures/extension-points.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { CHILD, killHard, startChild } from '../support/child.js';
import { header } from '../support/http.js';
import { createUpload, expectError, head, patch, sleep } from '../support/tus.js';

const pending = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.completion'));

describe.each(ADAPTERS)('durable completion (%s)', (adapter: AdapterName) => {
  const h = useHarness();

  it('a handler that throws runs again after its backoff, and the last PATCH said 500 meanwhile', async () => {
    const dir = await h.tempDir();
    const { url, app } = await h.start(
      adapter,
      TusModule.forRoot({ directory: dir, uploadCompleteHandler: FlakyComplete, imports: [LedgerModule], completionRetryDelay: 50 }),
    );
    const up = await createUpload(url, { length: 5 });
    const res = await patch(url, up.uploadPath, 0, 'hello');
    expectError(res, 500);
    expect(header(await head(url, up.uploadPath), 'upload-offset')).toBe('5'); // the bytes are stored
    expect(await pending(dir)).toEqual([`${up.id}.completion`]);
    const ledger = app.get(Ledger, { strict: false });
    for (let i = 0; i < 100 && ledger.completed.length === 0; i++) await sleep(20);
    expect(ledger.completed.map((c) => [c.record.id, c.bytes])).toEqual([[up.id, 'hello']]);
    expect(app.get(FlakyComplete, { strict: false }).runs).toBe(2);
    expect(await pending(dir)).toEqual([]);
  });

  it('an HttpException is the answer and is not retried', async () => {
    const dir = await h.tempDir();
    const { url, app } = await h.start(adapter, TusModule.forRoot({ directory: dir, uploadCompleteHandler: RefusingComplete, completionRetryDelay: 20 }));
    const up = await createUpload(url, { length: 2 });
    const res = await patch(url, up.uploadPath, 0, 'ab');
    expectError(res, 422);
    expect(res.body.toString()).toContain('not a valid image');
    await sleep(100);
    expect(app.get(RefusingComplete, { strict: false }).runs).toBe(1);
    expect(await pending(dir)).toEqual([]);
  });

  it('background completion answers the last PATCH first, then runs the handler', async () => {
    const dir = await h.tempDir();
    const { url, app } = await h.start(adapter, TusModule.forRoot({ directory: dir, uploadCompleteHandler: GatedComplete, completion: 'background' }));
    const handler = app.get(GatedComplete, { strict: false });
    const up = await createUpload(url, { length: 2 });
    expect((await patch(url, up.uploadPath, 0, 'ab')).status).toBe(204);
    expect(handler.finished).toBe(false);
    expect(await pending(dir)).toEqual([`${up.id}.completion`]);
    handler.release();
    for (let i = 0; i < 50 && (await pending(dir)).length > 0; i++) await sleep(20);
    expect(handler.finished).toBe(true);
    expect(await pending(dir)).toEqual([]);
  });
});

describe('completion survives SIGKILL (express, child process)', () => {
  const h = useHarness();

  it.each(['inline', 'background'])('%s: the handler killed mid-run runs again after a restart', async (mode) => {
    expect(existsSync(CHILD), 'run `npm test` (its tsc step compiles test/fixtures)').toBe(true);
    const dir = await h.tempDir();
    const work = await h.tempDir();
    const log = path.join(work, 'completion.log');
    const env = { COMPLETION_LOG: log, HANG_ONCE: path.join(work, 'hung'), COMPLETION_MODE: mode };
    let child = await startChild(dir, env);
    h.defer(() => killHard(child));
    const body = randomBytes(1000);
    const up = await createUpload(child.url, { length: body.length });
    const answer = patch(child.url, up.uploadPath, 0, body).catch((error: unknown) => error);
    for (let i = 0; i < 100 && !existsSync(env.HANG_ONCE); i++) await sleep(20);
    expect(existsSync(env.HANG_ONCE)).toBe(true); // the handler is running (and hangs)
    if (mode === 'background') expect(((await answer) as { status: number }).status).toBe(204);
    await killHard(child);
    await answer;
    expect(await readFile(log, 'utf8')).toBe(`start ${up.id}\n`);

    child = await startChild(dir, env);
    for (let i = 0; i < 100 && !(await readFile(log, 'utf8')).includes('done'); i++) await sleep(20);
    expect(await readFile(log, 'utf8')).toBe(`start ${up.id}\nstart ${up.id}\ndone ${up.id}\n`);
    expect(await pending(dir)).toEqual([]);
    expect(header(await head(child.url, up.uploadPath), 'upload-offset')).toBe('1000');
  });
});
