import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** The "what may import what" table of docs/architecture.md: folder → folders it may import. */
function layeringTable(): Map<string, Set<string>> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const table = new Map<string, Set<string>>();
  for (const line of doc.split('\n')) {
    const row = /^\| `([^`]+)` \|([^|]*)\|$/.exec(line.trim());
    if (!row) continue;
    table.set(row[1]!, new Set([...row[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
  }
  return table;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a file: its top folder under src/, or `(root)` for src/*.ts. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length === 1 ? '(root)' : parts[0]!;
}

function relativeImports(text: string): string[] {
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return [...new Set(specs)];
}

describe('layering (docs/architecture.md)', () => {
  const table = layeringTable();
  const files = sourceFiles(SRC);

  it('lists every folder of src/', () => {
    const layers = new Set(files.map(layerOf));
    expect([...layers].filter((l) => !table.has(l))).toEqual([]);
  });

  it('every import in src/ stays within what its folder may import', () => {
    const crossings: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const allowed = table.get(from) ?? new Set<string>();
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(SRC)) {
          crossings.push(`${relative(ROOT, file)} imports ${spec} (outside src/)`);
          continue;
        }
        const to = layerOf(target);
        if (to !== from && !allowed.has(to)) crossings.push(`${relative(ROOT, file)} (${from}) imports ${relative(ROOT, target)} (${to})`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('catches a crossing (the check itself works)', () => {
    expect(relativeImports("import { x } from '../store/repository.ts';\nconst m = await import('./y.ts');")).toEqual(['../store/repository.ts', './y.ts']);
    expect(table.get('search')?.has('store')).toBe(false);
  });
});
