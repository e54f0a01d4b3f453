import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FileStore } from '../../src/storage/file-store.js';
import { storeConformance } from './store-conformance.js';

storeConformance(
  'FileStore',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tus-conformance-'));
    const directory = join(dir, 'uploads');
    const open = async () => {
      const store = new FileStore({ directory });
      await store.init();
      return store;
    };
    return {
      store: await open(),
      reopen: open,
      async contents() {
        const entries = await readdir(directory, { withFileTypes: true, recursive: true });
        return entries.filter((e) => e.isFile()).map((e) => relative(directory, join(e.parentPath, e.name)));
      },
      close: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { partSize: 5 * 1024 * 1024, readsIncomplete: true },
);
