// S3Store on Swift: the pending-completion record is in the bucket before any request that lets a reader
// see the upload complete: the PutObject of a single-part object, the CompleteMultipartUpload, and an info
// commit whose parts already add up to the length (two full parts). The store's client is a real S3Client
// behind a pass-through that, before forwarding such a request, looks the record up with a second client.
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store, TusModule, type S3ClientLike } from '../../src/index.js';
import { Ledger, LedgerModule, ReadingComplete } from '../fixtures/extension-points.js';
import { useHarness } from '../support/app.js';
import { s3ServerAvailable, startS3Server, type S3Server } from '../support/s3-server.js';
import { createUpload, patch } from '../support/tus.js';

const MiB = 1024 * 1024;
const P = 5 * MiB;
const bucket = 'completion-record';
const prefix = 'cr/';

interface Observation {
  request: string;
  id: string;
  recorded: boolean;
}

describe.skipIf(!s3ServerAvailable('swift'))('S3Store: the completion record precedes the completing commit (Swift)', () => {
  const h = useHarness();
  let server: S3Server;
  let plain: S3Client;

  beforeAll(async () => {
    server = await startS3Server('swift');
    plain = new S3Client(server.clientConfig);
    await new S3Store({ clientConfig: server.clientConfig, bucket, createBucket: true }).init();
  }, 120_000);
  afterAll(async () => {
    plain?.destroy();
    await server?.stop();
  }, 60_000);

  const recorded = async (id: string) => {
    try {
      await plain.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}.tus-completions/${id}` }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return false;
      throw error;
    }
  };

  /** Which upload a request makes complete for readers, if any. */
  function completing(command: { constructor: { name: string }; input: { Key?: string; Body?: unknown } }, lengths: Map<string, number>): string | undefined {
    const key = command.input.Key ?? '';
    if (!key.startsWith(prefix)) return undefined;
    const name = key.slice(prefix.length);
    if (command.constructor.name === 'CompleteMultipartUploadCommand') return name;
    if (command.constructor.name !== 'PutObjectCommand') return undefined;
    if (lengths.has(name)) return name; // the whole object in one PutObject
    if (!name.endsWith('.info') || !Buffer.isBuffer(command.input.Body)) return undefined;
    const doc = JSON.parse(command.input.Body.toString()) as { id: string; length?: number; progress: { done?: boolean; partBytes: number; piece?: { size: number } } };
    const offset = doc.progress.partBytes + (doc.progress.piece?.size ?? 0);
    return doc.length !== undefined && doc.length > 0 && (doc.progress.done || offset === doc.length) ? doc.id : undefined;
  }

  it('single part, two full parts, a part and a remainder: every completing request finds the record', async () => {
    const lengths = new Map<string, number>();
    const seen: Observation[] = [];
    const real = new S3Client(server.clientConfig);
    h.defer(() => real.destroy());
    const observing: S3ClientLike = {
      async send(command: Parameters<S3Client['send']>[0]) {
        const id = completing(command as never, lengths);
        if (id) seen.push({ request: command.constructor.name, id, recorded: await recorded(id) });
        return real.send(command);
      },
    };
    const store = new S3Store({ client: observing, bucket, prefix, partSize: P });
    const { url, app } = await h.start('express', TusModule.forRoot({ store, uploadCompleteHandler: ReadingComplete, imports: [LedgerModule] }));
    for (const size of [1000, 2 * P, P + 123]) {
      const up = await createUpload(url, { length: size });
      lengths.set(up.id, size);
      const res = await patch(url, up.uploadPath, 0, randomBytes(size));
      expect(res.status, res.body.toString()).toBe(204);
    }
    const ids = [...lengths.keys()];
    // Each upload was made complete by at least one request, and the record was there before every one.
    expect(new Set(seen.map((o) => o.id))).toEqual(new Set(ids));
    expect(seen.filter((o) => !o.recorded)).toEqual([]);
    expect(seen.map((o) => o.request)).toContain('CompleteMultipartUploadCommand');
    const ledger = app.get(Ledger, { strict: false });
    expect(ledger.completed.map((c) => c.record.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await recorded(id)).toBe(false); // cleared after the handler succeeded
  }, 120_000);
});
