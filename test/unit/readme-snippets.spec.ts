// The TypeScript snippets of README.md and docs/*.md must compile as a reader would paste them. Each ```ts
// block becomes one file under .tmp/snippets/<document>/ (named by a first line such as `// app.module.ts`,
// so the blocks of one document can import each other as './app.module.js'), and the TypeScript compiler
// checks them all with the repository's tsconfig, 'nestjs-tus' and its subpaths mapped to src/.
// A block that cannot stand alone is fenced ```ts no-check: <why>, and the reason is required.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve('.');
const OUT = path.join(ROOT, '.tmp', 'snippets');
const DOCUMENTS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

interface Snippet {
  document: string;
  /** 1-based line of the block's first code line in the document. */
  line: number;
  code: string;
  /** The reason after `no-check`, or undefined for a block that is checked. */
  skipped?: string;
}

/** Fenced blocks whose info string starts with ts or typescript, indented ones (in lists) included. */
function snippetsOf(document: string): Snippet[] {
  const lines = readFileSync(path.join(ROOT, document), 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open as unknown as [string, string, string, string, string];
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence)) end++;
    if (lang === 'ts' || lang === 'typescript') {
      const code = lines.slice(i + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line)).join('\n');
      const noCheck = /^\s*no-check\b:?\s*(.*)$/.exec(rest);
      snippets.push({ document, line: i + 2, code, ...(noCheck ? { skipped: noCheck[1]!.trim() } : {}) });
    }
    i = end;
  }
  return snippets;
}

/** 'nestjs-tus' and every subpath of package.json `exports`, mapped from dist's .d.ts to the source. */
function packagePaths(): Record<string, string[]> {
  const { name, exports } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { types?: string }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(exports)) {
    if (typeof target === 'string' || !target.types) continue; // ./package.json
    const source = target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts');
    paths[name + subpath.slice(1)] = [path.relative(OUT, path.join(ROOT, source))];
  }
  return paths;
}

const snippets = DOCUMENTS.flatMap(snippetsOf);
/** Where each written file came from, to point a diagnostic at its line in the document. */
const origins = new Map<string, Snippet>();
let diagnostics: Map<string, string[]>;

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  const files: string[] = [];
  for (const document of DOCUMENTS) {
    const dir = path.join(OUT, document.replace(/\.md$/, '').replaceAll('/', '-'));
    mkdirSync(dir, { recursive: true });
    for (const snippet of snippets.filter((s) => s.document === document && s.skipped === undefined)) {
      // `// app.module.ts` names the file; a repeated name (main.ts for Express, then for Fastify) gets a suffix.
      const named = /^\/\/\s*([\w.-]+)\.ts\b/.exec(snippet.code)?.[1];
      let file = path.join(dir, named ? `${named}.ts` : `snippet-L${snippet.line}.ts`);
      for (let n = 2; existsSync(file); n++) file = path.join(dir, `${named}~${n}.ts`);
      writeFileSync(file, `${snippet.code}\n`);
      origins.set(file, snippet);
      files.push(file);
    }
  }
  // Every entry point must resolve, whether or not a snippet happens to import it.
  const probe = path.join(OUT, 'entry-points.ts');
  writeFileSync(probe, Object.keys(packagePaths()).map((specifier, i) => `import * as entry${i} from '${specifier}';\nvoid entry${i};\n`).join(''));
  files.push(probe);

  const config = {
    extends: path.relative(OUT, path.join(ROOT, 'tsconfig.json')),
    compilerOptions: { noEmit: true, declaration: false, sourceMap: false, moduleDetection: 'force', paths: packagePaths() },
    files: files.map((file) => path.relative(OUT, file)),
  };
  writeFileSync(path.join(OUT, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(OUT, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });

  diagnostics = new Map(DOCUMENTS.map((document) => [document, []]));
  diagnostics.set('(configuration)', []);
  // Only the snippets are checked (src/ is the type-check's business, npm run typecheck): much faster.
  const checked = program.getSourceFiles().filter((file) => path.resolve(file.fileName).startsWith(OUT + path.sep));
  const found = [
    ...parsed.errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
  for (const d of found) {
    const text = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    const origin = d.file && origins.get(path.resolve(d.file.fileName));
    if (origin && d.start !== undefined) {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      diagnostics.get(origin.document)!.push(`${origin.document}:${origin.line + line}: ${text}`);
    } else {
      diagnostics.get('(configuration)')!.push(`${d.file ? path.relative(ROOT, d.file.fileName) : ''} ${text}`);
    }
  }
}, 240_000);

describe('TypeScript snippets of the README and docs/', () => {
  it('finds the snippets, and every skipped one says why', () => {
    expect(snippets.filter((s) => s.document === 'README.md' && s.skipped === undefined).length).toBeGreaterThan(5);
    expect(snippets.filter((s) => s.skipped === '').map((s) => `${s.document}:${s.line}`)).toEqual([]);
  });

  it('nestjs-tus and its subpaths resolve to the source', () => {
    expect(Object.keys(packagePaths())).toEqual(expect.arrayContaining(['nestjs-tus', 'nestjs-tus/client', 'nestjs-tus/health']));
    expect(diagnostics.get('(configuration)')).toEqual([]);
  });

  it.each(DOCUMENTS)('%s type-checks', (document) => {
    expect(diagnostics.get(document)).toEqual([]);
  });
});
