import { describe, expect, it } from 'vitest';
import { codeSystemSubsumes } from '../../src/operations/terminology/codesystem-subsumes.ts';
import { failure, out, request, services } from './helpers.ts';

const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
const PROBE = 'https://example.org/fhir/liver-cryoablation/CodeSystem/probe-type';

function outcome(system: string, a: string, b: string): unknown {
  return out(codeSystemSubsumes(request([{ name: 'system', valueUri: system }, { name: 'codeA', valueCode: a }, { name: 'codeB', valueCode: b }]), services()), 'outcome');
}

describe('CodeSystem/$subsumes', () => {
  it.each([
    ['tumor', 'hcc', 'subsumes'],
    ['hcc', 'tumor', 'subsumed-by'],
    ['primary', 'primary', 'equivalent'],
    ['hcc', 'icc', 'not-subsumed'],
    ['metastasis', 'hemangioma', 'not-subsumed'],
  ])('nested hierarchy: %s vs %s is %s', (a, b, expected) => {
    expect(outcome(LESION, a, b)).toBe(expected);
  });

  it.each([
    ['PROBE', 'ARGON-13G', 'subsumes'],
    ['ARGON-17G', 'ARGON', 'subsumed-by'],
    ['argon', 'ARGON', 'equivalent'],
    ['NITROGEN', 'ARGON-17G', 'not-subsumed'],
  ])('parent-property hierarchy: %s vs %s is %s', (a, b, expected) => {
    expect(outcome(PROBE, a, b)).toBe(expected);
  });

  it('accepts Codings and the instance', () => {
    const viaCoding = codeSystemSubsumes(
      request([
        { name: 'codingA', valueCoding: { system: LESION, code: 'metastasis' } },
        { name: 'codingB', valueCoding: { system: LESION, code: 'crc-metastasis' } },
      ]),
      services(),
    );
    expect(out(viaCoding, 'outcome')).toBe('subsumes');
    const instance = codeSystemSubsumes(request([{ name: 'codeA', valueCode: 'cyst' }, { name: 'codeB', valueCode: 'benign' }], { id: 'lesion-type' }), services());
    expect(out(instance, 'outcome')).toBe('subsumed-by');
  });

  it('rejects unknown codes, unknown systems and codings of different systems', async () => {
    expect((await failure(() => outcome(LESION, 'hcc', 'nope'))).status).toBe(404);
    expect((await failure(() => outcome('https://example.org/nope', 'a', 'b'))).status).toBe(404);
    const mixed = await failure(() =>
      codeSystemSubsumes(
        request([
          { name: 'codingA', valueCoding: { system: LESION, code: 'hcc' } },
          { name: 'codingB', valueCoding: { system: PROBE, code: 'ARGON' } },
        ]),
        services(),
      ),
    );
    expect(mixed.status).toBe(400);
  });
});
