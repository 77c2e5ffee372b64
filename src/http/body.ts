/**
 * Reading request bodies: size limit (413 while streaming, before buffering everything), media type (415),
 * UTF-8 only, and a JSON parse guarded by an iterative depth and array-size scan — so a 50,000-deep or
 * 200,000-element body is refused with an OperationOutcome instead of overflowing a stack or stalling
 * the event loop in later recursive walks.
 *
 * @see https://hl7.org/fhir/R4/http.html#mime-type
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { badRequest, fhirError, shown } from '../fhir/errors.ts';
import { rememberJsonText } from '../lib/json-source.ts';
import { fhirVersionParameter, SERVED_FHIR_VERSIONS, servesFhirVersion } from './negotiate.ts';

/** Deepest JSON nesting accepted in a request body. */
export const MAX_JSON_DEPTH = 100;
/** Most items accepted in any one JSON array of a request body. */
export const MAX_JSON_ARRAY_ITEMS = 100_000;

/** Media types accepted for FHIR JSON bodies. */
const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const FORM_TYPE = 'application/x-www-form-urlencoded';
/** A plain media type (type/subtype), safe to name in an error. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

/** A decoded body. */
export type DecodedBody = { readonly kind: 'none' } | { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'form'; readonly pairs: [string, string][] };

function tooLarge(limit: number): Error {
  return fhirError(413, 'too-costly', `The request body is larger than the limit of ${limit} bytes`);
}

/** Reads the raw body, refusing more than `limit` bytes. */
export function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume(); // drain
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(badRequest(`The request body could not be read: ${err.message}`));
      }
    });
  });
}

/** What the shape scan found wrong: a message, and for a duplicate key the path of the repeated member. */
export interface JsonShapeProblem {
  readonly kind: 'depth' | 'items' | 'duplicate';
  readonly message: string;
  /** FHIRPath-like location (`compose.include[0].system`) of a repeated key. */
  readonly path?: string;
}

/** Objects up to this many keys are checked for duplicates by a linear search (cheaper than a Set). */
const SMALL_OBJECT_KEYS = 16;

function keyText(raw: string): string {
  // Only keys with escapes need decoding (the raw slice is a valid JSON string when the text parses).
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** A key as it may appear in a path: element-like names as they are, anything else withheld. */
function safeKey(key: string | undefined): string {
  return key !== undefined && /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(key) ? key : '(key not shown)';
}

function pathOf(isArray: readonly boolean[], items: readonly number[], keys: readonly (string | undefined)[], last: string): string {
  let path = '';
  for (let level = 0; level < isArray.length - 1; level++) {
    if (isArray[level]) path += `[${items[level]}]`;
    else path += path === '' ? safeKey(keys[level]) : `.${safeKey(keys[level])}`;
  }
  return path === '' ? safeKey(last) : `${path}.${safeKey(last)}`;
}

/** The index of the quote closing the string that starts before `from`: one not preceded by an odd number of backslashes; -1 when none. */
function closingQuote(text: string, from: number): number {
  let end = text.indexOf('"', from);
  while (end > 0) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/** Where the text of a top-level member's object or array value lies: `text.slice(start, end)`. */
export interface JsonMemberSpan {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Scans JSON text in one linear pass without recursion: nesting depth, array sizes, and keys repeated
 * within one object (JSON.parse would silently keep the last; RFC 8259 leaves such text's meaning open).
 * @param members - when given, receives the span of every object or array value of the top-level object
 * @returns the first problem, or undefined when within limits.
 */
export function checkJsonShape(text: string, maxDepth = MAX_JSON_DEPTH, maxItems = MAX_JSON_ARRAY_ITEMS, members?: JsonMemberSpan[]): JsonShapeProblem | undefined {
  // Per open container: is it an array, how many commas (items - 1) so far, its keys so far and current key.
  const isArray: boolean[] = [];
  const items: number[] = [];
  const seen: (string[] | Set<string> | undefined)[] = [];
  const current: (string | undefined)[] = [];
  let expectKey = false;
  let memberStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 34: {
        const end = closingQuote(text, i + 1);
        if (end < 0) return undefined; // unterminated: JSON.parse reports it
        if (expectKey) {
          expectKey = false;
          const key = keyText(text.slice(i + 1, end));
          const top = seen.length - 1;
          const keys = seen[top] as string[] | Set<string>;
          const repeated = Array.isArray(keys) ? keys.includes(key) : keys.has(key);
          if (repeated) {
            const path = pathOf(isArray, items, current, key);
            return { kind: 'duplicate', message: `the key ${shown(key)} appears twice in one object (at ${path})`, path };
          }
          if (Array.isArray(keys)) {
            keys.push(key);
            if (keys.length > SMALL_OBJECT_KEYS) seen[top] = new Set(keys);
          } else keys.add(key);
          current[top] = key;
        }
        i = end;
        break;
      }
      case 91: // [
      case 123: // {
        if (isArray.length === 1 && !isArray[0]) memberStart = i;
        isArray.push(c === 91);
        items.push(0);
        seen.push(c === 91 ? undefined : []);
        current.push(undefined);
        expectKey = c === 123;
        if (isArray.length > maxDepth) return { kind: 'depth', message: `JSON nesting deeper than ${maxDepth} levels` };
        break;
      case 93: // ]
      case 125: // }
        if (isArray.length === 2 && memberStart >= 0) members?.push({ key: current[0] as string, start: memberStart, end: i + 1 });
        isArray.pop();
        items.pop();
        seen.pop();
        current.pop();
        expectKey = false;
        break;
      case 44: // ,
        if (isArray.length > 0) {
          if (isArray[isArray.length - 1]) {
            const n = ++items[items.length - 1];
            if (n >= maxItems) return { kind: 'items', message: `a JSON array with more than ${maxItems} items` };
          } else expectKey = true;
        }
        break;
      default:
        break;
    }
  }
  return undefined;
}

/** A top-level member value whose text is at least this long is remembered for the store (lib/json-source.ts). */
export const REMEMBER_TEXT_CHARS = 256 * 1024;

/** Parses JSON text of a request body (400 on malformed JSON or a repeated key, 413 on shapes over the limits). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw badRequest('The request body is empty; a FHIR resource was expected');
  const members: JsonMemberSpan[] = [];
  const shape = checkJsonShape(text, MAX_JSON_DEPTH, MAX_JSON_ARRAY_ITEMS, text.length >= REMEMBER_TEXT_CHARS ? members : undefined);
  if (shape !== undefined) {
    // Too deep or a repeated key is malformed input (400); too many items is a cost limit (413).
    if (shape.kind === 'items') throw fhirError(413, 'too-costly', `The request body is refused: ${shape.message}`);
    throw fhirError(400, 'structure', `The request body is refused: ${shape.message}`, shape.path === undefined ? {} : { expression: shape.path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  // The text of a large member (a CodeSystem's concept tree) is stored as received, not serialised again.
  if (members.length > 0 && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const { key, start, end } of members) {
      const member = object[key];
      if (end - start >= REMEMBER_TEXT_CHARS && typeof member === 'object' && member !== null) rememberJsonText(member, text.slice(start, end));
    }
  }
  return value;
}

/**
 * Reads and decodes a request body by its Content-Type.
 * @param options.requireBody - writes need a body (415 without a JSON media type)
 * @param options.admit - awaited once the body is read, before it is decoded (the heavy-body gate)
 */
export async function readBody(
  req: IncomingMessage,
  options: { readonly limit: number; readonly allowForm: boolean; readonly admit?: (bytes: number) => Promise<void> },
): Promise<DecodedBody> {
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return { kind: 'none' };
  const contentType = req.headers['content-type'];
  if (contentType === undefined) {
    req.resume();
    throw fhirError(415, 'not-supported', 'A request body needs a Content-Type: application/fhir+json');
  }
  const [mediaType, ...paramsRaw] = contentType.split(';').map((s) => s.trim().toLowerCase());
  const charset = paramsRaw.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    req.resume();
    throw fhirError(415, 'not-supported', `Only UTF-8 bodies are accepted, not charset=${shown(charset)}`);
  }
  if (!servesFhirVersion(paramsRaw)) {
    // A body of another FHIR version is a media type this server does not accept: 415, like a wrong charset.
    req.resume();
    throw fhirError(415, 'not-supported', `This server accepts FHIR R4 bodies only (fhirVersion ${SERVED_FHIR_VERSIONS.join(' or ')}), not fhirVersion=${shown(fhirVersionParameter(paramsRaw) ?? '')}`);
  }
  const isForm = mediaType === FORM_TYPE && options.allowForm;
  if (!JSON_TYPES.has(mediaType) && !isForm) {
    req.resume();
    throw fhirError(415, 'not-supported', `Content-Type ${MEDIA_TYPE.test(mediaType) ? mediaType : '(value not shown)'} is not supported; send application/fhir+json`);
  }
  const raw = await readRaw(req, options.limit);
  // Read in full first, then wait for admission to the costly steps (see heavy-gate.ts).
  await options.admit?.(raw.length);
  if (!isUtf8(raw)) throw badRequest('The request body is not valid UTF-8');
  const text = raw.toString('utf8');
  if (isForm) return { kind: 'form', pairs: [...new URLSearchParams(text).entries()] };
  return { kind: 'json', value: parseJsonBody(text) };
}
