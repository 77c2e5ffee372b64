/**
 * The knowledge operations over HTTP: the three ways to send `subject`, type- and instance-level calls, the
 * Bundle output, and the errors (404 unknown id, 400 no subject or `data` on GET, 422 naming the action and
 * the expression that failed) — always an OperationOutcome, never a 5xx.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 */
import type { ActivityDefinition, Bundle, CapabilityStatement, CarePlan, CodeSystem, Library, OperationOutcome, PlanDefinition, ServiceRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentResources } from '../helpers/fixtures.ts';
import { expectOutcome, fhirHttp } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';
import { fixture } from './fixtures.ts';

const PROTOCOL = '/PlanDefinition/liver-tumor-cryoablation';
const protocol = contentResources().find((r) => r.resourceType === 'PlanDefinition' && r.id === 'liver-tumor-cryoablation') as PlanDefinition;

const server = useTestServer();
const api = fhirHttp(() => server.base);

beforeAll(async () => {
  // Fixtures the content does not have: a plan with a broken expression, and what it applies.
  for (const name of ['ActivityDefinition-fixture-task', 'PlanDefinition-fixture-broken']) {
    const resource = fixture(name);
    const res = await api.put(`/${resource.resourceType}/${resource.id}`, resource);
    expect(res.status, res.text.slice(0, 300)).toBe(201);
  }
});

describe('subject', () => {
  it('arrives as a query string, as valueString or as valueReference, with the same result', async () => {
    const fromQuery = (await api.get(`${PROTOCOL}/$apply?subject=Patient%2F123`)).json<CarePlan>();
    const fromString = (await api.post(`${PROTOCOL}/$apply`, { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: 'Patient/123' }] })).json<CarePlan>();
    const fromReference = (
      await api.post(`${PROTOCOL}/$apply`, { resourceType: 'Parameters', parameter: [{ name: 'subject', valueReference: { reference: 'Patient/123' } }] })
    ).json<CarePlan>();
    for (const carePlan of [fromQuery, fromString, fromReference]) {
      expect(carePlan.resourceType).toBe('CarePlan');
      expect(carePlan.subject).toEqual({ reference: 'Patient/123' });
    }
    expect(fromString.contained?.map((r) => r.id)).toEqual(fromQuery.contained?.map((r) => r.id));
    expect(fromReference.contained?.map((r) => r.id)).toEqual(fromQuery.contained?.map((r) => r.id));
  });

  it('missing is a 400 that says how to send it', async () => {
    const outcome = expectOutcome(await api.get(`${PROTOCOL}/$apply`), 400, ['invalid']);
    expect(outcome.issue?.[0]?.details?.text).toMatch(/subject=Patient\/123/);
    expect(outcome.issue?.[0]?.expression).toEqual(['subject']);
    expectOutcome(await api.post(`${PROTOCOL}/$apply`, { resourceType: 'Parameters', parameter: [] }), 400, ['invalid']);
  });

  it('malformed is a 400 naming it', async () => {
    const outcome = expectOutcome(await api.get(`${PROTOCOL}/$apply?subject=123`), 400, ['invalid']);
    expect(outcome.issue?.[0]?.expression).toEqual(['subject']);
  });
});

describe('inputs', () => {
  it('data on GET is a 400: a Bundle must be POSTed', async () => {
    const outcome = expectOutcome(await api.get(`${PROTOCOL}/$apply?subject=Patient/1&data=%7B%7D`), 400, ['invalid']);
    expect(outcome.issue?.[0]?.details?.text).toMatch(/POST/);
  });

  it('a POST body that is not a Parameters resource is a 400', async () => {
    expectOutcome(await api.post(`${PROTOCOL}/$apply`, { subject: 'Patient/1' }), 400, ['invalid']);
  });

  it('data that is not a Bundle is a 400 naming the parameter', async () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: 'Patient/1' }, { name: 'data', resource: { resourceType: 'Patient' } }] };
    expect(expectOutcome(await api.post(`${PROTOCOL}/$apply`, body), 400).issue?.[0]?.expression).toEqual(['data']);
  });

  it('an unknown resultType is a 400; resultType=Bundle returns a collection Bundle', async () => {
    expectOutcome(await api.get(`${PROTOCOL}/$apply?subject=Patient/1&resultType=Graph`), 400);
    const bundle = (await api.get(`${PROTOCOL}/$apply?subject=Patient/1&resultType=Bundle`)).json<Bundle>();
    expect(bundle.type).toBe('collection');
    expect(bundle.entry?.[0]?.resource?.resourceType).toBe('CarePlan');
  });

  it('useServerData=true is refused (400 not-supported, saying to pass data), by GET and POST, on both $apply operations: this server holds no patient data', async () => {
    const post = { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: 'Patient/1' }, { name: 'useServerData', valueBoolean: true }] };
    for (const res of [
      await api.get(`${PROTOCOL}/$apply?subject=Patient/1&useServerData=true`),
      await api.post(`${PROTOCOL}/$apply`, post),
      await api.get('/ActivityDefinition/blood-thinner-review/$apply?subject=Patient/1&useServerData=true'),
    ]) {
      const outcome = expectOutcome(res, 400, ['not-supported']);
      expect(outcome.issue?.[0]?.expression).toEqual(['useServerData']);
      expect(outcome.issue?.[0]?.details?.text).toMatch(/no patient data.*data parameter/);
    }
  });

  it('useServerData=false is accepted by GET and POST and gives the same plan as leaving it out', async () => {
    const without = (await api.get(`${PROTOCOL}/$apply?subject=Patient/1`)).json<CarePlan>();
    const fromGet = await api.get(`${PROTOCOL}/$apply?subject=Patient/1&useServerData=false`);
    const fromPost = await api.post(`${PROTOCOL}/$apply`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'subject', valueString: 'Patient/1' }, { name: 'useServerData', valueBoolean: false }],
    });
    for (const res of [fromGet, fromPost]) {
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      expect(res.json<CarePlan>().activity?.length).toBe(without.activity?.length);
      expect(JSON.stringify(res.json<CarePlan>().contained?.map((r) => r.resourceType))).toBe(JSON.stringify(without.contained?.map((r) => r.resourceType)));
    }
  });

  it('a useServerData that is not a boolean is a 400 naming it', async () => {
    expect(expectOutcome(await api.get(`${PROTOCOL}/$apply?subject=Patient/1&useServerData=maybe`), 400).issue?.[0]?.expression).toEqual(['useServerData']);
  });

  it('an input given twice is a 400 naming it, by GET and POST (the registry checks the cardinality the definition declares)', async () => {
    const get = expectOutcome(await api.get(`${PROTOCOL}/$apply?subject=Patient/1&encounter=Encounter/a&encounter=Encounter/b`), 400, ['invalid']);
    expect(get.issue?.[0]?.expression).toEqual(['encounter']);
    expect(get.issue?.[0]?.details?.text).toBe('Parameter encounter may appear only once, got 2');
    const twice = [{ name: 'resultType', valueCode: 'Bundle' }, { name: 'resultType', valueCode: 'CarePlan' }];
    const post = expectOutcome(await api.post(`${PROTOCOL}/$apply`, { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: 'Patient/1' }, ...twice] }), 400, ['invalid']);
    expect(post.issue?.[0]?.expression).toEqual(['resultType']);
  });

  it('the practitioner and encounter become the author, requester and encounter', async () => {
    const carePlan = (await api.get(`${PROTOCOL}/$apply?subject=Patient/1&practitioner=Practitioner/dr&encounter=Encounter/e`)).json<CarePlan>();
    expect(carePlan.author).toEqual({ reference: 'Practitioner/dr' });
    expect(carePlan.encounter).toEqual({ reference: 'Encounter/e' });
    const request = carePlan.contained?.find((r) => r.resourceType === 'ServiceRequest') as ServiceRequest;
    expect(request.requester).toEqual({ reference: 'Practitioner/dr' });
    expect(request.encounter).toEqual({ reference: 'Encounter/e' });
  });
});

describe('the benchmark request', () => {
  it('POSTing test/fixtures/knowledge/Parameters-bench-apply.json applies the protocol with the blood-thinner step', async () => {
    const res = await api.post(`${PROTOCOL}/$apply`, fixture('Parameters-bench-apply'));
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const carePlan = res.json<CarePlan>();
    expect(carePlan.subject).toEqual({ reference: 'Patient/bench' });
    expect(JSON.stringify(carePlan.contained?.[0])).toContain('"id":"blood-thinner-review"');
  });
});

describe('type level', () => {
  it('applies the PlanDefinition named by url, or given inline', async () => {
    const byUrl = (await api.get(`/PlanDefinition/$apply?url=${encodeURIComponent(protocol.url as string)}&subject=Patient/1`)).json<CarePlan>();
    expect(byUrl.instantiatesCanonical).toEqual([`${protocol.url}|${protocol.version}`]);
    const inline = await api.post('/PlanDefinition/$apply', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'planDefinition', resource: fixture('PlanDefinition-fixture-child') },
        { name: 'subject', valueString: 'Patient/1' },
      ],
    });
    expect(inline.status, inline.text.slice(0, 300)).toBe(200);
    expect(inline.json<CarePlan>().title).toBe(fixture<PlanDefinition>('PlanDefinition-fixture-child').title);
  });

  it('an inline PlanDefinition that is not structurally valid is a 400 with the validator issues', async () => {
    const res = await api.post('/PlanDefinition/$apply', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'planDefinition', resource: { resourceType: 'PlanDefinition', status: 'active', action: 'not a list' } },
        { name: 'subject', valueString: 'Patient/1' },
      ],
    });
    const outcome = expectOutcome(res, 400, ['invalid']);
    expect(outcome.issue?.[0]?.expression).toEqual(['planDefinition']);
    expect(outcome.issue?.length).toBeGreaterThan(1);
  });

  it('without an id, url or inline resource is a 400; an unknown url is a 404', async () => {
    expectOutcome(await api.get('/PlanDefinition/$apply?subject=Patient/1'), 400);
    expectOutcome(await api.get('/PlanDefinition/$apply?subject=Patient/1&url=https://example.org/nothing'), 404, ['not-found']);
  });
});

describe('errors', () => {
  it('an unknown id is a 404', async () => {
    expectOutcome(await api.get('/PlanDefinition/no-such-plan/$apply?subject=Patient/1'), 404, ['not-found']);
    expectOutcome(await api.post('/ActivityDefinition/no-such-activity/$apply', { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: 'Patient/1' }] }), 404, ['not-found']);
    expectOutcome(await api.get('/ValueSet/no-such-valueset/$package'), 404, ['not-found']);
  });

  it('a condition that fails is a 200 whose CarePlan reports it (cqf-messages) and leaves the action out', async () => {
    const response = await api.get('/PlanDefinition/fixture-broken/$apply?subject=Patient/1');
    expect(response.status).toBe(200);
    const carePlan = response.json<CarePlan>();
    const reference = carePlan.extension?.find((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/cqf-messages')?.valueReference?.reference;
    const outcome = carePlan.contained?.find((r) => `#${r.id}` === reference) as OperationOutcome;
    expect(outcome.issue?.[0]?.details?.text).toContain('"broken-step"');
    expect(outcome.issue?.[0]?.details?.text).toContain('%data.entry.resource.noSuchFunction()');
    expect(outcome.issue?.[0]?.expression).toEqual(['PlanDefinition.action[1].condition[0].expression']);
    expect(JSON.stringify(carePlan.contained?.[0])).not.toContain('"broken-step"');
  });
});

describe('the other knowledge operations', () => {
  it('ActivityDefinition/$apply returns the request resource', async () => {
    const ad = contentResources().find((r) => r.id === 'pre-procedure-imaging') as ActivityDefinition;
    const request = (await api.get(`/ActivityDefinition/${ad.id}/$apply?subject=Patient/1`)).json<ServiceRequest>();
    expect(request.resourceType).toBe(ad.kind);
    expect(request.code).toEqual(ad.code);
  });

  it('$data-requirements of the protocol asks for the medication records its review reads', async () => {
    const library = (await api.get(`${PROTOCOL}/$data-requirements`)).json<Library>();
    expect(library.type?.coding?.[0]?.code).toBe('module-definition');
    const types = library.dataRequirement?.map((r) => r.type);
    for (const type of ['MedicationRequest', 'MedicationStatement', 'MedicationAdministration']) expect(types).toContain(type);
    const byUrl = (await api.get(`/PlanDefinition/$data-requirements?url=${encodeURIComponent(protocol.url as string)}`)).json<Library>();
    expect(byUrl.dataRequirement).toEqual(library.dataRequirement);
  });

  it('$data-requirements of an ActivityDefinition and $package of a CodeSystem (with its supplement) and a ValueSet', async () => {
    expect((await api.get('/ActivityDefinition/fasting-instruction/$data-requirements')).json<Library>().resourceType).toBe('Library');
    const cpt = contentResources().find((r) => r.resourceType === 'CodeSystem' && r.id === 'cpt') as CodeSystem;
    const cptPackage = (await api.get(`/CodeSystem/$package?url=${encodeURIComponent(cpt.url as string)}`)).json<Bundle>();
    // CPT is not this project's artifact: its package writes by conditional create, never PUT CodeSystem/cpt.
    expect(cptPackage.entry?.map((e) => e.fullUrl?.replace(/^.*\/fhir\//, ''))).toEqual(['CodeSystem/cpt', 'CodeSystem/cpt-supplement']);
    expect(cptPackage.entry?.[0]?.request?.method).toBe('POST');
    const vsPackage = (await api.post('/ValueSet/blood-thinners/$package', { resourceType: 'Parameters', parameter: [] })).json<Bundle>();
    expect(vsPackage.entry?.[0]?.request?.url).toBe('ValueSet/blood-thinners');
    expectOutcome(await api.get('/ValueSet/blood-thinners/$package?include=everything'), 400);
  });

  it('the CapabilityStatement lists $apply, $package and $data-requirements for PlanDefinition', async () => {
    const cs = (await api.get('/metadata')).json<CapabilityStatement>();
    const operations = cs.rest?.[0]?.resource?.find((r) => r.type === 'PlanDefinition')?.operation?.map((o) => o.name);
    expect(operations).toEqual(expect.arrayContaining(['apply', 'package', 'data-requirements']));
  });
});
