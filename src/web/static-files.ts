/**
 * The browser view's static files (one stylesheet, one script), read once at start and served same-origin
 * under `/_web/` — the only files the pages load.
 *
 * @see https://www.w3.org/TR/CSP3/#source-self
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const FILES: Readonly<Record<string, string>> = { 'app.css': 'text/css; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8' };
const cache = new Map<string, Buffer>();

/**
 * A static file by name (`app.css`), or undefined for any other name.
 * @see https://www.w3.org/TR/CSP3/
 */
export function staticFile(name: string): { readonly type: string; readonly body: Buffer } | undefined {
  const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (type === undefined) return undefined;
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(resolve(import.meta.dirname, 'static', name));
    cache.set(name, body);
  }
  return { type, body };
}
