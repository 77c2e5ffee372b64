/**
 * The serialised bytes of terminology answers that are the same every time: a `$lookup`, `$validate-code` or
 * `$expand` read (GET/HEAD, type or system level) keyed by its canonical inputs — the operation, the query
 * parameters in a canonical order, and the request headers the operation reads — and valid for one state of the terminology
 * resources. Any committed change of a CodeSystem, ValueSet, ConceptMap or NamingSystem (local write, or a
 * change applied from another replica through the repository's change listeners) drops every entry, and an
 * answer computed while a change happened is not kept: a stale answer is never served.
 *
 * Bounded in memory: least recently used entries are dropped once the bytes held (bodies and keys) pass
 * `maxBytes`; an answer larger than an eighth of that is not kept.
 *
 * Instance-level calls (`ValueSet/{id}/$expand`) are not cached: with a shared database, their read of the
 * resource consults the database, and must keep seeing another replica's write at once.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://hl7.org/fhir/R4/codesystem-operation-lookup.html
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import { LRUCache } from 'lru-cache';

/** Operations whose GET answers are cached. */
export const CACHED_OPERATIONS: ReadonlySet<string> = new Set(['lookup', 'validate-code', 'expand']);

/** Resource types whose changes can change a cached answer. */
export const TERMINOLOGY_TYPES: ReadonlySet<string> = new Set(['CodeSystem', 'ValueSet', 'ConceptMap', 'NamingSystem']);

/** Request headers a terminology operation reads (part of the key). */
const KEY_HEADERS = ['accept-language', 'x-too-costly-threshold'] as const;

/** Query parameters that change only the rendering of the bytes, not the answer (handled after the cache). */
const RENDERING_PARAMETERS: ReadonlySet<string> = new Set(['_format', '_pretty']);

/** Default bound: 32 MB of answers. */
export const DEFAULT_ANSWER_CACHE_BYTES = 32 * 1024 * 1024;

/** What a key is made of. */
export interface AnswerRequest {
  readonly level: string;
  readonly resourceType: string | undefined;
  readonly code: string;
  readonly pairs: readonly (readonly [string, string])[];
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * The canonical key of a request: parameters sorted by name (the order of repeated values of one name kept,
 * as it can matter), rendering parameters left out, the headers the operation reads appended.
 */
export function answerKey(request: AnswerRequest): string {
  const pairs = request.pairs.filter(([k]) => !RENDERING_PARAMETERS.has(k));
  const sorted = pairs
    .map((p, i) => [p, i] as const)
    .sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j))
    .map(([[k, v]]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const headers = KEY_HEADERS.map((h) => request.headers[h] ?? '').join('\n');
  return `${request.level}|${request.resourceType ?? ''}|${request.code}|${sorted.join('&')}|${headers}`;
}

/**
 * A serialised answer: JSON text, or its UTF-8 bytes. Small answers are kept as text: node:http writes a
 * text body together with the head in one write, while bytes go out as a second chunk of a `writev` — which
 * took about twice the time per answer in the `$lookup` and `$validate-code` profiles.
 */
export type CachedBody = string | Buffer;

/** A bounded LRU of serialised answers, invalidated by terminology changes. */
export class AnswerCache {
  // lru-cache keeps the recency order in a linked list over typed arrays: a hit is O(1). A `Map` moved a
  // hit to the end by delete + set, which V8 makes cost in proportion to the entries held (3 µs at 12,000,
  // measured; a third of the server's CPU in the filtered `$expand` benchmark).
  private readonly entries: LRUCache<string, CachedBody>;
  /** Bumped on every terminology change; an answer started under another generation is not kept. */
  private gen = 0;

  /** Bytes held at most. */
  readonly maxBytes: number;

  constructor(maxBytes: number = DEFAULT_ANSWER_CACHE_BYTES) {
    this.maxBytes = maxBytes;
    this.entries = new LRUCache<string, CachedBody>({
      maxSize: maxBytes,
      maxEntrySize: maxBytes / 8,
      // A string is counted at two bytes a character (its most), bytes at their length.
      sizeCalculation: (body, key) => Math.max(1, (typeof body === 'string' ? body.length * 2 : body.length) + key.length * 2),
    });
  }

  /** The current generation (read before computing an answer, passed to `set`). */
  get generation(): number {
    return this.gen;
  }

  /** Bytes held (bodies and keys). */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The cached answer of a key, marked as most recently used. */
  get(key: string): CachedBody | undefined {
    return this.entries.get(key);
  }

  /**
   * Keeps an answer computed under `generation`; ignored when a change happened since, or when the
   * answer is too large to be worth its room.
   */
  set(key: string, body: CachedBody, generation: number): void {
    if (generation !== this.gen) return;
    this.entries.set(key, body);
  }

  /** A committed change of a resource: drops every answer when it is a terminology resource. */
  changed(resourceType: string): void {
    if (!TERMINOLOGY_TYPES.has(resourceType)) return;
    this.gen++;
    this.entries.clear();
  }
}
