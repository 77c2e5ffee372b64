/**
 * $package of the protocol: a Bundle whose resources validate and that loads into an empty server (entry by
 * entry with the write token, or the whole Bundle as one transaction), after which $apply there gives the
 * same plan as on the source server; and that loads into a server already holding a licensee's CPT under the
 * id `cpt` without changing it (CPT is written by a conditional create on url|version, never by a PUT).
 *
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */
import type { Bundle, BundleEntry, CarePlan, CodeSystem, Library, Parameters, RequestGroup, RequestGroupAction } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidator } from '../../src/validation/validator.ts';
import { contentResources } from '../helpers/fixtures.ts';
import { fhirHttp } from '../helpers/http.ts';
import { startTestServer, TEST_WRITE_TOKEN, type TestServer } from '../helpers/server.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';

const CANONICAL_BASE = 'https://example.org/fhir/liver-cryoablation';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

let source: TestServer;
let target: TestServer;
let transactionTarget: TestServer;
let licensee: TestServer;
let sameVersionLicensee: TestServer;

const CPT = 'http://www.ama-assn.org/go/cpt';
/** A stand-in for a licensee's own CPT release, stored under the same id as the package's fragment. */
function licenseeCpt(version: string): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: 'cpt',
    url: CPT,
    version,
    name: 'CPTLicenseeRelease',
    title: `Licensee CPT release ${version} (test stand-in)`,
    status: 'active',
    content: 'fragment',
    concept: [{ code: '47383', display: 'Ablation, 1 or more liver tumor(s), percutaneous, cryoablation' }],
  };
}

/** The source path of an entry (fullUrl), whatever its method. */
function sourcePath(entry: BundleEntry): string {
  return (entry.fullUrl ?? '').replace(/^.*\/fhir\//, '');
}
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
  [source, target, transactionTarget, licensee, sameVersionLicensee] = await Promise.all([
    startTestServer(),
    startTestServer({ content: false }),
    startTestServer({ content: false }),
    startTestServer({ content: false }),
    startTestServer({ content: false }),
  ]);
  for (const [server, version] of [[licensee, '2025'], [sameVersionLicensee, '2026']] as const) {
    const res = await fhirHttp(server.base).put('/CodeSystem/cpt', licenseeCpt(version));
    expect(res.status, res.text.slice(0, 300)).toBe(201);
  }
  const kit = new Client({ baseUrl: source.base });
  bundle = (await kit.operation({ name: 'package', resourceType: 'PlanDefinition', id: 'liver-tumor-cryoablation', method: 'GET' })) as unknown as Bundle;
});

afterAll(async () => {
  source?.server.closeAllConnections();
  transactionTarget?.server.closeAllConnections();
  licensee?.server.closeAllConnections();
  sameVersionLicensee?.server.closeAllConnections();
  await Promise.all([source?.close(), target?.close(), transactionTarget?.close(), licensee?.close(), sameVersionLicensee?.close()]);
});

describe('$package of the protocol', () => {
  it('is a transaction Bundle holding the protocol, its ActivityDefinitions, ValueSets, CodeSystems and the CPT supplement', () => {
    expect(bundle.type).toBe('transaction');
    const paths = (bundle.entry ?? []).map(sourcePath);
    expect(paths[0]).toBe('PlanDefinition/liver-tumor-cryoablation');
    const content = contentResources();
    for (const ad of content.filter((r) => r.resourceType === 'ActivityDefinition')) expect(paths).toContain(`ActivityDefinition/${ad.id}`);
    for (const expected of ['ValueSet/anticoagulants', 'ValueSet/antiplatelets', 'CodeSystem/cpt', 'CodeSystem/cpt-supplement', 'CodeSystem/liver-cryoablation', 'PlanDefinition/liver-tumor-cryoablation-alternatives']) {
      expect(paths).toContain(expected);
    }
  });

  it('PUTs the project\'s own artifacts at their ids, and writes CPT only by a conditional create on url|version (no PUT CodeSystem/cpt)', () => {
    for (const entry of bundle.entry ?? []) {
      const url = (entry.resource as { url: string }).url;
      if (url.startsWith(`${CANONICAL_BASE}/`)) expect(entry.request).toEqual({ method: 'PUT', url: sourcePath(entry) });
      else expect(entry.request, url).toEqual({ method: 'POST', url: entry.resource?.resourceType, ifNoneExist: expect.any(String) });
    }
    const cpt = (bundle.entry ?? []).find((e) => sourcePath(e) === 'CodeSystem/cpt');
    expect(cpt?.request).toEqual({ method: 'POST', url: 'CodeSystem', ifNoneExist: `url=${encodeURIComponent(CPT)}&version=2026` });
    expect((bundle.entry ?? []).some((e) => e.request?.method === 'PUT' && e.request.url === 'CodeSystem/cpt')).toBe(false);
  });

  it('holds resources that validate together (shareable, references resolving within the package or FHIR core)', () => {
    const resources = (bundle.entry ?? []).map((e) => e.resource);
    const validator = createValidator({ packageResources: resources as never, canonicalBase: CANONICAL_BASE, bindingTerminology: createBindingTerminology() });
    const result = validator.validatePackage(resources, { requireShareable: true });
    const errors = result.resources.flatMap((r) => r.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${r.resourceType}/${r.id}: ${i.details?.text}`));
    expect(errors).toEqual([]);
  });

  it('loads into an empty server, where $apply and $data-requirements then work as on the source', async () => {
    const api = fhirHttp(target.base);
    expect((await api.post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput)).status).toBe(404);
    for (const entry of bundle.entry ?? []) {
      const res =
        entry.request?.method === 'POST'
          ? await api.post(`/${entry.request.url}`, entry.resource, { 'if-none-exist': entry.request.ifNoneExist ?? '' })
          : await api.put(`/${entry.request?.url}`, entry.resource);
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

describe('$package loaded into a server that already holds a licensee\'s CPT under the id cpt', () => {
  it('keeps the licensee\'s CPT (another version) untouched, adds the 2026 fragment beside it, and $apply and $lookup work', async () => {
    const api = fhirHttp(licensee.base);
    const before = await api.get('/CodeSystem/cpt');
    const writer = new Client({ baseUrl: licensee.base, bearerToken: TEST_WRITE_TOKEN });
    const response = (await writer.transaction({ body: bundle as never })) as unknown as Bundle;
    expect(response.entry?.map((e) => e.response?.status)).toEqual((bundle.entry ?? []).map(() => '201 Created'));

    // Nothing of the existing one is lost: same version, same content, same history.
    const after = await api.get('/CodeSystem/cpt');
    expect(after.json()).toEqual(before.json());
    expect(after.headers.get('etag')).toBe('W/"1"');
    expect((await api.get('/CodeSystem/cpt/_history')).json<Bundle>().total).toBe(1);

    // The package's fragment is there beside it, under a server-assigned id.
    const both = (await api.get(`/CodeSystem?url=${encodeURIComponent(CPT)}`)).json<Bundle>();
    const versions = (both.entry ?? []).map((e) => [(e.resource as CodeSystem).version, e.resource?.id === 'cpt']);
    expect(versions.sort()).toEqual([
      ['2025', true],
      ['2026', false],
    ]);
    for (const version of ['2025', '2026']) {
      const lookup = await api.get(`/CodeSystem/$lookup?system=${encodeURIComponent(CPT)}&version=${version}&code=47383`);
      expect(lookup.status, lookup.text.slice(0, 300)).toBe(200);
    }
    const there = await api.post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput);
    expect(there.status, there.text.slice(0, 300)).toBe(200);
    const here = await fhirHttp(source.base).post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput);
    expect(actionTree(there.json<CarePlan>())).toEqual(actionTree(here.json<CarePlan>()));
  });

  it('leaves a licensee\'s CPT of the same version as it is, writing no fragment over or beside it', async () => {
    const api = fhirHttp(sameVersionLicensee.base);
    const before = await api.get('/CodeSystem/cpt');
    const response = (await api.post('/', bundle)).json<Bundle>();
    const cptIndex = (bundle.entry ?? []).findIndex((e) => sourcePath(e) === 'CodeSystem/cpt');
    // The conditional create matched the licensee's CodeSystem: 200, pointing at it.
    expect(response.entry?.[cptIndex]?.response?.status).toBe('200 OK');
    expect(response.entry?.[cptIndex]?.response?.location).toMatch(/\/fhir\/CodeSystem\/cpt$/);
    expect((await api.get('/CodeSystem/cpt')).json()).toEqual(before.json());
    expect((await api.get(`/CodeSystem?url=${encodeURIComponent(CPT)}`)).json<Bundle>().total).toBe(1);
    expect((await api.post('/PlanDefinition/liver-tumor-cryoablation/$apply', applyInput)).status).toBe(200);
  });
});
