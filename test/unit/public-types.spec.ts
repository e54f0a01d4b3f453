import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm test` compiles src to dist/src first (pretest). The published declarations must not mention
// express or fastify: both adapters are optional peers, and an app on one must not need the other's types.
const DIST = join(process.cwd(), 'dist', 'src');
// tus-js-client is a dependency (nestjs-tus/client is built on it), so its types are always installed.
const ALLOWED = [/^\.{1,2}\//, /^@nestjs\/(common|core)$/, /^node:/, /^rxjs$/, /^class-validator$/, /^tus-js-client$/];

async function declarations(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.d.ts')).map((e) => join(e.parentPath, e.name));
}

describe('public declarations', () => {
  it('import only @nestjs/common, @nestjs/core, rxjs, class-validator, tus-js-client, node: and their own files', async () => {
    const files = await declarations(DIST).catch(() => []);
    expect(files.length, 'run `npm test` (pretest compiles dist/src)').toBeGreaterThan(10);
    const foreign: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
        // The health subpath is the one place that needs terminus (it is imported only from there).
        const allowed = ALLOWED.some((re) => re.test(specifier)) || (specifier === '@nestjs/terminus' && file.startsWith(join(DIST, 'health')));
        if (!allowed) foreign.push(`${file}: ${specifier}`);
      }
    }
    expect(foreign).toEqual([]);
  });
});
