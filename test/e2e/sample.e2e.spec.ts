// The sample app as a user runs it (`npm start`), booted in-process on a temporary directory: token
// guard → metadata DTO → PreCreateHandler (per-user folder) → upload → UploadCompleteHandler saving to
// the embedded database → GET /uploads, with ownership on. With nothing configured it runs on the file
// store with in-memory locks; a bad environment stops it at start-up with what to set
// (sample-s3.e2e.spec.ts runs it on S3 and Redis).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../sample/app.module.js';
import { UploadStorage } from '../../sample/storage.module.js';
import { setEnv } from '../support/env.js';
import { header, request } from '../support/http.js';
import { OCTET, TUS, b64, expectError, readData } from '../support/tus.js';

describe('sample app (express)', () => {
  let app: INestApplication;
  let url: string;
  let dir: string;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nestjs-tus-sample-'));
    restoreEnv = setEnv({ UPLOAD_DIR: dir, UPLOAD_TOKENS: 'alice:alice-secret,bob:bob-secret' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    restoreEnv?.();
    await rm(dir, { recursive: true, force: true });
  });

  const as = (token: string) => ({ ...TUS, Authorization: `Bearer ${token}` });

  it('with no S3 or Redis settings: the file store in UPLOAD_DIR and in-memory locks', () => {
    expect(app.get(UploadStorage).summary).toBe(`file store ${dir}, in-memory locks`);
  });

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

    const saved = JSON.parse((await request(url, { method: 'GET', path: '/uploads', headers: as('alice-secret') })).body.toString());
    expect(saved).toEqual([expect.objectContaining({ id, filename: 'hello.txt', filetype: 'text/plain', size: 11, owner: 'alice', path: `users/alice/${id}` })]);
    // Only the caller's own uploads, and nobody's without a token.
    expect(JSON.parse((await request(url, { method: 'GET', path: '/uploads', headers: as('bob-secret') })).body.toString())).toEqual([]);
    const anonymous = await request(url, { method: 'GET', path: '/uploads' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.toString()).not.toContain('hello.txt');

    // GET /metrics and GET /health, for Prometheus and a readiness probe.
    const metrics = await request(url, { method: 'GET', path: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(header(metrics, 'content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body.toString()).toContain('tus_uploads_completed_total{endpoint="files"} 1');
    expect(metrics.body.toString()).toContain('tus_bytes_received_total{endpoint="files"} 11');
    const health = await request(url, { method: 'GET', path: '/health' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString()).details.uploads).toEqual(
      expect.objectContaining({ status: 'up', store: expect.objectContaining({ status: 'up' }), pendingCompletions: 0 }),
    );
  });

  it.each([
    [{ S3_BUCKET: 'uploads', S3_ACCESS_KEY: 'key' }, "S3_ACCESS_KEY is set but S3_SECRET_KEY is not: set both, or neither to use the AWS SDK's default credentials"],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_PREFIX: 'tus/' }, 'S3_ENDPOINT, S3_PREFIX are set but S3_BUCKET is not: set S3_BUCKET to keep uploads in S3'],
    [{ S3_BUCKET: 'uploads', S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE must be true or false (got "yes")'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must be a redis:// or rediss:// URL (got "localhost:6379")'],
  ])('a bad environment stops the start and says what to set: %j', async (env, message) => {
    const restore = setEnv(env);
    try {
      await expect(Test.createTestingModule({ imports: [AppModule] }).compile()).rejects.toThrow(`Invalid sample configuration:\n  - ${message}`);
    } finally {
      restore();
    }
  });
});
