/**
 * The codes an expansion has collected: light records (provider + concept number) keyed by system and code
 * — or system, version and code when versions are told apart — in the order found and as a hierarchy, and
 * the codes and systems excluded. The `contains` entries are built later, for the page returned only.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { CodeRecord } from './expansion-entries.ts';
import type { Paging } from './expansion-paging.ts';
import type { CodeSystemProvider } from './provider.ts';

/**
 * The collected codes by key — `system~code`, or `system~version~code` when versions are told apart — held
 * as system (or `system~version`) → code → record, so that no key string is built per code. That is the same
 * map as one keyed by the joined string as long as systems and versions hold no `~`; the first one that does
 * turns it into that joined-key map.
 */
class RecordMap {
  private readonly byPrefix = new Map<string, Map<string, CodeRecord>>();
  private joined: Map<string, CodeRecord> | undefined;

  get(prefix: string, code: string, safe: boolean): CodeRecord | undefined {
    if (!safe) this.join();
    if (this.joined !== undefined) return this.joined.get(`${prefix}~${code}`);
    return this.byPrefix.get(prefix)?.get(code);
  }

  set(prefix: string, code: string, safe: boolean, record: CodeRecord): void {
    if (!safe) this.join();
    if (this.joined !== undefined) {
      this.joined.set(`${prefix}~${code}`, record);
      return;
    }
    let codes = this.byPrefix.get(prefix);
    if (codes === undefined) {
      codes = new Map();
      this.byPrefix.set(prefix, codes);
    }
    codes.set(code, record);
  }

  private join(): void {
    if (this.joined !== undefined) return;
    const joined = new Map<string, CodeRecord>();
    for (const [prefix, codes] of this.byPrefix) for (const [code, record] of codes) joined.set(`${prefix}~${code}`, record);
    this.joined = joined;
  }
}

/** The codes of one expansion, as they are collected. */
export class CollectedCodes {
  /** Every record, in the order collected. */
  readonly all: CodeRecord[] = [];
  /** The records without a collected parent (the top of the hierarchy). */
  readonly roots: CodeRecord[] = [];
  /** True when codes of several versions of one system are kept apart (entries carry their version). */
  doingVersion = false;
  /** True when versions are matched anyway (the versionsMatch parameter, or excluding other versions). */
  versionsMatch = false;
  /** False once the codes can no longer be returned nested (duplicates, cycles, several sources, paging). */
  nestable: boolean;
  private readonly records = new RecordMap();
  private readonly excluded = new Set<string>();
  private readonly excludedSystems = new Set<string>();
  private readonly paging: Paging;

  constructor(paging: Paging, nestable: boolean) {
    this.paging = paging;
    this.nestable = nestable;
  }

  private get versioned(): boolean {
    return this.doingVersion && !this.versionsMatch;
  }

  /** The key of (system, version, code) in the exclusions. */
  key(system: string, version: string | undefined, code: string): string {
    return this.versioned ? `${system}~${version ?? ''}~${code}` : `${system}~${code}`;
  }

  /** The record with the key of (system, version, code), if collected. */
  recordOf(system: string, version: string | undefined, code: string): CodeRecord | undefined {
    if (this.versioned) return this.records.get(`${system}~${version ?? ''}`, code, !system.includes('~') && !(version ?? '').includes('~'));
    return this.records.get(system, code, !system.includes('~'));
  }

  /** Excludes one code, by its key. */
  exclude(key: string): void {
    this.excluded.add(key);
  }

  /** Excludes a whole system (`system`, or `system|version`). */
  excludeSystem(system: string): void {
    this.excludedSystems.add(system);
  }

  isExcluded(system: string, version: string | undefined, code: string): boolean {
    if (this.excludedSystems.has(system) || this.excludedSystems.has(`${system}|${version ?? ''}`)) return true;
    return this.excluded.has(this.key(system, version, code));
  }

  /** Records a code under `parent` (at the top when undefined). */
  add(rec: CodeRecord, parent: CodeRecord | undefined): void {
    if (this.versioned) {
      this.records.set(`${rec.system}~${rec.version ?? ''}`, rec.code, !rec.system.includes('~') && !(rec.version ?? '').includes('~'), rec);
    } else {
      this.records.set(rec.system, rec.code, !rec.system.includes('~'), rec);
    }
    this.all.push(rec);
    if (parent !== undefined) {
      (parent.children ??= []).push(rec);
    } else {
      this.roots.push(rec);
    }
  }

  /**
   * Adds a concept of a code system; returns its record, or undefined when it is off the page (light mode),
   * excluded or already present. The parent is given, or found by a resolver only once the code is taken.
   */
  include(
    provider: CodeSystemProvider,
    c: number,
    parentOrResolver: CodeRecord | ((c: number) => CodeRecord | undefined) | undefined,
    vsConcept: CodeRecord['vsConcept'],
    vsLanguage: string | undefined,
  ): CodeRecord | undefined {
    const paging = this.paging;
    if (paging.light && !paging.countOnPage()) return undefined;
    const code = provider.code(c);
    if (paging.hasExclusions && this.isExcluded(provider.url, provider.version, code)) return undefined;
    if (this.recordOf(provider.url, provider.version, code) !== undefined) {
      this.nestable = false;
      return undefined;
    }
    paging.checkRoom(this.all.length);
    const parent = typeof parentOrResolver === 'function' ? parentOrResolver(c) : parentOrResolver;
    const rec: CodeRecord = { system: provider.url, version: provider.version, code, provider, concept: c, vsConcept, vsLanguage };
    this.add(rec, parent);
    return rec;
  }

  /** The record of a concept's first parent, if collected. */
  parentRecord(provider: CodeSystemProvider, c: number): CodeRecord | undefined {
    const parent = provider.firstParent(c);
    return parent < 0 ? undefined : this.recordOf(provider.url, provider.version, provider.code(parent));
  }
}
