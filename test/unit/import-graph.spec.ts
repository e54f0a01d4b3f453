// Importing `nestjs-tus` must not load the client's or the CLI's libraries (tus-js-client, commander,
// cli-progress, proper-lockfile), and `nestjs-tus/client` must not load Nest or the server's code: the
// static import graphs of src/index.ts and src/client/index.ts, followed file by file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

/** Every local file and every package the entry reaches through static and literal dynamic imports. */
function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(path.join(SRC, entry));
  return { files, packages };
}

const relative = (files: Set<string>) => [...files].map((file) => path.relative(SRC, file));

describe('import graphs', () => {
  it('nestjs-tus loads neither the client nor the CLI, nor their libraries', () => {
    const { files, packages } = graph('index.ts');
    expect(relative(files).filter((file) => file.startsWith('client') || file.startsWith('cli'))).toEqual([]);
    for (const name of ['tus-js-client', 'commander', 'cli-progress', 'proper-lockfile']) expect(packages).not.toContain(name);
    expect(packages).toContain('@nestjs/common'); // the walk does follow the server's imports
  });

  it('nestjs-tus/client and the CLI load no Nest and none of the server’s code', () => {
    for (const entry of ['client/index.ts', 'cli/main.ts']) {
      const { files, packages } = graph(entry);
      expect(relative(files).filter((file) => !file.startsWith('client') && !file.startsWith('cli'))).toEqual([]);
      expect([...packages].filter((name) => name.startsWith('@nestjs') || name === 'rxjs')).toEqual([]);
      expect(packages).toContain('tus-js-client');
    }
  });
});
