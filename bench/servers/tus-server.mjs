// @tus/server 2 standalone with @tus/file-store (server.listen), endpoint /files.
// Env: UPLOAD_DIR (required). Prints the port on stdout when ready.
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const directory = process.env.UPLOAD_DIR;
if (!directory) throw new Error('UPLOAD_DIR is required');
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
process.on('SIGTERM', () => process.exit(0));
const server = tus.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
