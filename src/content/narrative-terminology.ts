/**
 * Narrative renderers for terminology resources: CodeSystem (facts, declared properties, the concept hierarchy
 * with properties and designations) and ValueSet (the compose rules: systems, concept lists, filters, imports).
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 * @see https://hl7.org/fhir/R4/valueset.html
 */
import type {
  CodeSystem,
  CodeSystemConcept,
  CodeSystemConceptProperty,
  ValueSet,
  ValueSetComposeInclude,
} from '@medplum/fhirtypes';
import { coding, joined, metadataHeader } from './narrative-common.ts';
import type { Xhtml } from './xhtml.ts';
import { dataTable, el, factTable, fragment } from './xhtml.ts';

/**
 * The narrative body of a CodeSystem.
 */
export function codeSystemNarrative(cs: CodeSystem): Xhtml {
  const rows: (readonly [number, CodeSystemConcept])[] = [];
  const walk = (concepts: readonly CodeSystemConcept[] | undefined, level: number): void => {
    for (const concept of concepts ?? []) {
      rows.push([level, concept]);
      walk(concept.concept, level + 1);
    }
  };
  walk(cs.concept, 1);
  const hasDesignations = rows.some(([, c]) => (c.designation ?? []).length > 0);
  const hasProperties = rows.some(([, c]) => (c.property ?? []).length > 0);
  const headers = ['Level', 'Code', 'Display', 'Definition'];
  if (hasProperties) {
    headers.push('Properties');
  }
  if (hasDesignations) {
    headers.push('Designations');
  }
  return fragment(
    metadataHeader(cs),
    factTable([
      ['Content', cs.content],
      ['Supplements', cs.supplements !== undefined && el('code', cs.supplements)],
      ['Case sensitive', cs.caseSensitive === undefined ? undefined : String(cs.caseSensitive)],
      ['Hierarchy meaning', cs.hierarchyMeaning],
      ['Concept count', cs.count === undefined ? undefined : String(cs.count)],
    ]),
    (cs.property ?? []).length > 0 && [
      el('h3', 'Properties'),
      dataTable(
        ['Code', 'Type', 'URI', 'Description'],
        (cs.property ?? []).map((p) => [el('code', p.code), p.type, p.uri !== undefined && el('code', p.uri), p.description]),
      ),
    ],
    rows.length > 0 && [
      el('h3', 'Concepts'),
      dataTable(
        headers,
        rows.map(([level, c]) => {
          const cells: (Xhtml | string | undefined)[] = [String(level), el('code', c.code), c.display, c.definition];
          if (hasProperties) {
            cells.push(joined((c.property ?? []).map((p) => fragment(`${p.code} = `, propertyValue(p))), '; '));
          }
          if (hasDesignations) {
            cells.push(
              joined(
                (c.designation ?? []).map((d) =>
                  fragment(d.value, ' (', joined([d.language === undefined ? undefined : fragment(d.language), coding(d.use)], ', '), ')'),
                ),
                '; ',
              ),
            );
          }
          return cells;
        }),
      ),
    ],
  );
}

function propertyValue(p: CodeSystemConceptProperty): Xhtml {
  if (p.valueCode !== undefined) {
    return el('code', p.valueCode);
  }
  if (p.valueCoding !== undefined) {
    return coding(p.valueCoding) ?? fragment();
  }
  const scalar = p.valueString ?? p.valueBoolean ?? p.valueInteger ?? p.valueDateTime ?? p.valueDecimal;
  return fragment(scalar === undefined ? '' : String(scalar));
}

/**
 * The narrative body of a ValueSet: its compose rules.
 *
 * @see https://hl7.org/fhir/R4/valueset.html#compose
 */
export function valueSetNarrative(vs: ValueSet): Xhtml {
  const compose = vs.compose;
  return fragment(
    metadataHeader(vs),
    compose !== undefined && [
      el('h3', 'Definition'),
      factTable([
        ['Locked date', compose.lockedDate],
        ['Inactive codes', compose.inactive === undefined ? undefined : String(compose.inactive)],
      ]),
      el('ul', (compose.include ?? []).map((rule) => el('li', composeRule('Include', rule)))),
      (compose.exclude ?? []).length > 0 && el('ul', (compose.exclude ?? []).map((rule) => el('li', composeRule('Exclude', rule)))),
    ],
  );
}

function composeRule(verb: string, rule: ValueSetComposeInclude): Xhtml {
  const source =
    rule.system === undefined
      ? undefined
      : fragment('codes from ', el('code', rule.system), rule.version !== undefined && [' version ', rule.version]);
  const imports = (rule.valueSet ?? []).map((url) => el('code', url));
  const filters = (rule.filter ?? []).map((f) => fragment(el('code', f.property), ` ${f.op} `, el('code', f.value)));
  const concepts = rule.concept ?? [];
  return fragment(
    `${verb} `,
    source ?? 'all codes',
    imports.length > 0 && [source === undefined ? ' in ' : ' that are also in ', joined(imports, ' and ')],
    filters.length > 0 && [' where ', joined(filters, ' and ')],
    concepts.length > 0 && [
      ` (${concepts.length} listed):`,
      dataTable(['Code', 'Display'], concepts.map((c) => [el('code', c.code), c.display])),
    ],
  );
}
