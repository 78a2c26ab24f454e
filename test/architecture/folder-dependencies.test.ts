import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SKIP = new Set(['node_modules', '.git', 'dist', 'test', 'migrations', '.masksearch']);

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.(ts|tsx|mts)$/.test(name)) yield path;
  }
}

/** Top-level folder → the top-level folders its sources import from (relative imports only). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(root)) {
    const from = relative(root, file).split('/')[0];
    if (!file.slice(root.length + 1).includes('/')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const to = relative(root, normalize(join(dirname(file), m[1]))).split('/')[0];
      if (to === from || to.startsWith('..') || to.includes('.')) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

function reaches(graph: Map<string, Set<string>>, from: string, to: string, seen = new Set<string>()): boolean {
  for (const next of graph.get(from) ?? []) {
    if (next === to) return true;
    if (!seen.has(next)) {
      seen.add(next);
      if (reaches(graph, next, to, seen)) return true;
    }
  }
  return false;
}

describe('folders', () => {
  const graph = folderGraph();

  it('depend on each other without cycles', () => {
    // The graph is read from the sources: the service layer builds on the schema, which builds on the resolvers.
    expect(graph.get('service')?.has('schema') && graph.get('schema')?.has('resolvers')).toBe(true);
    const cycles = [...graph].flatMap(([from, tos]) => [...tos].filter((to) => reaches(graph, to, from)).map((to) => `${from} ↔ ${to}`));
    expect(cycles).toEqual([]);
  });

  it('keep the engine pure and the plugins on their interface', () => {
    expect([...(graph.get('engine') ?? [])]).toEqual([]);
    expect([...(graph.get('plugins') ?? [])]).toEqual([]);
    for (const low of ['engine', 'db', 'resolvers']) expect(graph.get(low)?.has('service') ?? false).toBe(false);
  });
});
