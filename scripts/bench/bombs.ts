/**
 * The worst request bodies found by the hardening review (issue 12): each one cost seconds of event-loop time
 * or a 500 before the work bounds. Used by `npm run bench -- --suites stall` and by the stall test.
 *
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */

/** One attacker request: a path and a JSON body (POSTed without a token). */
export interface Bomb {
  readonly name: string;
  readonly path: string;
  readonly body: string;
}

/** A ValueSet with `n` `compose.include` entries of `{"bogus":1}` (1.2 MB at 99,999). */
export function includeBomb(n = 99_999): Bomb {
  const include = Array.from({ length: n }, () => ({ bogus: 1 }));
  return { name: `ValueSet/$validate, ${n} bogus includes`, path: '/fhir/ValueSet/$validate', body: JSON.stringify({ resourceType: 'ValueSet', status: 'draft', compose: { include } }) };
}

/** A CodeSystem whose `_name` holds `n` unknown keys. */
export function unknownKeysBomb(n = 150_000): Bomb {
  const keys: Record<string, number> = {};
  for (let i = 0; i < n; i++) keys[`k${i}`] = 1;
  return { name: `CodeSystem/$validate, ${n} unknown keys`, path: '/fhir/CodeSystem/$validate', body: JSON.stringify({ resourceType: 'CodeSystem', status: 'draft', content: 'complete', _name: keys }) };
}

/** A flat CodeSystem of `n` concepts. */
export function flatCodeSystemBomb(n = 99_999): Bomb {
  const concept = Array.from({ length: n }, (_, i) => ({ code: `c${i}`, display: `Concept ${i}` }));
  return {
    name: `CodeSystem/$validate, ${n} flat concepts`,
    path: '/fhir/CodeSystem/$validate',
    body: JSON.stringify({ resourceType: 'CodeSystem', url: 'https://example.org/bomb', status: 'draft', content: 'complete', concept }),
  };
}

/** `$apply` with a data Bundle entry whose resource is null. */
export function nullEntryBomb(): Bomb {
  return {
    name: '$apply, data entry {"resource": null}',
    path: '/fhir/PlanDefinition/liver-tumor-cryoablation/$apply',
    body: JSON.stringify({
      resourceType: 'Parameters',
      parameter: [
        { name: 'subject', valueString: 'Patient/123' },
        { name: 'data', resource: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: null }] } },
      ],
    }),
  };
}

/** Every bomb, the worst sizes. */
export function allBombs(): Bomb[] {
  return [includeBomb(), unknownKeysBomb(), flatCodeSystemBomb(), nullEntryBomb()];
}
