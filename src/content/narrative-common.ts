/**
 * Narrative pieces shared by every resource type: the metadata header and renderings of the common data types
 * (Coding, CodeableConcept, UsageContext, RelatedArtifact, Timing, Expression).
 *
 * @see https://hl7.org/fhir/R4/narrative.html
 * @see https://hl7.org/fhir/R4/datatypes.html
 */
import type {
  CodeableConcept,
  Coding,
  Expression,
  RelatedArtifact,
  Timing,
  UsageContext,
} from '@medplum/fhirtypes';
import type { Xhtml, XhtmlContent } from './xhtml.ts';
import { el, factTable, fragment, markdownBlock } from './xhtml.ts';

/** The metadata a canonical (CRMI shareable) resource carries. @see https://hl7.org/fhir/R4/resource.html#canonical */
export interface CanonicalMetadata {
  readonly resourceType: string;
  readonly url?: string;
  readonly version?: string;
  readonly name?: string;
  readonly title?: string;
  readonly subtitle?: string;
  readonly status?: string;
  readonly experimental?: boolean;
  readonly date?: string;
  readonly publisher?: string;
  readonly description?: string;
  readonly copyright?: string;
  readonly useContext?: readonly UsageContext[];
  readonly topic?: readonly CodeableConcept[];
}

/**
 * Title, identity line, description and copyright of a canonical resource.
 */
export function metadataHeader(resource: CanonicalMetadata): Xhtml {
  const heading = resource.title ?? resource.name ?? resource.resourceType;
  const identity = [
    resource.resourceType,
    resource.name,
    resource.version === undefined ? undefined : `version ${resource.version}`,
    resource.status === undefined ? undefined : `(${resource.status}${resource.experimental ? ', experimental' : ''})`,
  ].filter((part): part is string => part !== undefined);
  return fragment(
    el('h2', heading),
    resource.subtitle !== undefined && el('p', el('i', resource.subtitle)),
    el('p', identity.join(' '), resource.url !== undefined && [': ', el('code', resource.url)]),
    markdownBlock(resource.description),
    factTable([
      ['Publisher', resource.publisher],
      ['Date', resource.date],
      ['Use context', usageContexts(resource.useContext)],
      ['Topic', codeableConcepts(resource.topic)],
      ['Copyright', resource.copyright],
    ]),
  );
}

/**
 * `display (system#code)` for a Coding, or as much of it as is present.
 *
 * @see https://hl7.org/fhir/R4/datatypes.html#Coding
 */
export function coding(value: Coding | undefined): Xhtml | undefined {
  if (value === undefined) {
    return undefined;
  }
  const ref = `${value.system ?? ''}${value.version === undefined ? '' : `|${value.version}`}#${value.code ?? ''}`;
  return value.display === undefined ? el('code', ref) : fragment(value.display, ' (', el('code', ref), ')');
}

/**
 * The text of a CodeableConcept followed by its codings.
 *
 * @see https://hl7.org/fhir/R4/datatypes.html#CodeableConcept
 */
export function codeableConcept(value: CodeableConcept | undefined): Xhtml | undefined {
  if (value === undefined) {
    return undefined;
  }
  const codings = (value.coding ?? []).map((c) => coding(c));
  // A text that only repeats the display of its codings adds nothing to the rendering.
  if (value.text === undefined || (value.coding ?? []).some((c) => c.display === value.text)) {
    return joined(codings, '; ') ?? (value.text === undefined ? undefined : fragment(value.text));
  }
  return codings.length === 0 ? fragment(value.text) : fragment(value.text, ' [', joined(codings, '; '), ']');
}

/**
 * Several CodeableConcepts, separated by `; `.
 */
export function codeableConcepts(values: readonly CodeableConcept[] | undefined): Xhtml | undefined {
  if (values === undefined || values.length === 0) {
    return undefined;
  }
  return joined(values.map((v) => codeableConcept(v)), '; ');
}

/**
 * Use contexts as a list of `type: value`.
 *
 * @see https://hl7.org/fhir/R4/metadatatypes.html#UsageContext
 */
export function usageContexts(values: readonly UsageContext[] | undefined): Xhtml | undefined {
  if (values === undefined || values.length === 0) {
    return undefined;
  }
  return el(
    'ul',
    values.map((u) => el('li', u.code.display ?? u.code.code ?? '', ': ', usageContextValue(u))),
  );
}

function usageContextValue(u: UsageContext): XhtmlContent {
  if (u.valueCodeableConcept !== undefined) {
    return codeableConcept(u.valueCodeableConcept);
  }
  if (u.valueQuantity !== undefined) {
    return `${u.valueQuantity.value ?? ''} ${u.valueQuantity.unit ?? u.valueQuantity.code ?? ''}`.trim();
  }
  if (u.valueRange !== undefined) {
    return `${u.valueRange.low?.value ?? ''} to ${u.valueRange.high?.value ?? ''} ${u.valueRange.high?.unit ?? ''}`.trim();
  }
  return u.valueReference?.reference ?? u.valueReference?.display;
}

/**
 * Related artifacts as a list: `type — label: display (resource or url)`.
 *
 * @see https://hl7.org/fhir/R4/metadatatypes.html#RelatedArtifact
 */
export function relatedArtifacts(values: readonly RelatedArtifact[] | undefined): Xhtml | undefined {
  if (values === undefined || values.length === 0) {
    return undefined;
  }
  return el(
    'ul',
    values.map((artifact) => {
      const target = artifact.resource ?? artifact.url ?? artifact.document?.url;
      return el(
        'li',
        el('b', artifact.label ?? artifact.type),
        ` (${artifact.type})`,
        artifact.display !== undefined && [': ', artifact.display],
        artifact.citation !== undefined && [' ', artifact.citation],
        target !== undefined && [' ', el('code', target)],
      );
    }),
  );
}

const TIMING_UNITS: Readonly<Record<string, string>> = {
  s: 'second(s)', min: 'minute(s)', h: 'hour(s)', d: 'day(s)', wk: 'week(s)', mo: 'month(s)', a: 'year(s)',
};

/**
 * A Timing in words: duration (range), frequency and period, count, bounds, and its code.
 *
 * @see https://hl7.org/fhir/R4/datatypes.html#Timing
 */
export function timing(value: Timing | undefined): Xhtml | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parts: string[] = [];
  const r = value.repeat;
  if (r !== undefined) {
    if (r.duration !== undefined) {
      const unit = unitWords(r.durationUnit);
      parts.push(r.durationMax === undefined
        ? `lasts ${r.duration} ${unit}`
        : `lasts ${r.duration} to ${r.durationMax} ${unit}`);
    }
    if (r.frequency !== undefined && r.period !== undefined) {
      parts.push(`${r.frequency} time(s) every ${r.period} ${unitWords(r.periodUnit)}`);
    }
    if (r.count !== undefined) {
      parts.push(r.countMax === undefined ? `${r.count} time(s)` : `${r.count} to ${r.countMax} time(s)`);
    }
    if (r.boundsDuration !== undefined) {
      parts.push(`within ${r.boundsDuration.value ?? ''} ${r.boundsDuration.unit ?? r.boundsDuration.code ?? ''}`.trim());
    }
  }
  return fragment(parts.join('; '), value.code !== undefined && [parts.length > 0 ? '; ' : '', codeableConcept(value.code)]);
}

function unitWords(unit: string | undefined): string {
  return unit === undefined ? '' : (TIMING_UNITS[unit] ?? unit);
}

/**
 * An Expression: its description, language and the expression text.
 *
 * @see https://hl7.org/fhir/R4/metadatatypes.html#Expression
 */
export function expression(value: Expression | undefined): Xhtml | undefined {
  if (value === undefined) {
    return undefined;
  }
  return fragment(
    value.description !== undefined && [value.description, ' '],
    `(${value.language}): `,
    el('code', value.expression ?? value.reference ?? ''),
  );
}

/**
 * Joins rendered pieces with a separator, skipping empty ones.
 *
 * @see https://hl7.org/fhir/R4/narrative.html#xhtml
 */
export function joined(items: readonly (Xhtml | undefined)[], separator: string): Xhtml | undefined {
  const kept = items.filter((item): item is Xhtml => item !== undefined && item.xhtml !== '');
  if (kept.length === 0) {
    return undefined;
  }
  return fragment(kept.flatMap((item, index) => (index === 0 ? [item] : [separator, item])));
}
