/**
 * An inverted token-prefix index over concept texts (displays and designations), for the `filter`
 * parameter of $expand. Tokens are lower-cased runs of letters and digits; a query word matches every token
 * it is a prefix of; a multi-word query needs every word to match (AND). Postings are concept numbers in
 * ascending order, which is the code system's own (static) rank order, so the first `count` matches are
 * found without scoring or sorting.
 *
 * Built once per code system version; queries allocate nothing once a prefix's postings are cached.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html (parameter `filter`)
 */

/**
 * Maximum number of cached multi-token prefix posting lists per index.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export const MAX_CACHED_PREFIXES = 4096;

const TOKEN = /[\p{L}\p{N}]+/gu;

/**
 * Splits a text into lower-cased tokens.
 */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/**
 * The inverted index.
 */
export class TextIndex {
  private readonly tokens: string[];
  private readonly start: Int32Array;
  private readonly postings: Int32Array;
  private readonly prefixCache = new Map<string, Int32Array>();

  /** Builds the index from a function giving the texts of concept `i` (0 ≤ i < size). */
  constructor(size: number, textsOf: (i: number) => readonly string[]) {
    // One pass: token ids and (token, concept) pairs in growable typed arrays; then a counting sort.
    const ids = new Map<string, number>();
    let pairTokens = new Int32Array(1 << 16);
    let pairConcepts = new Int32Array(1 << 16);
    let pairs = 0;
    const lastConceptOfToken: number[] = [];
    for (let i = 0; i < size; i++) {
      for (const text of textsOf(i)) {
        for (const tok of tokenize(text)) {
          let id = ids.get(tok);
          if (id === undefined) {
            id = ids.size;
            ids.set(tok, id);
            lastConceptOfToken.push(-1);
          }
          if (lastConceptOfToken[id] === i) continue;
          lastConceptOfToken[id] = i;
          if (pairs === pairTokens.length) {
            const t = new Int32Array(pairs * 2);
            t.set(pairTokens);
            pairTokens = t;
            const c = new Int32Array(pairs * 2);
            c.set(pairConcepts);
            pairConcepts = c;
          }
          pairTokens[pairs] = id;
          pairConcepts[pairs] = i;
          pairs++;
        }
      }
    }
    const byId = [...ids.keys()];
    const order = byId.map((_, k) => k).sort((a, b) => (byId[a] < byId[b] ? -1 : byId[a] > byId[b] ? 1 : 0));
    const rank = new Int32Array(byId.length);
    order.forEach((id, r) => {
      rank[id] = r;
    });
    this.tokens = order.map((id) => byId[id]);
    this.start = new Int32Array(this.tokens.length + 1);
    for (let k = 0; k < pairs; k++) this.start[rank[pairTokens[k]] + 1]++;
    for (let t = 0; t < this.tokens.length; t++) this.start[t + 1] += this.start[t];
    this.postings = new Int32Array(pairs);
    const fill = this.start.slice(0, this.tokens.length);
    // Pairs were produced in ascending concept order, so each posting list comes out sorted.
    for (let k = 0; k < pairs; k++) this.postings[fill[rank[pairTokens[k]]]++] = pairConcepts[k];
  }

  private lowerBound(s: string): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tokens[mid] < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The ascending concept numbers having a token that starts with `prefix` (a cached or shared array). */
  postingsFor(prefix: string): Int32Array {
    const lo = this.lowerBound(prefix);
    let hi = lo;
    while (hi < this.tokens.length && this.tokens[hi].startsWith(prefix)) hi++;
    if (hi === lo) return EMPTY;
    if (hi === lo + 1) return this.postings.subarray(this.start[lo], this.start[lo + 1]);
    const cached = this.prefixCache.get(prefix);
    if (cached !== undefined) return cached;
    const merged = this.merge(lo, hi);
    if (this.prefixCache.size >= MAX_CACHED_PREFIXES) {
      const oldest = this.prefixCache.keys().next().value;
      if (oldest !== undefined) this.prefixCache.delete(oldest);
    }
    this.prefixCache.set(prefix, merged);
    return merged;
  }

  private merge(lo: number, hi: number): Int32Array {
    const seen = new Set<number>();
    for (let t = lo; t < hi; t++) {
      for (let p = this.start[t]; p < this.start[t + 1]; p++) seen.add(this.postings[p]);
    }
    const out = Int32Array.from(seen);
    out.sort();
    return out;
  }

  /**
   * The posting lists of a query's words, shortest first, or undefined when the query has no words.
   * A concept matches when it is in every list.
   */
  query(text: string): Int32Array[] | undefined {
    const words = tokenize(text);
    if (words.length === 0) return undefined;
    const lists = words.map((w) => this.postingsFor(w));
    lists.sort((a, b) => a.length - b.length);
    return lists;
  }
}

const EMPTY = new Int32Array(0);

/**
 * The first position ≥ `from` in the ascending `list` whose value is ≥ `value` (galloping search).
 */
export function gallop(list: Int32Array, from: number, value: number): number {
  let lo = from;
  if (lo >= list.length || list[lo] >= value) return lo;
  let step = 1;
  while (lo + step < list.length && list[lo + step] < value) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(lo + step, list.length);
  lo += 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Calls `fn` for each concept in all the (ascending) lists, in ascending order, optionally only within
 * [from, to); stops when `fn` returns false. Cursors advance by galloping, so a page of matches costs
 * O(matches × log gap), not a scan.
 */
export function forEachIntersection(lists: readonly Int32Array[], fn: (c: number) => boolean | void, from = 0, to = Number.MAX_SAFE_INTEGER): void {
  const first = lists[0];
  const cursors = lists.map(() => 0);
  let k = gallop(first, 0, from);
  for (; k < first.length; k++) {
    const c = first[k];
    if (c >= to) return;
    let ok = true;
    for (let j = 1; j < lists.length; j++) {
      const list = lists[j];
      const p = gallop(list, cursors[j], c);
      cursors[j] = p;
      if (p >= list.length) return;
      if (list[p] !== c) {
        ok = false;
        break;
      }
    }
    if (ok && fn(c) === false) return;
  }
}
