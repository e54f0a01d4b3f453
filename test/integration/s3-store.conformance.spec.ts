// The store conformance suite on real S3-compatible servers: OpenStack Swift (s3api) and Ceph RGW,
// each started once for this file. Every test gets its own key prefix in one bucket. Also the
// S3-only tests (crash leftovers, memory) and the content type of the objects.
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store, type S3StoreOptions } from '../../src/index.js';
import { bucketContents, s3ServerAvailable, startS3Server, type S3Server, type S3ServerKind } from '../support/s3-server.js';
import { pattern } from '../support/tus.js';
import { s3RecoveryTests } from './s3-store-recovery.js';
import { storeConformance } from './store-conformance.js';

const MiB = 1024 * 1024;
const P = 5 * MiB;

for (const kind of ['swift', 'rgw'] as S3ServerKind[]) {
  describe.skipIf(!s3ServerAvailable(kind))(`S3Store on ${kind}`, () => {
    let server: S3Server;
    let client: S3Client;
    const bucket = 'conformance';
    let runs = 0;

    beforeAll(async () => {
      server = await startS3Server(kind);
      client = new S3Client(server.clientConfig);
      await new S3Store({ clientConfig: server.clientConfig, bucket, createBucket: true }).init();
    }, 120_000);
    afterAll(async () => {
      client?.destroy();
      await server?.stop();
    }, 60_000);

    const variants: Array<[string, Partial<S3StoreOptions>]> = [
      ['parts of 5 MiB', { partSize: P, minPartSize: P }],
      ['equal parts (R2)', { partSize: P, minPartSize: P, equalParts: true, maxUploadSize: 10 * 1024 * MiB }],
    ];
    for (const [label, settings] of variants) {
      storeConformance(
        `S3Store on ${kind}, ${label}`,
        async () => {
          const prefix = `run${++runs}/`;
          const stores: S3Store[] = [];
          const open = async () => {
            const store = new S3Store({ clientConfig: server.clientConfig, bucket, prefix, ...settings });
            stores.push(store);
            await store.init();
            return store;
          };
          return {
            store: await open(),
            reopen: open,
            contents: () => bucketContents(client, bucket, prefix),
            close: async () => stores.forEach((s) => s.destroy()),
          };
        },
        { partSize: P, readsIncomplete: false },
      );
    }

    s3RecoveryTests(() => ({ server, client, bucket }));

    it('gives the object the content type of the filetype metadata, and keeps it under the prefix', async () => {
      const store = new S3Store({ clientConfig: server.clientConfig, bucket, prefix: 'types/', partSize: P, minPartSize: P });
      for (const [id, filetype, size] of [
        ['png', 'image/png', 10],
        ['multi', 'text/plain; charset=utf-8', P + 10],
        ['bad', 'not a type', 3],
      ] as const) {
        await store.create({ id, length: size, metadata: { filetype }, createdAt: Date.now() });
        await store.append(id, 0, (async function* () { yield [pattern(size)]; })());
      }
      const typeOf = async (key: string) => (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentType;
      expect(await typeOf('types/png')).toBe('image/png');
      expect(await typeOf('types/multi')).toBe('text/plain');
      expect(await typeOf('types/bad')).toBe('application/octet-stream');
      store.destroy();
    });
  });
}
