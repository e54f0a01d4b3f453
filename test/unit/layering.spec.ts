// The server's layers import in one direction only:
//   top (the Nest-facing module: src/*.ts, options/, decorators/, interfaces/, health/)
//     → http/ (Nest glue) and operations/ (metrics, health probes, graceful shutdown; Nest-free)
//       → protocol/ (framework-free) → storage/, locking/
// http/ and operations/ are siblings wired together by the top (through interfaces such as
// RequestObserver and ShutdownState), so neither imports the other. Nothing below http/ imports
// @nestjs/*. client/ and cli/ are separate entry points (see import-graph.spec.ts) and are not judged
// here, but no server file may import them. Each failure names the file and the import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

type Layer = 'top' | 'http' | 'operations' | 'protocol' | 'storage' | 'locking' | 'client' | 'cli';

/** What each layer may import besides itself. */
const MAY_IMPORT: Record<Exclude<Layer, 'client' | 'cli'>, Layer[]> = {
  top: ['http', 'operations', 'protocol', 'storage', 'locking'],
  http: ['protocol', 'storage', 'locking'],
  operations: ['protocol', 'storage', 'locking'],
  protocol: ['storage', 'locking'],
  storage: [],
  locking: [],
};
/** Layers that must not depend on Nest (or anything Nest-only). */
const NEST_FREE: Layer[] = ['operations', 'protocol', 'storage', 'locking'];

function layerOf(file: string): Layer {
  const parts = path.relative(SRC, file).split(path.sep);
  if (parts.length === 1) return 'top';
  const folder = parts[0]!;
  if (['decorators', 'interfaces', 'health', 'options'].includes(folder)) return 'top';
  if (folder in MAY_IMPORT || folder === 'client' || folder === 'cli') return folder as Layer;
  throw new Error(`src/${folder}/ is not assigned a layer: add it to layering.spec.ts`);
}

interface Import {
  specifier: string;
  /** The local file it names, or undefined for a package. */
  target?: string;
}

function serverFiles(dir = SRC): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (dir === SRC && (entry === 'client' || entry === 'cli')) continue;
      found.push(...serverFiles(full));
    } else if (entry.endsWith('.ts')) found.push(full);
  }
  return found;
}

function importsOf(file: string): Import[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((match) => {
    const specifier = match[1] ?? match[2] ?? match[3]!;
    return specifier.startsWith('.') ? { specifier, target: path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts') } : { specifier };
  });
}

const rel = (file: string) => path.relative(process.cwd(), file);
const files = serverFiles();
const graph = new Map(files.map((file) => [file, importsOf(file)]));

/** The cycles of a graph, each as the path that closes it (a → b → a). */
function cycles<T>(nodes: Iterable<T>, next: (node: T) => Iterable<T>, name: (node: T) => string): string[] {
  const found: string[] = [];
  const state = new Map<T, 'open' | 'done'>();
  const stack: T[] = [];
  const visit = (node: T) => {
    state.set(node, 'open');
    stack.push(node);
    for (const target of next(node)) {
      if (state.get(target) === 'open') found.push([...stack.slice(stack.indexOf(target)), target].map(name).join(' → '));
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of nodes) if (!state.has(node)) visit(node);
  return found;
}

describe('layering of src/', () => {
  it('reads the imports it judges', () => {
    const edges = new Set(files.flatMap((file) => graph.get(file)!.filter((i) => i.target).map((i) => `${layerOf(file)} → ${layerOf(i.target!)}`)));
    expect(edges).toContain('http → protocol');
    expect(edges).toContain('protocol → storage');
    expect(files.length).toBeGreaterThan(50);
  });

  it('imports only downwards', () => {
    const offending: string[] = [];
    for (const file of files) {
      const from = layerOf(file) as keyof typeof MAY_IMPORT;
      for (const { specifier, target } of graph.get(file)!) {
        if (!target) continue;
        const to = layerOf(target);
        if (to !== from && !MAY_IMPORT[from].includes(to)) offending.push(`${rel(file)} (${from}) imports '${specifier}' (${to})`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('keeps Nest out of operations, protocol, storage and locking', () => {
    const offending: string[] = [];
    for (const file of files) {
      if (!NEST_FREE.includes(layerOf(file))) continue;
      for (const { specifier, target } of graph.get(file)!) {
        if (!target && specifier.startsWith('@nestjs/')) offending.push(`${rel(file)} imports '${specifier}'`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const layers = new Map<Layer, Set<Layer>>();
    for (const file of files) {
      const from = layerOf(file);
      for (const { target } of graph.get(file)!) {
        const to = target && layerOf(target);
        if (to && to !== from) layers.set(from, (layers.get(from) ?? new Set()).add(to));
      }
    }
    expect(cycles(layers.keys(), (layer) => layers.get(layer) ?? [], (layer) => layer)).toEqual([]);
  });

  it('has no cycle between files', () => {
    const local = (file: string) => graph.get(file)?.flatMap((i) => (i.target && graph.has(i.target) ? [i.target] : [])) ?? [];
    expect(cycles(files, local, rel)).toEqual([]);
  });
});
