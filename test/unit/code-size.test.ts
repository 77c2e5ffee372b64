/**
 * Structural check (issue 14): no file in `src/` over 400 lines and no function over 80. The files and
 * functions that were already over when the check was added are listed with their size then as a ceiling:
 * they may shrink (and must leave the list once under the limit) but not grow, and nothing new may join.
 * Sizes are counted in source lines (a function from its first line to its closing brace).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FILE_LIMIT = 400;
const FUNCTION_LIMIT = 80;

/** Over the limit when the check was added (2026-12-07): `file` or `file#function` → lines then. */
const CEILINGS: Readonly<Record<string, number>> = {
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function functionName(node: ts.SignatureDeclaration): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const name = node.name?.getText();
  if (name !== undefined) return name;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '<anonymous>';
}

/** The file (`file`) and the functions of one source text that are over their limit, with their size in lines. */
function oversizedIn(file: string, text: string, found = new Map<string, number>()): Map<string, number> {
  const lines = text.split('\n').length;
  if (lines > FILE_LIMIT) found.set(file, lines);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const size = last - first + 1;
      if (size > FUNCTION_LIMIT) {
        const key = `${file}#${functionName(node)}`;
        found.set(key, Math.max(size, found.get(key) ?? 0));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every file and function of `src/` over its limit, with its size in lines. */
function oversized(): Map<string, number> {
  const found = new Map<string, number>();
  for (const path of sourceFiles(join(ROOT, 'src'))) {
    oversizedIn(relative(ROOT, path).split('\\').join('/'), readFileSync(path, 'utf8'), found);
  }
  return found;
}

/** The source of a function declaration `lines` long. */
function sample(lines: number, name: string): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  return [`function ${name}(): void {`, body, '}'].join('\n');
}

describe(`code size: files up to ${FILE_LIMIT} lines, functions up to ${FUNCTION_LIMIT}`, () => {
  const found = oversized();

  it('nothing new is over the limit', () => {
    const fresh = [...found].filter(([key]) => CEILINGS[key] === undefined).map(([key, n]) => `${key}: ${n} lines`);
    expect(fresh).toEqual([]);
  });

  it('what was over the limit has not grown', () => {
    const grown = [...found].filter(([key, n]) => CEILINGS[key] !== undefined && n > CEILINGS[key]).map(([key, n]) => `${key}: ${n} > ${CEILINGS[key]}`);
    expect(grown).toEqual([]);
  });

  it('an entry leaves the list once under the limit (the list stays true)', () => {
    const stale = Object.keys(CEILINGS).filter((key) => !found.has(key));
    expect(stale).toEqual([]);
  });

  it('measures what it claims: a function over the limit and a file over it are seen, at the limit they are not', () => {
    const functions = [sample(FUNCTION_LIMIT + 1, 'over'), sample(FUNCTION_LIMIT, 'at')].join('\n');
    const padding = (total: number): string => '\n'.repeat(total - functions.split('\n').length);
    expect(oversizedIn('over.ts', functions + padding(FILE_LIMIT + 1))).toEqual(new Map([['over.ts', FILE_LIMIT + 1], ['over.ts#over', FUNCTION_LIMIT + 1]]));
    expect(oversizedIn('at.ts', functions + padding(FILE_LIMIT))).toEqual(new Map([['at.ts#over', FUNCTION_LIMIT + 1]]));
  });
});
