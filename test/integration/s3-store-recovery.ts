// S3-specific tests beyond the store contract: what a crash between two S3 calls leaves behind, and
// how much memory an append holds. Registered by s3-store.conformance.spec.ts, on each server.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { S3Store } from '../../src/index.js';
import { bucketContents, type S3Server } from '../support/s3-server.js';
import { pattern, sha256 } from '../support/tus.js';

const MiB = 1024 * 1024;
const P = 5 * MiB;

export interface S3Env {
  server: S3Server;
  client: S3Client;
  bucket: string;
}

async function* once(data: Buffer): AsyncIterable<Buffer[]> {
  yield [data];
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export function s3RecoveryTests(env: () => S3Env): void {
  describe('S3Store after a crash between two calls', () => {
    let n = 0;
    const open = (prefix: string) => new S3Store({ clientConfig: env().server.clientConfig, bucket: env().bucket, prefix, partSize: P, minPartSize: P });
    const uploadIdOf = async (prefix: string, id: string): Promise<string> => {
      const out = await env().client.send(new GetObjectCommand({ Bucket: env().bucket, Key: `${prefix}${id}.info` }));
      return JSON.parse(await out.Body!.transformToString()).progress.uploadId;
    };
    /** What a process killed right after UploadPart (before committing it) leaves: an uploaded, uncounted part. */
    const strayPart = async (prefix: string, id: string, partNumber: number, body: Buffer) =>
      env().client.send(new UploadPartCommand({ Bucket: env().bucket, Key: `${prefix}${id}`, UploadId: await uploadIdOf(prefix, id), PartNumber: partNumber, Body: body }));

    it('a part uploaded but never committed is not counted, and the last part replaces it', async () => {
      const prefix = `crash${++n}/`;
      const store = open(prefix);
      const data = pattern(P + 10, 50);
      await store.create({ id: 'a', length: data.length, metadata: {}, createdAt: Date.now() });
      expect(await store.append('a', 0, once(data.subarray(0, P + 3)))).toBe(P + 3); // part 1 + a piece of 3
      await strayPart(prefix, 'a', 2, pattern(P, 666));
      const found = await open(prefix).lookup('a');
      expect(found.state === 'active' && found.upload.offset).toBe(P + 3);
      expect(await store.append('a', P + 3, once(data.subarray(P + 3)))).toBe(data.length);
      expect(sha256(await collect(await store.read('a')))).toBe(sha256(data));
      store.destroy();
    });

    it('two parts uploaded but never committed (a known length overlaps a commit with the next upload) are replaced', async () => {
      const prefix = `crash${++n}/`;
      const store = open(prefix);
      const data = pattern(4 * P + 10, 53);
      await store.create({ id: 'a2', length: data.length, metadata: {}, createdAt: Date.now() });
      expect(await store.append('a2', 0, once(data.subarray(0, P)))).toBe(P);
      // Killed after uploading parts 2 and 3, with neither commit landed.
      await strayPart(prefix, 'a2', 2, pattern(P, 668));
      await strayPart(prefix, 'a2', 3, pattern(P, 669));
      const found = await open(prefix).lookup('a2');
      expect(found.state === 'active' && found.upload.offset).toBe(P);
      expect(await open(prefix).append('a2', P, once(data.subarray(P)))).toBe(data.length);
      expect(sha256(await collect(await store.read('a2')))).toBe(sha256(data));
      store.destroy();
    });

    it('parts uploaded in one PATCH are committed by its end, on a part boundary and when the body fails', async () => {
      const prefix = `crash${++n}/`;
      const store = open(prefix);
      const data = pattern(5 * P + 10, 54);
      await store.create({ id: 'e', length: data.length, metadata: {}, createdAt: Date.now() });
      // Two whole parts and nothing more: no piece to store, yet both parts' commit is owed.
      expect(await store.append('e', 0, once(data.subarray(0, 2 * P)))).toBe(2 * P);
      let found = await open(prefix).lookup('e');
      expect(found.state === 'active' && found.upload.offset).toBe(2 * P);
      // A body that fails after two more parts: the parts that reached the store count.
      async function* failing(): AsyncIterable<Buffer[]> {
        yield [data.subarray(2 * P, 4 * P)];
        throw new Error('the client went away');
      }
      await expect(store.append('e', 2 * P, failing())).rejects.toThrow('the client went away');
      found = await open(prefix).lookup('e');
      expect(found.state === 'active' && found.upload.offset).toBe(4 * P);
      expect(await store.append('e', 4 * P, once(data.subarray(4 * P)))).toBe(data.length);
      expect(sha256(await collect(await store.read('e')))).toBe(sha256(data));
      store.destroy();
    });

    it('a stray part with nothing left to write is replaced by an empty last part (RGW refuses to leave one out)', async () => {
      const prefix = `crash${++n}/`;
      const store = open(prefix);
      const data = pattern(P, 51);
      await store.create({ id: 'b', metadata: {}, createdAt: Date.now() }); // deferred length
      expect(await store.append('b', 0, once(data))).toBe(P); // exactly one part, no piece
      await strayPart(prefix, 'b', 2, pattern(P, 667));
      await store.declareLength('b', P);
      const found = await open(prefix).lookup('b');
      expect(found.state === 'active' && found.upload.offset).toBe(P);
      expect(sha256(await collect(await store.read('b')))).toBe(sha256(data));
      store.destroy();
    });

    it('completed but not committed: the next write finds the object whole and commits it', async () => {
      const prefix = `crash${++n}/`;
      const store = open(prefix);
      const data = pattern(P + 5, 52);
      await store.create({ id: 'c', length: data.length, metadata: {}, createdAt: Date.now() });
      expect(await store.append('c', 0, once(data.subarray(0, P)))).toBe(P);
      // What the dying process did: upload the last part and complete, but never commit that.
      const uploadId = await uploadIdOf(prefix, 'c');
      const { client, bucket } = env();
      const parts = [];
      for (const [i, body] of [data.subarray(0, P), data.subarray(P)].entries()) {
        const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: `${prefix}c`, UploadId: uploadId, PartNumber: i + 1, Body: body }));
        parts.push({ PartNumber: i + 1, ETag: out.ETag });
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}c`, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
      expect(await store.append('c', P, once(data.subarray(P)))).toBe(data.length);
      const found = await open(prefix).lookup('c');
      expect(found.state === 'active' && found.upload.offset).toBe(data.length);
      expect(sha256(await collect(await store.read('c')))).toBe(sha256(data));
      store.destroy();
    });

    it('removal aborts a multipart upload nothing refers to (created just before a crash)', async () => {
      const prefix = `crash${++n}/`;
      const store = open(prefix);
      await store.create({ id: 'd', length: 10, metadata: {}, createdAt: Date.now() });
      await env().client.send(new CreateMultipartUploadCommand({ Bucket: env().bucket, Key: `${prefix}d` }));
      await store.remove('d', 'expired');
      expect(await bucketContents(env().client, env().bucket, prefix)).toEqual(['d.info']);
      store.destroy();
    });
  });

  describe('S3Store memory', () => {
    it('one append of 96 MiB holds a few parts of 8 MiB in memory, never the upload', async () => {
      const store = new S3Store({ clientConfig: env().server.clientConfig, bucket: env().bucket, prefix: 'memory/' });
      const total = 96 * MiB;
      await store.create({ id: 'm', length: total, metadata: {}, createdAt: Date.now() });
      const block = pattern(MiB, 60);
      async function* body(): AsyncIterable<Buffer[]> {
        // 256 KiB batches, each a fresh copy, as sockets hand them over.
        for (let sent = 0; sent < total; sent += 256 * 1024) yield [Buffer.from(block.subarray(sent % MiB, (sent % MiB) + 256 * 1024))];
      }
      // Live buffers, not garbage waiting for a collection: collect before each sample.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const base = process.memoryUsage().arrayBuffers;
      let peak = base;
      const sampler = setInterval(() => {
        gc();
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }, 10);
      try {
        expect(await store.append('m', 0, body())).toBe(total);
      } finally {
        clearInterval(sampler);
      }
      const held = (peak - base) / MiB;
      console.log(`S3Store on ${env().server.kind}: a 96 MiB append with 8 MiB parts peaked at ${held.toFixed(1)} MiB of live buffers above the baseline`);
      // One part buffer, reused for every part, the HTTP layer's hold on the part being sent, and now
      // and then one more inside the SDK (measured 8.3 to 23.7 MiB); buffering the upload would be 96.
      expect(held).toBeLessThan(3 * 8 + 4);
      store.destroy();
    });
  });
}
