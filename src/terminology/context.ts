/**
 * The per-request terminology context: the resource layers (the request's tx-resources, then the server's
 * store, then the FHIR core terminology), the parsed parameters and languages, the deadline and the size
 * limit. It resolves code systems and value sets by canonical URL and version, applying the version rules
 * of the request, and builds providers (with the supplements in scope).
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/ (system-version, check-system-version, force-system-version)
 */
import { splitCanonical } from '../fhir/canonical.ts';
import type { CodeSystem, ConceptMap, ValueSet } from '@medplum/fhirtypes';
import { FhirCodeSystemProvider } from './fhir-provider.ts';
import { txError } from './issues.ts';
import { formatMessage } from './messages.ts';
import type { TxParams, VersionRule } from './params.ts';
import type { TerminologyResources } from './resources.ts';
import { compareVersions, hasWildcards, versionMatches } from '../fhir/versions.ts';

/**
 * Default maximum number of codes an expansion may produce (unless paged with `count`).
 */
export const MAX_EXPANSION_SIZE = 50_000;
/**
 * Default time budget of one terminology operation.
 */
export const OPERATION_TIME_LIMIT_MS = 10_000;

const SUPPLEMENT_TYPE = 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type';

/**
 * Options of a context.
 */
export interface TxContextOptions {
  /** Resource layers, highest priority first (tx-resources, store, core). */
  readonly layers: readonly TerminologyResources[];
  readonly params: TxParams;
  /** Absolute deadline (ms since epoch). */
  readonly deadline: number;
  /** Maximum number of codes an unpaged expansion may produce. */
  readonly maxExpansionSize?: number;
}

function canonicalOf(r: { url?: string; version?: string }): string {
  return r.version !== undefined ? `${r.url}|${r.version}` : (r.url ?? '');
}


/** Providers without supplements, shared by all requests (dropped with their resource). */
const sharedProviders = new WeakMap<CodeSystem, FhirCodeSystemProvider>();

/**
 * The per-request context.
 */
export class TxContext {
  readonly layers: readonly TerminologyResources[];
  readonly params: TxParams;
  readonly deadline: number;
  readonly maxExpansionSize: number;
  /** Supplements a value set requires (valueset-supplement extension), in addition to `useSupplement`. */
  readonly requiredSupplements = new Set<string>();
  /** Required supplements (request or value set) that a code system in use has applied. */
  readonly usedSupplements = new Set<string>();
  private readonly providers = new Map<CodeSystem, FhirCodeSystemProvider>();
  private ticks = 0;

  constructor(options: TxContextOptions) {
    this.layers = options.layers;
    this.params = options.params;
    this.deadline = options.deadline;
    this.maxExpansionSize = options.maxExpansionSize ?? MAX_EXPANSION_SIZE;
  }

  /** Throws 422 too-costly when the deadline has passed (checked every 256 calls). */
  checkDeadline(what: string): void {
    if ((++this.ticks & 255) !== 0) return;
    if (Date.now() > this.deadline) {
      throw txError(422, {
        severity: 'error',
        code: 'too-costly',
        messageId: 'VALUESET_TOO_COSTLY_TIME',
        text: formatMessage('VALUESET_TOO_COSTLY_TIME', [what, String(OPERATION_TIME_LIMIT_MS / 1000), 'processing']),
      });
    }
  }

  /** Every known version of a code system (all layers, sorted, supplements excluded). */
  listVersions(url: string): string[] {
    const set = new Set<string>();
    for (const layer of this.layers) {
      for (const cs of layer.findCodeSystems({ url })) {
        if (cs.version !== undefined && cs.content !== 'supplement') set.add(cs.version);
      }
    }
    return [...set].sort();
  }

  /** True when any layer knows the code system (any version). */
  knowsCodeSystem(url: string): boolean {
    return this.layers.some((l) => l.findCodeSystems({ url }).length > 0);
  }

  /**
   * The version to use for a system given the version asked for: an override rule wins, then the asked
   * version, then a default rule, then a check rule.
   */
  determineVersion(url: string, version: string | undefined, valueSet = false): string | undefined {
    const rules = this.params.rulesFor(url, valueSet);
    if (rules.length === 0) return version !== undefined && version !== '' ? version : undefined;
    const override = rules.find((r) => r.mode === 'override');
    if (override !== undefined) return override.version;
    if (version !== undefined && version !== '') return version;
    const dflt = rules.find((r) => r.mode === 'default');
    if (dflt !== undefined) return dflt.version;
    const check = rules.find((r) => r.mode === 'check');
    return check?.version;
  }

  /** The version rule that decided `determineVersion`, if any. */
  ruleApplied(url: string, version: string | undefined, valueSet = false): VersionRule | undefined {
    const rules = this.params.rulesFor(url, valueSet);
    if (rules.length === 0) return undefined;
    const override = rules.find((r) => r.mode === 'override');
    if (override !== undefined) return override;
    if (version !== undefined && version !== '') return undefined;
    return rules.find((r) => r.mode === 'default') ?? rules.find((r) => r.mode === 'check');
  }

  /**
   * Finds a CodeSystem resource: in each layer (highest priority first) the versions matching `version`
   * (exact or wildcard; any when undefined), the latest of them. `kinds` restricts content modes.
   */
  findCodeSystem(url: string, version: string | undefined, kinds: readonly string[] = ['complete', 'fragment', 'example', 'not-present']): CodeSystem | undefined {
    for (const layer of this.layers) {
      let best: CodeSystem | undefined;
      for (const cs of layer.findCodeSystems({ url })) {
        if (!kinds.includes(cs.content ?? 'complete')) continue;
        if (version !== undefined && version !== '' && !matchesVersion(version, cs)) continue;
        if (best === undefined || compareVersions(cs.version ?? '', best.version ?? '') > 0) best = cs;
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** Finds a ValueSet by canonical URL (`url|version` allowed) and version. */
  findValueSet(canonical: string, version?: string): ValueSet | undefined {
    const parts = splitCanonical(canonical);
    const v = version ?? parts.version;
    for (const layer of this.layers) {
      let best: ValueSet | undefined;
      for (const vs of layer.findValueSets({ url: parts.url })) {
        if (v !== undefined && v !== '' && !matchesVersion(v, vs)) continue;
        if (best === undefined || compareVersions(vs.version ?? '', best.version ?? '') > 0) best = vs;
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** Finds a ConceptMap by canonical URL and version. */
  findConceptMap(canonical: string, version?: string): ConceptMap | undefined {
    const parts = splitCanonical(canonical);
    const v = version ?? parts.version;
    for (const layer of this.layers) {
      let best: ConceptMap | undefined;
      for (const cm of layer.findConceptMaps({ url: parts.url })) {
        if (v !== undefined && v !== '' && cm.version !== v) continue;
        if (best === undefined || compareVersions(cm.version ?? '', best.version ?? '') > 0) best = cm;
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** ConceptMaps that could translate between these scopes / from this system. */
  findConceptMapsFor(query: { source?: string; target?: string; system?: string }): ConceptMap[] {
    const out: ConceptMap[] = [];
    for (const layer of this.layers) out.push(...(layer.findConceptMapsFor?.(query) ?? []));
    return out;
  }

  /** Reads a resource by id from the layers. */
  readById(resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap', id: string): CodeSystem | ValueSet | ConceptMap | undefined {
    for (const layer of this.layers) {
      const r = layer.readById?.(resourceType, id);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** Supplements in scope for a code system: language packs and the ones the request or value set names. */
  supplementsFor(cs: CodeSystem): CodeSystem[] {
    const url = cs.url ?? '';
    const out: CodeSystem[] = [];
    let stated: Set<string> | undefined;
    for (const layer of this.layers) {
      for (const s of layer.findSupplements?.({ url }) ?? []) {
        const target = s.supplements ?? '';
        const bar = target.indexOf('|');
        if (bar >= 0 && cs.version !== undefined && target.substring(bar + 1) !== cs.version) continue;
        const langPack = (s.extension ?? []).some((e) => e.url === SUPPLEMENT_TYPE && (e.valueCode ?? e.valueString) === 'lang-pack');
        stated ??= new Set([...this.params.supplements, ...this.requiredSupplements]);
        const isStated = stated.has(s.url ?? '') || stated.has(canonicalOf(s));
        if ((langPack || isStated) && !out.includes(s)) out.push(s);
      }
    }
    return out;
  }

  /**
   * The provider for a CodeSystem resource in this request: shared between requests when no supplement
   * applies (the common case, so a request allocates nothing for it), else bound to the supplements.
   */
  provider(cs: CodeSystem): FhirCodeSystemProvider {
    let p = this.providers.get(cs);
    if (p === undefined) {
      const supplements = this.supplementsFor(cs);
      if (supplements.length === 0) {
        p = sharedProviders.get(cs);
        if (p === undefined) {
          p = new FhirCodeSystemProvider(cs, []);
          sharedProviders.set(cs, p);
        }
      } else {
        p = new FhirCodeSystemProvider(cs, supplements);
      }
      this.providers.set(cs, p);
    }
    return p;
  }

  /** Records which required supplements a provider in use applies. */
  noteSupplementsOf(provider: { supplements: readonly CodeSystem[] }): void {
    if (this.params.supplements.size === 0 && this.requiredSupplements.size === 0) return;
    for (const req of [...this.params.supplements, ...this.requiredSupplements]) {
      if (provider.supplements.some((s) => s.url === req || canonicalOf(s) === req)) this.usedSupplements.add(req);
    }
  }

  /** Required supplements (request or value set) that no code system in use applied. */
  missingSupplements(): string[] {
    if (this.params.supplements.size === 0 && this.requiredSupplements.size === 0) return [];
    return [...new Set([...this.params.supplements, ...this.requiredSupplements])].filter((s) => !this.usedSupplements.has(s));
  }

  /** True when a supplement (url or url|version) is known to any layer. */
  supplementExists(canonical: string): boolean {
    const { url, version } = splitCanonical(canonical);
    for (const layer of this.layers) {
      for (const cs of layer.findCodeSystems({ url })) {
        if (cs.content === 'supplement' && (version === undefined || cs.version === version)) return true;
      }
    }
    return false;
  }
}

/**
 * True when a resource's version satisfies the criteria (exact, or wildcard).
 */
export function matchesVersion(criteria: string, resource: { version?: string }): boolean {
  const v = resource.version;
  if (v === undefined) return false;
  if (criteria === v) return true;
  return hasWildcards(criteria) && versionMatches(criteria, v);
}
