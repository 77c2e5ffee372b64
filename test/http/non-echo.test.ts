/**
 * Error messages never echo markup a client sent (issue 12): `$apply?subject=<script>…` and
 * `$lookup?system=<script>…` say "(value not shown)", as the rest of the server does; plain URIs are still
 * named, as terminology clients and HL7's tests expect.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { fhirHttp } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';

const SCRIPT = '<script>alert(1)</script>';

const server = useTestServer();
const api = fhirHttp(() => server.base);

describe('values a client sent, in error messages', () => {
  it.each([
    [`/PlanDefinition/liver-tumor-cryoablation/$apply?subject=${encodeURIComponent(SCRIPT)}`],
    [`/CodeSystem/$lookup?system=${encodeURIComponent(SCRIPT)}&code=x`],
    [`/ValueSet/$validate-code?url=${encodeURIComponent(SCRIPT)}&code=x&system=http://loinc.org`],
  ])('%s: an OperationOutcome that does not contain the markup', async (path) => {
    const res = await api.get(path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toContain('<script');
    expect(res.text).not.toContain('\\u003cscript');
    expect(res.json<OperationOutcome>().issue.some((i) => (i.details?.text ?? '').includes('(value not shown)'))).toBe(true);
  });

  it('still names a plain unknown code system', async () => {
    const res = await api.get('/CodeSystem/$lookup?system=http://example.org/unknown-system&code=x');
    expect(res.text).toContain('http://example.org/unknown-system');
  });
});
