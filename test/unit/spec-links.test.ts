/**
 * Comment hygiene (issue 14 item 9): a spec link (`@see URL`) is given once per file, where a reader first
 * needs it — usually the file's header — not repeated on every helper below it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The `@see` targets of one source text that appear more than once (same URL, same remark in parentheses). */
function repeatedLinks(text: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const match of text.matchAll(/@see\s+(\S+?)(\s+\([^)\n]*\))?(?=\s*(?:\*\/|$))/gm)) {
    const key = `${match[1]!}${match[2] ?? ''}`;
    if (seen.has(key)) repeated.push(key);
    seen.add(key);
  }
  return repeated;
}

describe('spec links', () => {
  it('no file in src/ repeats the same @see link', () => {
    const found = sourceFiles(join(ROOT, 'src')).flatMap((path) =>
      repeatedLinks(readFileSync(path, 'utf8')).map((link) => `${relative(ROOT, path)}: ${link}`),
    );
    expect(found).toEqual([]);
  });

  it('sees a repeat, and tells links apart by URL and remark', () => {
    const text = [
      '/** A. @see https://hl7.org/fhir/R4/http.html */',
      '/**',
      ' * B.',
      ' * @see https://hl7.org/fhir/R4/http.html',
      ' * @see https://hl7.org/fhir/R4/http.html#read',
      ' * @see https://example.org/ig/ (display)',
      ' * @see https://example.org/ig/ (version)',
      ' */',
    ].join('\n');
    expect(repeatedLinks(text)).toEqual(['https://hl7.org/fhir/R4/http.html']);
  });
});
