/**
 * $package of the protocol: a Bundle whose resources validate and that loads into an empty server (one PUT
 * per entry with the write token, or the whole Bundle as one transaction), after which $apply there gives the
 * same plan as on the source server.
 *
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */
import type { Bundle, CarePlan, Library, Parameters, RequestGroup, RequestGroupAction } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidator } from '../../src/validation/validator.ts';
import { contentResources } from '../helpers/fixtures.ts';
import { fhirHttp } from '../helpers/http.ts';
import { startTestServer, TEST_WRITE_TOKEN, type TestServer } from '../helpers/server.ts';

const CANONICAL_BASE = 'https://example.org/fhir/liver-cryoablation';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

let source: TestServer;
let target: TestServer;
let transactionTarget: TestServer;
let bundle: Bundle;

const applyInput: Parameters = {
  resourceType: 'Parameters',
  parameter: [
    { name: 'subject', valueString: 'Patient/p1' },
    {
      name: 'data',
      resource: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' }, medicationCodeableConcept: { coding: [{ system: RXNORM, code: '855332' }] } } }],
      },
    },
  ],
};

function actionTree(carePlan: CarePlan): unknown {
  const rg = carePlan.contained?.find((r) => `#${r.id}` === carePlan.activity?.[0]?.reference?.reference) as RequestGroup;
  const tree = (actions: readonly RequestGroupAction[] | undefined): unknown => (actions ?? []).map((a) => [a.id, a.title, tree(a.action)]);
  return tree(rg.action);
}

beforeAll(async () => {
  [source, target, transactionTarget] = await Promise.all([startTestServer(), startTestServer({ content: false }), startTestServer({ content: false })]);
  const kit = new Client({ baseUrl: source.base });
  bundle = (await kit.operation({ name: 'package', resourceType: 'PlanDefinition', id: 'liver-tumor-cryoablation', method: 'GET' })) as unknown as Bundle;
});

afterAll(async () => {
  source?.server.closeAllConnections();
  transactionTarget?.server.closeAllConnections();
  await Promise.all([source?.close(), target?.close(), transactionTarget?.close()]);
});

describe('$package of the protocol', () => {
  it('is a transaction Bundle of PUTs holding the protocol, its ActivityDefinitions, ValueSets, CodeSystems and the CPT supplement', () => {
    expect(bundle.type).toBe('transaction');
    const paths = (bundle.entry ?? []).map((e) => e.request?.url);
    expect(paths[0]).toBe('PlanDefinition/liver-tumor-cryoablation');
    const content = contentResources();
    for (const ad of content.filter((r) => r.resourceType === 'ActivityDefinition')) expect(paths).toContain(`ActivityDefinition/${ad.id}`);
    for (const expected of ['ValueSet/anticoagulants', 'ValueSet/antiplatelets', 'CodeSystem/cpt', 'CodeSystem/cpt-supplement', 'CodeSystem/liver-cryoablation', 'PlanDefinition/liver-tumor-cryoablation-alternatives']) {
      expect(paths).toContain(expected);
    }
    for (const entry of bundle.entry ?? []) expect(entry.request?.method).toBe('PUT');
  });

  it('holds resources that validate together (shareable, references resolving within the package or FHIR core)', () => {
    const resources = (bundle.entry ?? []).map((e) => e.resource);
    const validator = createValidator({ packageResources: resources as never, canonicalBase: CANONICAL_BASE });
    const result = validator.validatePackage(resources, { requireShareable: true });
    const errors = result.resources.flatMap((r) => r.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${r.resourceType}/${r.id}: ${i.details?.text}`));
    expect(errors).toEqual([]);
  });

  it('loads into an empty server, where $apply and $data-requirements then work as on the source', async () => {
    const api = fhirHttp(target.base);
    expect((await api.post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput)).status).toBe(404);
    for (const entry of bundle.entry ?? []) {
      const res = await api.put(`/${entry.request?.url}`, entry.resource);
      expect(res.status, `${entry.request?.url}: ${res.text.slice(0, 300)}`).toBe(201);
    }
    const there = await api.post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput);
    expect(there.status, there.text.slice(0, 300)).toBe(200);
    const here = await fhirHttp(source.base).post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput);
    expect(actionTree(there.json<CarePlan>())).toEqual(actionTree(here.json<CarePlan>()));
    const library = (await api.get('/PlanDefinition/liver-tumor-cryoablation/$data-requirements')).json<Library>();
    expect(library.dataRequirement?.map((r) => r.type)).toEqual(['MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'Patient', 'Medication']);
  });

  it('loads into an empty server in one call as a transaction (fhir-kit-client), and $apply works there', async () => {
    const writer = new Client({ baseUrl: transactionTarget.base, bearerToken: TEST_WRITE_TOKEN });
    const response = (await writer.transaction({ body: bundle as never })) as unknown as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual((bundle.entry ?? []).map(() => '201 Created'));
    const there = await fhirHttp(transactionTarget.base).post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput);
    expect(there.status, there.text.slice(0, 300)).toBe(200);
    const here = await fhirHttp(source.base).post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput);
    expect(actionTree(there.json<CarePlan>())).toEqual(actionTree(here.json<CarePlan>()));
  });
});
