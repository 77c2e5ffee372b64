/**
 * The code system provider interface: everything the terminology engine needs from one version of one code
 * system, whatever stores it (a FHIR CodeSystem resource, a database of a large external terminology, an
 * algorithmic system). Concepts are identified by a number that is only meaningful to the provider that
 * returned it (for the FHIR provider: the concept's position in document order), so hot paths allocate
 * nothing.
 *
 * Contract:
 * - `locate(code)` is O(1) and returns -1 for an unknown code; for a case-insensitive system it also
 *   matches other cases, and `code(c)` then gives the normal form.
 * - `designations(c)` lists every known designation, the display first (use = preferredForLanguage,
 *   language = the code system language), then designations, then supplement designations.
 * - `filter(...)` returns undefined when the filter is not supported; the caller reports it.
 * - Providers are immutable and shared between requests; per-request data (supplements chosen by the
 *   request) is bound by creating a new provider over the same index, which is cheap.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 * @see https://hl7.org/fhir/R4/terminology-service.html
 */
import type { CodeSystem, CodeSystemConceptProperty, CodeSystemProperty, Coding, Extension } from '@medplum/fhirtypes';

/**
 * A designation of a concept.
 */
export interface Designation {
  readonly language?: string;
  readonly use?: Coding;
  readonly value: string;
  /** True for the concept's display (the preferred designation in the code system's language). */
  readonly isDisplay?: boolean;
  /** Status of the designation when known (`active`, `inactive`, `deprecated`, `withdrawn`). */
  readonly status?: string;
  readonly extension?: readonly Extension[];
  /** Canonical (`url|version`) of the supplement that contributed this designation. */
  readonly source?: string;
}

/**
 * A set of concepts selected by a filter.
 */
export interface ConceptFilter {
  /** True when concept `c` passes the filter. */
  has(c: number): boolean;
  /**
   * Calls `fn` for each passing concept in concept order; stops when `fn` returns false. When absent, the
   * caller walks all concepts and tests `has`.
   */
  forEach?(fn: (c: number) => boolean | void): void;
  /** When the passing concepts are exactly a contiguous range of concept numbers: [from, to). */
  range?(): readonly [number, number] | undefined;
}

/**
 * Metadata of a code system version, as reported in messages and `used-codesystem`.
 */
export interface CodeSystemInfo {
  readonly url: string;
  readonly version?: string;
  readonly name?: string;
  readonly title?: string;
  /** CodeSystem.content: complete | fragment | example | not-present | supplement. */
  readonly content: string;
  readonly caseSensitive: boolean;
  /** The code system's language (CodeSystem.language). */
  readonly language?: string;
  readonly status?: string;
  readonly experimental?: boolean;
  /** The `structuredefinition-standards-status` extension value. */
  readonly standardsStatus?: string;
  /** CodeSystem.valueSet (the all-codes value set). */
  readonly valueSet?: string;
  readonly hierarchyMeaning?: string;
  /** versionAlgorithm (R5 element or its R4 extension), e.g. `semver`. */
  readonly versionAlgorithm?: string;
}

/**
 * One version of one code system.
 */
export interface CodeSystemProvider extends CodeSystemInfo {
  /** Number of concepts; concept numbers run from 0 to size - 1. */
  readonly size: number;
  /** Property definitions (CodeSystem.property). */
  readonly propertyDefinitions: readonly CodeSystemProperty[];
  /** Supplements applied to this provider (their canonical `url|version`). */
  readonly supplements: readonly CodeSystem[];
  /** The resource, for providers backed by one. */
  readonly resource?: CodeSystem;

  locate(code: string): number;
  code(c: number): string;
  /** The display in the code system's own language. */
  display(c: number): string | undefined;
  definition(c: number): string | undefined;
  designations(c: number): readonly Designation[];
  /** Concept properties (including supplement properties), as in the resource. */
  properties(c: number): readonly CodeSystemConceptProperty[];
  extensions(c: number): readonly Extension[];
  isAbstract(c: number): boolean;
  isInactive(c: number): boolean;
  isDeprecated(c: number): boolean;
  /** The concept's status (`active`, `inactive`, `retired`, `deprecated`, …) when stated. */
  conceptStatus(c: number): string | undefined;
  parents(c: number): ArrayLike<number>;
  /** The first of `parents(c)`, or -1 when it has none (without allocating). */
  firstParent(c: number): number;
  children(c: number): ArrayLike<number>;
  roots(): ArrayLike<number>;
  /** True when `descendant` is `ancestor` or below it. */
  subsumes(ancestor: number, descendant: number): boolean;
  /** A filter (property, op, value), or undefined when not supported. */
  filter(property: string, op: string, value: string): ConceptFilter | undefined;
  /**
   * Text search: concepts whose display or designations have, for every word of `text`, a word starting
   * with it; in concept order, optionally only within the concept range [from, to); stops when `fn`
   * returns false.
   */
  searchText(text: string, fn: (c: number) => boolean | void, range?: readonly [number, number]): void;
  /** True when any concept has a display or designation in one of these languages. */
  hasLanguage(language: string): boolean;
}
