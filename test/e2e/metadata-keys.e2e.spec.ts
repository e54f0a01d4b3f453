// Metadata keys named like Object.prototype members (`__proto__`, `constructor`, `toString`…) are the
// client's data like any other key: stored, echoed byte-exact by HEAD, handed to handlers and events$
// in null-prototype objects, and checked by a metadata DTO, which they can neither crash nor bypass.
import { describe, expect, it } from 'vitest';
import { TusService, type TusEvent } from '../../src/index.js';
import { FileMetadataDto, KeepingComplete, KeepingPreCreate, MetadataSeen, MetadataSeenModule } from '../fixtures/metadata-keys.js';
import { ADAPTERS, useTusHarness, type AdapterName } from '../support/app.js';
import { header } from '../support/http.js';
import { b64, createUpload, expectError, head, patch, post } from '../support/tus.js';
import { runUpload } from '../support/tus-js-client.js';

const KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  '__lookupSetter__',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'prototype',
];

/** The metadata a handler got holds exactly these pairs, in an object with no prototype. */
function expectPlainData(metadata: Record<string, string | null> | undefined, expected: Array<[string, string | null]>, label: string): void {
  expect(metadata, label).toBeDefined();
  expect(Object.getPrototypeOf(metadata), `${label}: prototype`).toBeNull();
  expect(Object.keys(metadata!).sort(), `${label}: keys`).toEqual(expected.map(([k]) => k).sort());
  for (const [key, value] of expected) {
    expect(Object.getOwnPropertyDescriptor(metadata, key)?.value, `${label}: value of ${key}`).toBe(value);
  }
}

describe.each(ADAPTERS)('metadata keys are data (%s)', (adapter: AdapterName) => {
  const h = useTusHarness(
    adapter,
    { imports: [MetadataSeenModule], preCreateHandler: KeepingPreCreate, uploadCompleteHandler: KeepingComplete },
    (app, h) => {
      const tus = app.app.get(TusService, { strict: false });
      const events: TusEvent[] = [];
      const sub = tus.events$.subscribe((e) => events.push(e));
      h.defer(() => sub.unsubscribe());
      return { events, seen: app.app.get(MetadataSeen, { strict: false }) };
    },
  );

  it('any key is stored: 201, HEAD echoes the header byte-exact, handlers and events$ get it as plain data', async () => {
    const { url, seen, events } = await h.boot();
    for (const key of KEYS) {
      for (const [raw, expected] of [
        [`filename ${b64('a.txt')},${key} ${b64(`v-${key}`)}`, [['filename', 'a.txt'], [key, `v-${key}`]]],
        [`${key},filename ${b64('a.txt')}`, [[key, null], ['filename', 'a.txt']]],
      ] as Array<[string, Array<[string, string | null]>]>) {
        seen.preCreate.length = 0;
        seen.completed.length = 0;
        const up = await createUpload(url, { length: 1, body: 'x', metadata: raw });
        const info = await head(url, up.uploadPath);
        expect(info.status, raw).toBe(200);
        expect(header(info, 'upload-metadata'), raw).toBe(raw);
        expectPlainData(seen.preCreate[0], expected, `PreCreateHandler, ${raw}`);
        expectPlainData(seen.completed[0], expected, `UploadCompleteHandler, ${raw}`);
        await expect.poll(() => events.filter((e) => e.type === 'completed' && e.upload.id === up.id).length).toBe(1);
        for (const type of ['created', 'completed'] as const) {
          const event = events.find((e) => e.type === type && e.upload.id === up.id);
          expectPlainData(event?.type === type ? event.upload.metadata : undefined, expected, `events$ ${type}, ${raw}`);
        }
      }
    }
  });

  it('read back from disk after a restart, the keys are still plain data', async () => {
    const first = await h.boot();
    const raws = KEYS.map((key) => `${key} ${b64(`v-${key}`)}`);
    const uploads = [];
    for (const raw of raws) uploads.push(await createUpload(first.url, { length: 1, metadata: raw }));
    await first.close();
    const { url, seen, events } = await h.boot({}, { dir: first.dir });
    for (const [i, key] of KEYS.entries()) {
      expect(header(await head(url, uploads[i].uploadPath), 'upload-metadata'), key).toBe(raws[i]);
      expect((await patch(url, uploads[i].uploadPath, 0, 'x')).status, key).toBe(204);
      expectPlainData(seen.completed[i], [[key, `v-${key}`]], `UploadCompleteHandler after restart, ${key}`);
    }
    await expect.poll(() => events.filter((e) => e.type === 'completed').length).toBe(KEYS.length);
    for (const event of events.filter((e) => e.type === 'progress' || e.type === 'completed')) {
      if (event.type === 'progress' || event.type === 'completed') expect(Object.getPrototypeOf(event.upload.metadata), event.type).toBeNull();
    }
  });

  it('a metadata DTO checks the real values whatever the other keys: never a 500, never skipped', async () => {
    const { url } = await h.boot({ metadata: FileMetadataDto });
    for (const key of KEYS) {
      for (const raw of [`filename ${b64('a.txt')},${key} ${b64('x')}`, `${key},filename ${b64('a.txt')},filetype ${b64('text/plain')}`]) {
        const ok = await post(url, { length: 1, metadata: raw });
        expect(ok.status, `${raw}: ${ok.body.toString()}`).toBe(201);
      }
      const noName = await post(url, { length: 1, metadata: `${key} ${b64('x')},filetype ${b64('not a type')}` });
      expectError(noName, 400);
      expect(noName.body.toString(), key).toMatch(/filename must be a string/);
      expect(noName.body.toString(), key).toMatch(/filetype must be one of/);
      const badType = await post(url, { length: 1, metadata: `filename ${b64('a.txt')},${key},filetype ${b64('image/gif')}` });
      expectError(badType, 400);
      expect(badType.body.toString(), key).toMatch(/filetype must be one of/);
    }
  });

  it('tus-js-client sends such keys like any other: stored as data, and the DTO still refuses a bad value', async () => {
    const { url, seen } = await h.boot({ metadata: FileMetadataDto });
    const metadata = { filename: 'a.txt', constructor: 'c', toString: 't', hasOwnProperty: 'h' };
    const { upload, done } = runUpload(Buffer.from('hello'), { endpoint: `${url}/files`, metadata });
    await done;
    expectPlainData(seen.completed[0], Object.entries(metadata), 'UploadCompleteHandler, tus-js-client');
    expect((await head(url, new URL(upload.url!).pathname)).status).toBe(200);
    const refused = runUpload(Buffer.from('hello'), { endpoint: `${url}/files`, metadata: { constructor: 'c', filetype: 'not a type' } });
    await expect(refused.done).rejects.toThrow(/response code: 400/);
  });
});
