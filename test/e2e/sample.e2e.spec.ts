// The sample app as a user runs it (`npm start`), booted in-process on a temporary directory: token
// guard → metadata DTO → PreCreateHandler (per-user folder) → upload → UploadCompleteHandler saving to
// the embedded database → GET /uploads, with ownership on.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header, request } from '../support/http.js';
import { OCTET, TUS, b64, expectError, readData } from '../support/tus.js';

describe('sample app (express)', () => {
  let app: INestApplication;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-sample-'));
    process.env.UPLOAD_DIR = dir;
    process.env.UPLOAD_TOKENS = 'alice:alice-secret,bob:bob-secret';
    const { AppModule } = await import('../../sample/app.module.js');
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    delete process.env.UPLOAD_DIR;
    delete process.env.UPLOAD_TOKENS;
    await rm(dir, { recursive: true, force: true });
  });

  const as = (token: string) => ({ ...TUS, Authorization: `Bearer ${token}` });

  it('guard → metadata → pre-create → upload → completion handler → database', async () => {
    expectError(await request(url, { method: 'POST', path: '/files', headers: { ...TUS, 'Upload-Length': '11' } }), 401);
    const bad = await request(url, { method: 'POST', path: '/files', headers: { ...as('alice-secret'), 'Upload-Length': '11' } });
    expectError(bad, 400);
    expect(bad.body.toString()).toContain('filename must be a string');

    const created = await request(url, {
      method: 'POST',
      path: '/files',
      headers: { ...as('alice-secret'), 'Upload-Length': '11', 'Upload-Metadata': `filename ${b64('hello.txt')},filetype ${b64('text/plain')}` },
    });
    expect(created.status).toBe(201);
    const uploadPath = new URL(header(created, 'location')!).pathname;
    const id = uploadPath.split('/').pop()!;
    expectError(await request(url, { method: 'HEAD', path: uploadPath, headers: as('bob-secret') }), 404); // not bob's
    const patched = await request(url, {
      method: 'PATCH',
      path: uploadPath,
      headers: { ...as('alice-secret'), 'Content-Type': OCTET, 'Upload-Offset': '0' },
      body: 'hello world',
    });
    expect(patched.status).toBe(204);
    expect((await readData(path.join(dir, 'users', 'alice'), id)).toString()).toBe('hello world');

    const saved = JSON.parse((await request(url, { method: 'GET', path: '/uploads' })).body.toString());
    expect(saved).toEqual([expect.objectContaining({ id, filename: 'hello.txt', filetype: 'text/plain', size: 11, owner: 'alice', path: `users/alice/${id}` })]);
  });
});
