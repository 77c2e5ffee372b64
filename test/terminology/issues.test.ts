import type { OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isFhirError } from '../../src/fhir/errors.ts';
import { valueSetValidateCode } from '../../src/operations/terminology/valueset-validate-code.ts';
import { IssueList, MESSAGE_ID_URL, TX_ISSUE_TYPE_SYSTEM, toFhirIssue, txError } from '../../src/terminology/issues.ts';
import { out, request, services } from './helpers.ts';

const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
const VS = 'https://example.org/fhir/liver-cryoablation/ValueSet/';

function issuesOf(p: Parameters): OperationOutcome {
  const oo = out(p, 'issues') as OperationOutcome | undefined;
  if (oo === undefined) throw new Error('no issues returned');
  return oo;
}

describe('terminology issues', () => {
  it('report the element concerned as expression only, never as the deprecated location', () => {
    const issue = toFhirIssue({
      severity: 'error',
      code: 'code-invalid',
      txCode: 'not-in-vs',
      messageId: 'None_of_the_provided_codes_are_in_the_value_set_one',
      text: 'not in the value set',
      path: 'Coding.code',
    });
    expect(issue.expression).toEqual(['Coding.code']);
    expect(issue).not.toHaveProperty('location');
    expect(issue.details).toEqual({ coding: [{ system: TX_ISSUE_TYPE_SYSTEM, code: 'not-in-vs' }], text: 'not in the value set' });
    expect(issue.extension).toEqual([{ url: MESSAGE_ID_URL, valueString: 'None_of_the_provided_codes_are_in_the_value_set_one' }]);
  });

  it('leave out expression when there is no element to point at', () => {
    const issue = toFhirIssue({ severity: 'information', code: 'business-rule', text: 'draft value set', path: '' });
    expect(issue).not.toHaveProperty('expression');
    expect(issue).not.toHaveProperty('location');
  });

  it('carry no location in an outcome list or an error outcome either', () => {
    const list = new IssueList();
    list.add({ severity: 'error', code: 'not-found', text: 'unknown system', path: 'system' });
    expect(list.toOperationOutcome().issue?.[0]).not.toHaveProperty('location');
    const err = txError(422, { severity: 'error', code: 'not-found', text: 'unknown value set', path: 'url' });
    expect(isFhirError(err)).toBe(true);
    expect(err.outcome.issue?.[0].expression).toEqual(['url']);
    expect(err.outcome.issue?.[0]).not.toHaveProperty('location');
  });

  it('of $validate-code name code, Coding and CodeableConcept elements without location', () => {
    const cases = [
      { input: [{ name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'angiosarcoma' }], path: 'code' },
      { input: [{ name: 'coding', valueCoding: { system: LESION, code: 'angiosarcoma' } }], path: 'Coding.code' },
      {
        input: [{ name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: LESION, code: 'angiosarcoma' }] } }],
        path: 'CodeableConcept.coding[0].code',
      },
    ];
    for (const c of cases) {
      const p = valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}all-lesions` }, ...c.input]), services());
      expect(out(p, 'result')).toBe(false);
      const issues = issuesOf(p).issue ?? [];
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.some((i) => i.expression?.[0] === c.path)).toBe(true);
      for (const i of issues) expect(i).not.toHaveProperty('location');
    }
  });
});
