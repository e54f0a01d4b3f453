import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm test` compiles src to dist/src first (pretest); this runs the compiled package in a child process.
const INDEX = join(process.cwd(), 'dist', 'src', 'index.js');

describe('S3Store loading', () => {
  it('importing the package or constructing an S3Store never loads the AWS SDK; init() does, with a clear error when it is missing', async () => {
    expect(existsSync(INDEX), 'run `npm test` (pretest compiles dist/src)').toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'tus-sdk-block-'));
    try {
      // A loader hook that makes the SDK unresolvable, as in an application that did not install it.
      await writeFile(join(dir, 'hooks.mjs'), `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@aws-sdk/')) throw new Error('blocked ' + specifier);
  return next(specifier, context);
}`);
      await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`);
      await writeFile(
        join(dir, 'main.mjs'),
        `const m = await import(${JSON.stringify(pathToFileURL(INDEX).href)});
const store = new m.S3Store({ bucket: 'b', clientConfig: { region: 'us-east-1' } });
console.log('constructed', typeof m.FileStore, store.limits.partSize);
try { await store.init(); } catch (error) { console.log('init:', error.message, '|', error.cause?.message); }`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'main.mjs')]);
      expect(stdout).toContain(`constructed function ${8 * 1024 * 1024}`);
      expect(stdout).toContain('init: S3Store needs the package @aws-sdk/client-s3 (npm install @aws-sdk/client-s3) | blocked @aws-sdk/client-s3');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the S3 store touches no local disk: none of its modules imports a file system or temp-dir API', async () => {
    const dir = join(process.cwd(), 'src', 'storage', 's3');
    const files = [join(process.cwd(), 'src', 'storage', 's3-store.ts'), ...(await readdir(dir)).map((name) => join(dir, name))];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      expect(text, file).not.toMatch(/from ['"](node:)?(fs|fs\/promises|os)['"]|tmpdir|file-io/);
    }
  });
});
