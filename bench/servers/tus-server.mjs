// @tus/server 2 standalone (server.listen), endpoint /files: @tus/file-store, or with S3_* set (see
// s3-env.mjs) @tus/s3-store (tags off: Swift and RGW lack object tagging for its expiration feature).
// Env: UPLOAD_DIR (required). Prints the port on stdout when ready.
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { s3FromEnv } from './s3-env.mjs';

const directory = process.env.UPLOAD_DIR;
if (!directory) throw new Error('UPLOAD_DIR is required');
const s3 = s3FromEnv();
let datastore;
if (s3) {
  const { S3Store } = await import('@tus/s3-store');
  datastore = new S3Store({ partSize: 8 * 1024 * 1024, useTags: false, s3ClientConfig: { bucket: s3.bucket, ...s3.clientConfig } });
} else {
  datastore = new FileStore({ directory });
}
const tus = new Server({ path: '/files', datastore });
process.on('SIGTERM', () => process.exit(0));
const server = tus.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
