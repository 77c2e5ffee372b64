/**
 * `$subsumes` checks of our own on the HL7 suite's simple code system (the suite itself has no `$subsumes`
 * tests). The code system is sent as a `tx-resource` from the suite folder, never copied into the project.
 * Expected outcomes follow from its hierarchy: code1, code2 > code2a > (code2aI, code2aII), code2 > code2b, code3.
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-subsumes.html
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CASES: readonly (readonly [string, string, string])[] = [
  ['code2', 'code2aI', 'subsumes'],
  ['code2a', 'code2aII', 'subsumes'],
  ['code2aI', 'code2', 'subsumed-by'],
  ['code2b', 'code2', 'subsumed-by'],
  ['code2a', 'code2a', 'equivalent'],
  ['code1', 'code2', 'not-subsumed'],
  ['code2b', 'code2aI', 'not-subsumed'],
  ['code3', 'code1', 'not-subsumed'],
];

/** Runs the checks against a server; returns the failures (empty when all pass). */
export async function runSubsumesChecks(suiteDir: string, baseUrl: string): Promise<{ passed: number; failures: string[] }> {
  const codeSystem = JSON.parse(readFileSync(join(suiteDir, 'simple', 'codesystem-simple.json'), 'utf8')) as { url: string };
  const failures: string[] = [];
  for (const [codeA, codeB, expected] of CASES) {
    const res = await fetch(`${baseUrl}/CodeSystem/$subsumes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'system', valueUri: codeSystem.url },
          { name: 'codeA', valueCode: codeA },
          { name: 'codeB', valueCode: codeB },
          { name: 'tx-resource', resource: codeSystem },
        ],
      }),
    });
    const body = (await res.json()) as { parameter?: { name: string; valueCode?: string }[] };
    const actual = body.parameter?.find((p) => p.name === 'outcome')?.valueCode;
    if (res.status !== 200 || actual !== expected) failures.push(`$subsumes ${codeA} ${codeB}: expected ${expected}, got ${res.status} ${actual ?? ''}`);
  }
  return { passed: CASES.length - failures.length, failures };
}
