/**
 * The specialised check of a CodeSystem's concept tree (src/validation/codesystem-concepts.ts) reports what
 * the generic checks report. A legal element `id` on one concept makes a tree not plain, so the same
 * content is validated both ways and the issues compared — for well-formed trees, and for trees with the
 * mistakes a large code system tends to carry.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';
import { scanConceptTree } from '../../src/validation/codesystem-concepts.ts';
import { createValidator } from '../../src/validation/validator.ts';
import { summarize } from './helpers.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';

const validator = createValidator({ bindingTerminology: createBindingTerminology() });

function codeSystem(concept: CodeSystemConcept[]): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: 'tree',
    url: 'https://example.org/fhir/CodeSystem/tree',
    status: 'active',
    content: 'complete',
    property: [
      { code: 'status', type: 'code' },
      { code: 'rank', type: 'integer' },
      { code: 'kind', type: 'Coding' },
    ],
    concept,
  };
}

/** The same resource with an element id on its first concept: a tree the specialised check leaves to the generic one. */
function generic(cs: CodeSystem): CodeSystem {
  const copy = structuredClone(cs);
  (copy.concept as (CodeSystemConcept & { id?: string })[])[0].id = 'first';
  return copy;
}

const USES = [
  { system: 'http://snomed.info/sct', code: '900000000000013009', display: 'Synonym' },
  { system: 'http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra', code: 'preferredForLanguage', display: 'Preferred For Language' },
  { system: 'http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra', code: 'preferredForLanguage', display: 'Not its display' },
  { system: 'http://terminology.hl7.org/CodeSystem/designation-usage', code: 'no-such-code' },
];

const conceptArb = (code: string): fc.Arbitrary<CodeSystemConcept> =>
  fc.record(
    {
      display: fc.constantFrom('hepatic lesion', 'portal vein', 'margin'),
      designation: fc.array(fc.record({ language: fc.constantFrom('de', 'fr'), use: fc.constantFrom(...USES), value: fc.constantFrom('Leber', 'foie') }, { requiredKeys: ['value'] }), { minLength: 1, maxLength: 2 }),
      property: fc.array(
        fc.oneof(
          fc.record({ code: fc.constantFrom('status', 'undeclared'), valueCode: fc.constantFrom('active', 'retired') }),
          fc.record({ code: fc.constant('rank'), valueInteger: fc.integer({ min: -5, max: 5 }) }),
          fc.record({ code: fc.constant('kind'), valueCoding: fc.constantFrom(...USES) }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    },
    { requiredKeys: ['display'] },
  ).map((c) => ({ code, ...c }));

describe('the concept tree check', () => {
  it('takes a plain tree and counts its concepts; refuses what it does not model', () => {
    expect(scanConceptTree([{ code: 'A', concept: [{ code: 'B', display: 'b' }] }])?.concepts).toBe(2);
    expect(scanConceptTree([{ code: 'A', id: 'x' }])).toBeUndefined();
    expect(scanConceptTree([{ code: 'A' }, { code: 'B', concept: [{ code: 'A' }] }])).toBeUndefined();
    expect(scanConceptTree([{ code: 'A', display: 'a\u00a0b' }])).toBeUndefined();
    expect(scanConceptTree([{ code: 'A', property: [{ code: 'rank', valueInteger: 1, valueString: 'x' }] }])).toBeUndefined();
  });

  it('reports the same issues as the generic checks, for generated trees', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }), fc.infiniteStream(conceptArb('')), async (shape, stream) => {
        const it = stream[Symbol.iterator]();
        let n = 0;
        const make = (): CodeSystemConcept => ({ ...it.next().value, code: `C${n++}` });
        const concept = shape.map((children) => ({ ...make(), ...(children > 0 ? { concept: Array.from({ length: children }, make) } : {}) }));
        const cs = codeSystem(concept);
        // The fast scan takes every generated tree (no mixed value types, no repeated code): all its concepts.
        expect(scanConceptTree(cs.concept)?.concepts).toBe(shape.length + shape.reduce((sum, children) => sum + children, 0));
        const fast = (await validator.validateAsync(cs)).map((i) => JSON.stringify(summarize(i)));
        const slow = (await validator.validateAsync(generic(cs))).map((i) => JSON.stringify(summarize(i)));
        expect([...fast].sort()).toEqual([...slow].sort());
      }),
      { numRuns: 15 },
    );
  });

  it('reports the mistakes of a tree that is not plain as before', async () => {
    const cs = codeSystem([
      { code: 'A', display: 'a\u00a0b' },
      { code: 'B', property: [{ code: 'rank', valueInteger: 2 ** 40 }] },
      { code: 'A', designation: [{ language: 'de' } as never] },
    ]);
    const errors = (await validator.validateAsync(cs)).filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);
    expect(errors).toEqual(expect.arrayContaining(['CodeSystem.concept[0].display', 'CodeSystem.concept[1].property[0].value.ofType(integer)', 'CodeSystem.concept[2].designation[0].value', 'CodeSystem']));
  });
});
