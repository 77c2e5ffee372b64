import type { OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { codeSystemValidateCode } from '../../src/operations/terminology/codesystem-validate-code.ts';
import { valueSetValidateCode } from '../../src/operations/terminology/valueset-validate-code.ts';
import { failure, fixture, out, request, services, texts } from './helpers.ts';

const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
const PROBE = 'https://example.org/fhir/liver-cryoablation/CodeSystem/probe-type';
const FRAGMENT = 'https://example.org/fhir/liver-cryoablation/CodeSystem/complication';
const VS = 'https://example.org/fhir/liver-cryoablation/ValueSet/';

function issues(p: Parameters): OperationOutcome | undefined {
  return out(p, 'issues') as OperationOutcome | undefined;
}

describe('ValueSet/$validate-code with a code system nobody knows', () => {
  const UNKNOWN = 'https://example.org/fhir/liver-cryoablation/CodeSystem/not-loaded';
  const message = (p: Parameters): string => out(p, 'message') as string;

  it('quotes the system for a code + system checked against a value set of known systems (current wording)', () => {
    const p = valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'system', valueUri: UNKNOWN }, { name: 'code', valueCode: 'x' }]), services());
    expect(out(p, 'result')).toBe(false);
    expect(message(p)).toContain(`A definition for CodeSystem '${UNKNOWN}' could not be found, so the code cannot be validated`);
  });

  it('keeps the older unquoted wording for a Coding, as the HL7 suite records it', () => {
    const p = valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: UNKNOWN, code: 'x' } }]), services());
    expect(out(p, 'result')).toBe(false);
    expect(message(p)).toContain(`A definition for CodeSystem ${UNKNOWN} could not be found, so the code cannot be validated`);
  });
});

describe('ValueSet/$validate-code', () => {
  it('accepts a code in the value set and returns its display and version', () => {
    const p = valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}malignant-lesions` }, { name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'hcc' }]), services());
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'display')).toBe('Hepatocellular carcinoma');
    expect(out(p, 'version')).toBe('1.0.0');
    expect(issues(p)).toBeUndefined();
  });

  it('rejects a code outside the value set with the reference wording', () => {
    const p = valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}malignant-lesions` }, { name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'cyst' }]), services());
    expect(out(p, 'result')).toBe(false);
    expect(out(p, 'message')).toBe(`The provided code '${LESION}#cyst' was not found in the value set '${VS}malignant-lesions|1.0.0'`);
    expect(issues(p)?.issue?.[0].details?.coding?.[0].code).toBe('not-in-vs');
  });

  it('reports an unknown code twice: not in the value set, and unknown in the code system', () => {
    const p = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'angiosarcoma' } }]),
      services(),
    );
    expect(out(p, 'result')).toBe(false);
    expect(texts(issues(p)).sort()).toEqual([
      `The provided code '${LESION}#angiosarcoma' was not found in the value set '${VS}all-lesions|1.0.0'`,
      `Unknown code 'angiosarcoma' in the CodeSystem '${LESION}' version '1.0.0'`,
    ]);
    expect(issues(p)?.issue?.[0].expression).toEqual(['Coding.code']);
  });

  it('checks displays, also in other languages', () => {
    const wrong = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'hcc', display: 'Liver cancer' } }]),
      services(),
    );
    expect(out(wrong, 'result')).toBe(false);
    expect(out(wrong, 'message')).toBe(
      `Wrong Display Name 'Liver cancer' for ${LESION}#hcc. Valid display is one of 2 choices: 'Hepatocellular carcinoma' (en) or 'Hepatozelluläres Karzinom' (de) (for the language(s) '--')`,
    );
    const german = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'hcc', display: 'Hepatozelluläres Karzinom' } }]),
      services(),
    );
    expect(out(german, 'result')).toBe(true);
    // a synonym is a valid display too
    const synonym = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'hcc', display: 'hepatoma' } }]),
      services(),
    );
    expect(out(synonym, 'result')).toBe(true);
    const lenient = valueSetValidateCode(
      request([
        { name: 'url', valueUri: `${VS}all-lesions` },
        { name: 'coding', valueCoding: { system: LESION, code: 'hcc', display: 'Liver cancer' } },
        { name: 'lenient-display-validation', valueBoolean: true },
      ]),
      services(),
    );
    expect(out(lenient, 'result')).toBe(true);
    expect(issues(lenient)?.issue?.[0].severity).toBe('warning');
  });

  it('reports wrong whitespace separately', () => {
    const p = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'icc', display: 'Intrahepatic  cholangiocarcinoma' } }]),
      services(),
    );
    expect(out(p, 'result')).toBe(false);
    expect(String(out(p, 'message'))).toMatch(/^Wrong whitespace in Display Name/);
  });

  it('accepts an inactive code with a warning, and rejects it with activeOnly', () => {
    const p = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'net-metastasis' } }]),
      services(),
    );
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'inactive')).toBe(true);
    expect(out(p, 'status')).toBe('retired');
    expect(texts(issues(p))).toEqual(["The concept 'net-metastasis' has a status of retired and inactive and its use should be reviewed"]);
    const active = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'net-metastasis' } }, { name: 'activeOnly', valueBoolean: true }]),
      services(),
    );
    expect(out(active, 'result')).toBe(false);
    expect(String(out(active, 'message'))).toContain("The concept 'net-metastasis' is valid but is not active");
  });

  it('reports deprecated concepts', () => {
    const p = valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'cyst' } }]), services());
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'status')).toBe('deprecated');
    expect(texts(issues(p))).toEqual(["The concept 'cyst' is deprecated and its use should be reviewed"]);
  });

  it('rejects abstract codes only when abstract = false', () => {
    const params = [{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, code: 'tumor' } }];
    expect(out(valueSetValidateCode(request(params), services()), 'result')).toBe(true);
    const p = valueSetValidateCode(request([...params, { name: 'abstract', valueBoolean: false }]), services());
    expect(out(p, 'result')).toBe(false);
    expect(texts(issues(p))).toContain(`Code '${LESION}#tumor' is abstract, and not allowed in this context`);
  });

  it('validates a CodeableConcept: valid when any coding is in the value set', () => {
    const p = valueSetValidateCode(
      request([
        { name: 'url', valueUri: `${VS}malignant-lesions` },
        { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: LESION, code: 'cyst' }, { system: LESION, code: 'hcc' }] } },
      ]),
      services(),
    );
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'code')).toBe('hcc');
    expect(texts(issues(p))).toEqual([`The provided code '${LESION}#cyst' was not found in the value set '${VS}malignant-lesions|1.0.0'`]);
  });

  it('reports unknown code systems and versions', () => {
    const unknown = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: 'https://example.org/nope', code: 'x' } }]),
      services(),
    );
    expect(out(unknown, 'result')).toBe(false);
    expect(out(unknown, 'x-unknown-system')).toBe('https://example.org/nope');
    const version = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'coding', valueCoding: { system: LESION, version: '9.9', code: 'hcc' } }]),
      services(),
    );
    expect(out(version, 'result')).toBe(false);
    expect(texts(issues(version))).toContain(
      `A definition for CodeSystem '${LESION}' version '9.9' could not be found, so the code cannot be validated. Valid versions: 1.0.0`,
    );
  });

  it('answers 4xx for an unknown value set and for a request without a code', async () => {
    const vs = await failure(() => valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}nope` }, { name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'hcc' }]), services()));
    expect(vs.status).toBe(422);
    const none = await failure(() => valueSetValidateCode(request([{ name: 'url', valueUri: `${VS}all-lesions` }]), services()));
    expect(none.status).toBe(400);
  });

  it('infers the system when asked to', () => {
    const p = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${VS}malignant-lesions` }, { name: 'code', valueCode: 'hcc' }, { name: 'inferSystem', valueBoolean: true }]),
      services(),
    );
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'system')).toBe(LESION);
  });
});

describe('CodeSystem/$validate-code', () => {
  it('validates a code in a code system (type level, url)', () => {
    const p = codeSystemValidateCode(request([{ name: 'url', valueUri: LESION }, { name: 'code', valueCode: 'hcc' }]), services());
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'display')).toBe('Hepatocellular carcinoma');
  });

  it('validates at instance level', () => {
    const p = codeSystemValidateCode(request([{ name: 'code', valueCode: 'hcc' }], { id: 'lesion-type' }), services());
    expect(out(p, 'result')).toBe(true);
  });

  it('validates against a code system passed as the codeSystem parameter (not stored)', () => {
    const p = codeSystemValidateCode(
      request([{ name: 'codeSystem', resource: fixture('CodeSystem-probe-type.json') }, { name: 'code', valueCode: 'ARGON' }]),
      services({ resources: [] }),
    );
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'system')).toBe(PROBE);
  });

  it('reports unknown codes with one issue (no value set summary)', () => {
    const p = codeSystemValidateCode(request([{ name: 'url', valueUri: LESION }, { name: 'code', valueCode: 'nope' }]), services());
    expect(out(p, 'result')).toBe(false);
    expect(out(p, 'message')).toBe(`Unknown code 'nope' in the CodeSystem '${LESION}' version '1.0.0'`);
  });

  it('matches other cases in a case-insensitive code system, with a note', () => {
    const p = codeSystemValidateCode(request([{ name: 'url', valueUri: PROBE }, { name: 'code', valueCode: 'argon' }]), services());
    expect(out(p, 'result')).toBe(true);
    expect(out(p, 'normalized-code')).toBe('ARGON');
    expect(texts(issues(p))[0]).toBe(
      `The code 'argon' differs from the correct code 'ARGON' by case. Although the code system '${PROBE}|2026' is case insensitive, implementers are strongly encouraged to use the correct case anyway`,
    );
    const sensitive = codeSystemValidateCode(request([{ name: 'url', valueUri: LESION }, { name: 'code', valueCode: 'HCC' }]), services());
    expect(out(sensitive, 'result')).toBe(false);
  });

  it('accepts unknown codes of a fragment with a warning', () => {
    const p = codeSystemValidateCode(request([{ name: 'url', valueUri: FRAGMENT }, { name: 'code', valueCode: 'pneumothorax' }]), services());
    expect(out(p, 'result')).toBe(true);
    expect(issues(p)?.issue?.[0].severity).toBe('warning');
    expect(texts(issues(p))[0]).toContain('the code system is labeled as a fragment');
  });

  it('answers result = false (not an error) for an unknown code system', () => {
    const p = codeSystemValidateCode(request([{ name: 'url', valueUri: 'https://example.org/nope' }, { name: 'code', valueCode: 'x' }]), services());
    expect(out(p, 'result')).toBe(false);
    expect(out(p, 'x-caused-by-unknown-system')).toBe('https://example.org/nope');
  });
});
