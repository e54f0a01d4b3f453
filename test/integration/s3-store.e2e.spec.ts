// The tus module with `store: new S3Store(...)` through HTTP on real S3-compatible servers: a hand-made
// session (create, PATCH in several chunks with a checksum refused and accepted, HEAD, GET with Range,
// DELETE), two app instances sharing one bucket, and tus-js-client uploads (chunked, and parallel through concatenation) whose objects in
// the bucket have the sha256 of the source.
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../src/index.js';
import { ADAPTERS, useHarness, type AdapterName } from '../support/app.js';
import { header, request } from '../support/http.js';
import { bucketContents, s3ServerAvailable, startS3Server, type S3Server, type S3ServerKind } from '../support/s3-server.js';
import { b64, createUpload, del, head, patch, pattern, sha256, TUS } from '../support/tus.js';

const MiB = 1024 * 1024;
const P = 5 * MiB;
const bucket = 'e2e';

function upload(source: Buffer, options: NonNullable<ConstructorParameters<typeof tus.Upload>[1]>): Promise<tus.Upload> {
  return new Promise((resolve, reject) => {
    const client: tus.Upload = new tus.Upload(source, { retryDelays: null, ...options, onSuccess: () => resolve(client), onError: reject });
    client.start();
  });
}

for (const kind of ['swift', 'rgw'] as S3ServerKind[]) {
  describe.skipIf(!s3ServerAvailable(kind))(`tus over S3Store on ${kind}`, () => {
    let server: S3Server;
    let client: S3Client;
    let runs = 0;
    const h = useHarness();

    beforeAll(async () => {
      server = await startS3Server(kind);
      client = new S3Client(server.clientConfig);
      await new S3Store({ clientConfig: server.clientConfig, bucket, createBucket: true }).init();
    }, 120_000);
    afterAll(async () => {
      client?.destroy();
      await server?.stop();
    }, 60_000);

    // Local, not useTusHarness: the app runs on an S3Store of this server (fresh prefix per run), no directory.
    async function boot(adapter: AdapterName) {
      const prefix = `run${++runs}/`;
      const store = new S3Store({ clientConfig: server.clientConfig, bucket, prefix, partSize: P });
      h.defer(() => store.destroy());
      const app = await h.start(adapter, { options: { path: 'files', store, maxSize: 64 * MiB } });
      return { ...app, prefix, endpoint: `${app.url}/files` };
    }

    const objectOf = async (key: string) => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { bytes: Buffer.from(await out.Body!.transformToByteArray()), type: out.ContentType };
    };

    it('a bucket that does not exist stops the start and says what to do', async () => {
      const store = new S3Store({ clientConfig: server.clientConfig, bucket: 'no-such-bucket' });
      h.defer(() => store.destroy());
      await expect(h.start('express', { options: { path: 'files', store } })).rejects.toThrow(
        /could not be prepared \(the bucket "no-such-bucket" does not exist: create it, or set the S3Store option createBucket: true\); check the store's settings/,
      );
    });

    describe.each(ADAPTERS)('%s', (adapter) => {
      it('create, PATCH in chunks (a checksum refused, then accepted), HEAD, GET with Range, DELETE', async () => {
        const { url, prefix } = await boot(adapter);
        const data = pattern(2 * P + 123, 70);
        const { id, uploadPath } = await createUpload(url, { length: data.length, metadata: `filename ${b64('report.txt')},filetype ${b64('text/plain')}` });
        const offsetNow = async () => Number(header(await head(url, uploadPath), 'upload-offset'));

        let res = await patch(url, uploadPath, 0, data.subarray(0, MiB));
        expect([res.status, header(res, 'upload-offset')]).toEqual([204, String(MiB)]);
        expect(await offsetNow()).toBe(MiB);

        const chunk = data.subarray(MiB, MiB + P + 1);
        const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
        res = await patch(url, uploadPath, MiB, chunk, { 'Upload-Checksum': `sha256 ${digest(Buffer.from('something else'))}` });
        expect(res.status).toBe(460);
        expect(await offsetNow()).toBe(MiB);
        res = await patch(url, uploadPath, MiB, chunk, { 'Upload-Checksum': `sha256 ${digest(chunk)}` });
        expect([res.status, header(res, 'upload-offset')]).toEqual([204, String(MiB + P + 1)]);
        expect(await offsetNow()).toBe(MiB + P + 1);

        res = await patch(url, uploadPath, MiB + P + 1, data.subarray(MiB + P + 1));
        expect([res.status, header(res, 'upload-offset')]).toEqual([204, String(data.length)]);
        const done = await head(url, uploadPath);
        expect([header(done, 'upload-offset'), header(done, 'upload-length')]).toEqual([String(data.length), String(data.length)]);

        // Across the boundary of parts 1 and 2.
        const ranged = await request(url, { method: 'GET', path: uploadPath, headers: { Range: `bytes=${P - 2}-${P + 1}` } });
        expect(ranged.status).toBe(206);
        expect(header(ranged, 'content-range')).toBe(`bytes ${P - 2}-${P + 1}/${data.length}`);
        expect(ranged.body.equals(data.subarray(P - 2, P + 2))).toBe(true);
        const whole = await request(url, { method: 'GET', path: uploadPath });
        expect([whole.status, header(whole, 'content-type')]).toEqual([200, 'text/plain']);
        expect(sha256(whole.body)).toBe(sha256(data));
        const stored = await objectOf(`${prefix}${id}`);
        expect([sha256(stored.bytes), stored.type]).toEqual([sha256(data), 'text/plain']);

        expect((await del(url, uploadPath)).status).toBe(204);
        expect((await head(url, uploadPath)).status).toBe(410);
        expect(await bucketContents(client, bucket, prefix)).toEqual([`${id}.info`]);
        expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}${id}.info` }))).ContentLength).toBeGreaterThan(0);
      });
    });

    it('two instances on the same bucket: PATCH on one, HEAD and PATCH on the other, GET and DELETE back on the first', async () => {
      const prefix = `shared${++runs}/`;
      const start = async (adapter: AdapterName) => {
        const store = new S3Store({ clientConfig: server.clientConfig, bucket, prefix, partSize: P });
        h.defer(() => store.destroy());
        return h.start(adapter, { options: { path: 'files', store } });
      };
      const [a, b] = [await start('express'), await start('fastify')];
      const data = pattern(P + 3 * MiB + 11, 71);
      const { id, uploadPath } = await createUpload(a.url, { length: data.length });
      expect((await patch(a.url, uploadPath, 0, data.subarray(0, P + 100))).status).toBe(204);
      expect(header(await head(b.url, uploadPath), 'upload-offset')).toBe(String(P + 100));
      expect((await patch(b.url, uploadPath, P + 100, data.subarray(P + 100, P + MiB))).status).toBe(204);
      expect(header(await head(a.url, uploadPath), 'upload-offset')).toBe(String(P + MiB));
      const stale = await patch(a.url, uploadPath, P + 100, data.subarray(P + 100));
      expect([stale.status, header(stale, 'upload-offset')]).toEqual([409, String(P + MiB)]);
      expect((await patch(a.url, uploadPath, P + MiB, data.subarray(P + MiB))).status).toBe(204);
      expect(sha256((await request(b.url, { method: 'GET', path: uploadPath })).body)).toBe(sha256(data));
      expect((await del(b.url, uploadPath)).status).toBe(204);
      expect((await head(a.url, uploadPath)).status).toBe(410);
      expect(await bucketContents(client, bucket, prefix)).toEqual([`${id}.info`]);
    });

    it('tus-js-client uploads in odd chunks; the object in the bucket has the sha256 of the source', async () => {
      const { prefix, endpoint } = await boot('express');
      const source = randomBytes(2 * P + 2 * MiB + 123);
      const done = await upload(source, { endpoint, chunkSize: P + 17, metadata: { filename: 'a.pdf', filetype: 'application/pdf' } });
      const id = new URL(done.url!).pathname.split('/').pop()!;
      const stored = await objectOf(`${prefix}${id}`);
      expect(sha256(stored.bytes)).toBe(sha256(source));
      expect(stored.type).toBe('application/pdf');
    });

    it('tus-js-client parallelUploads: the final is assembled in the bucket with UploadPartCopy', async () => {
      const { prefix, endpoint, url } = await boot('fastify');
      const source = randomBytes(3 * P + 3 * 1001);
      const done = await upload(source, { endpoint, parallelUploads: 3, metadata: { filename: 'p.bin' } });
      const id = new URL(done.url!).pathname.split('/').pop()!;
      expect(sha256((await objectOf(`${prefix}${id}`)).bytes)).toBe(sha256(source));
      const res = await head(url, `/files/${id}`, TUS);
      expect(header(res, 'upload-offset')).toBe(String(source.length));
    });
  });
}
