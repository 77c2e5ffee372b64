/**
 * The R4 search parameters of the served types, with their modifiers and prefixes, over the fixtures of
 * test/fixtures/http/search-*.json (loaded by PUT) and the project content. Each search is compared with
 * the exact set of resources it must find.
 *
 * @see https://hl7.org/fhir/R4/search.html
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 */
import type { ActivityDefinition, CodeSystem, CodeSystemConcept, PlanDefinition, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionDefinitions, contentResources, FIXTURE_BASE, readFixtures, type WithId } from '../helpers/fixtures.ts';
import { expectBundle, expectOutcome, fhirHttp, matchIds } from '../helpers/http.ts';
import { testStores, useTestServer } from '../helpers/server.ts';

/** `meta.lastUpdated` of the first fixture written (every content resource is older). */
let firstFixtureUpdate: string;

const fixtures = readFixtures('search-');
const B = FIXTURE_BASE;
const LC = 'https://example.org/fhir/liver-cryoablation/CodeSystem/liver-cryoablation';
const PUB = encodeURIComponent('Search Test Publisher');

// The same suite on every store: embedded SQLite, and PostgreSQL (DATABASE_URL) when it is available.
describe.each(testStores())('on %s', (store) => {
  const server = useTestServer({ store });
  const api = fhirHttp(() => server.base);

  beforeAll(async () => {
    firstFixtureUpdate = '';
    for (const fixture of fixtures) {
      const res = await api.put(`/${fixture.resourceType}/${fixture.id}`, fixture);
      if (res.status !== 201) throw new Error(`fixture ${fixture.id} not stored: ${res.status} ${res.text}`);
      firstFixtureUpdate ||= res.json<Resource>().meta?.lastUpdated as string;
    }
  });

  /** Asserts that `GET path` finds exactly these `Type/id`s (fixture ids may be given without the `http-search-` prefix). */
  async function expectIds(path: string, expected: readonly string[]): Promise<void> {
    const bundle = expectBundle(await api.get(path.includes('_count=') ? path : `${path}${path.includes('?') ? '&' : '?'}_count=1000`));
    const wanted = expected.map((e) => {
      const [type, id] = e.split('/');
      return `${type}/${id.startsWith('http-search-') || contentIds.has(`${type}/${id}`) ? id : `http-search-${id}`}`;
    });
    expect(matchIds(bundle).sort(), path).toEqual([...wanted].sort());
    expect(bundle.total, path).toBe(wanted.length);
  }

  const content = contentResources();
  const contentIds = new Set(content.map((r) => `${r.resourceType}/${r.id}`));

  /** `Type/id` of the content resources of `type` that satisfy `test`. */
  function contentWhere<T extends Resource>(type: string, test: (r: WithId<T>) => boolean): string[] {
    return content.filter((r) => r.resourceType === type && test(r as WithId<T>)).map((r) => `${type}/${r.id}`);
  }

  /** Every concept code of a CodeSystem, at any depth. */
  function conceptCodes(concepts: readonly CodeSystemConcept[] | undefined): string[] {
    return (concepts ?? []).flatMap((c) => [c.code, ...conceptCodes(c.concept)]);
  }

  describe('url (uri)', () => {
    it('matches the whole url, every version', async () => {
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/abc`, ['CodeSystem/abc', 'CodeSystem/abc-v2']);
    });

    it('is exact, not a prefix or substring match: …/ab finds nothing although …/abc and …/abcd exist', async () => {
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/ab`, []);
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/abcd`, ['CodeSystem/abcd']);
      await expectIds(`/CodeSystem?url=${encodeURIComponent(`${B}/CodeSystem/ABC`)}`, []);
    });

    it(':below matches urls under a path, :above urls that are parents of the value', async () => {
      await expectIds(`/CodeSystem?url:below=${B}/CodeSystem`, ['CodeSystem/abc', 'CodeSystem/abc-v2', 'CodeSystem/abcd']);
      await expectIds(`/CodeSystem?url:below=${B}/CodeSystem/ab`, []);
      await expectIds(`/CodeSystem?url:above=${B}/CodeSystem/abc/child`, ['CodeSystem/abc', 'CodeSystem/abc-v2']);
    });

    it('ORs comma-separated values', async () => {
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/abcd,${B}/CodeSystem/abc`, ['CodeSystem/abc', 'CodeSystem/abc-v2', 'CodeSystem/abcd']);
    });

    it('finds the project content by its canonical', async () => {
      await expectIds('/CodeSystem?url=http://www.ama-assn.org/go/cpt', ['CodeSystem/cpt']);
    });

    it('works on every type that has a url', async () => {
      await expectIds(`/ValueSet?url=${B}/ValueSet/alpha`, ['ValueSet/vs-alpha']);
      await expectIds(`/ConceptMap?url=${B}/ConceptMap/alpha-to-abcd`, ['ConceptMap/map']);
      await expectIds(`/PlanDefinition?url=${B}/PlanDefinition/protocol`, ['PlanDefinition/protocol']);
      await expectIds(`/ActivityDefinition?url=${B}/ActivityDefinition/step-one`, ['ActivityDefinition/step-one']);
      await expectIds(`/Library?url=${B}/Library/logic`, ['Library/lib-logic']);
      await expectIds(`/Questionnaire?url=${B}/Questionnaire/intake`, ['Questionnaire/intake']);
    });
  });

  describe('version (token)', () => {
    it('selects one version of a canonical', async () => {
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/abc&version=2.0.0`, ['CodeSystem/abc-v2']);
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/abc&version=1.0.0`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/abc&version=3.0.0`, []);
    });

    it(':not excludes a version', async () => {
      await expectIds(`/CodeSystem?url=${B}/CodeSystem/abc&version:not=1.0.0`, ['CodeSystem/abc-v2']);
    });
  });

  describe('string parameters: name, title, publisher, description', () => {
    it('match the start of the value, ignoring case and accents', async () => {
      await expectIds('/CodeSystem?name=httpalpha', ['CodeSystem/abc', 'CodeSystem/abc-v2']);
      await expectIds('/CodeSystem?title=HTTP%20alpha', ['CodeSystem/abc', 'CodeSystem/abc-v2']);
      await expectIds('/CodeSystem?title=HTTP%20%C3%80BCD', ['CodeSystem/abcd']);
      await expectIds('/CodeSystem?title=http%20abcd', ['CodeSystem/abcd']);
      await expectIds('/CodeSystem?publisher=another', ['CodeSystem/abcd']);
      await expectIds('/CodeSystem?description=codes%20whose', ['CodeSystem/abcd']);
      await expectIds('/CodeSystem?name=AlphaCodes', []);
    });

    it(':exact is case-sensitive and whole-value', async () => {
      await expectIds('/CodeSystem?name:exact=HttpAlphaCodes', ['CodeSystem/abc', 'CodeSystem/abc-v2']);
      await expectIds('/CodeSystem?name:exact=httpalphacodes', []);
      await expectIds('/CodeSystem?name:exact=HttpAlpha', []);
    });

    it(':contains matches anywhere', async () => {
      await expectIds('/CodeSystem?name:contains=abcd', ['CodeSystem/abcd']);
      await expectIds('/CodeSystem?title:contains=SECOND', ['CodeSystem/abc-v2']);
      await expectIds('/CodeSystem?description:contains=edition', ['CodeSystem/abc-v2']);
    });

    it('resolves search escapes (\\,) in values', async () => {
      await expectIds(`/CodeSystem?title=${encodeURIComponent('HTTP alpha codes\\, second')}`, ['CodeSystem/abc-v2']);
    });

    it('work on the other types', async () => {
      await expectIds(`/ValueSet?name=HttpBeta`, ['ValueSet/vs-beta']);
      await expectIds(`/ConceptMap?title=HTTP%20alpha%20to`, ['ConceptMap/map']);
      await expectIds(`/NamingSystem?name=HttpAlphaNaming`, ['NamingSystem/ns']);
      await expectIds(`/Questionnaire?publisher=${PUB}`, ['Questionnaire/intake']);
      await expectIds(`/PlanDefinition?publisher=another`, ['PlanDefinition/protocol-base']);
    });
  });

  describe('status (token) and :not', () => {
    it('matches a code, ORs comma-separated codes, :not excludes', async () => {
      await expectIds('/CodeSystem?status=retired', ['CodeSystem/abcd']);
      await expectIds(`/CodeSystem?publisher=${PUB}&status=draft`, ['CodeSystem/abc-v2']);
      await expectIds(`/CodeSystem?url:below=${B}&status=draft,retired`, ['CodeSystem/abc-v2', 'CodeSystem/abcd']);
      await expectIds(`/CodeSystem?url:below=${B}&status:not=active`, ['CodeSystem/abc-v2', 'CodeSystem/abcd']);
      await expectIds(`/Library?url:below=${B}&status=retired`, ['Library/lib-base']);
    });

    it('is case-sensitive (codes are)', async () => {
      await expectIds('/CodeSystem?status=RETIRED', []);
    });
  });

  describe('date and its prefixes', () => {
    const mine = `url:below=${B}`;
    it('matches by the precision of the value', async () => {
      await expectIds(`/CodeSystem?${mine}&date=2021`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?${mine}&date=2021-03`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?${mine}&date=2021-03-15`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?${mine}&date=2021-03-16`, []);
      await expectIds(`/CodeSystem?${mine}&date=${encodeURIComponent('2023-06-01T10:30:00Z')}`, ['CodeSystem/abc-v2']);
    });

    it.each([
      ['eq2021-03-15', ['abc']],
      ['ne2021-03-15', ['abc-v2', 'abcd']],
      ['gt2021-03-15', ['abc-v2']],
      ['ge2021-03-15', ['abc', 'abc-v2']],
      ['lt2021-03-15', ['abcd']],
      ['le2021-03-15', ['abc', 'abcd']],
      ['sa2021-03-15', ['abc-v2']],
      ['eb2021-03-15', ['abcd']],
      ['lt2020', ['abcd']],
      ['ge2023-06-01T10:30:00Z', ['abc-v2']],
    ])('date=%s', async (value, ids) => {
      await expectIds(`/CodeSystem?${mine}&date=${encodeURIComponent(value)}`, ids.map((id) => `CodeSystem/${id}`));
    });

    it('ANDs two occurrences into a range', async () => {
      await expectIds(`/CodeSystem?${mine}&date=ge2019-01-01&date=lt2022-01-01`, ['CodeSystem/abc', 'CodeSystem/abcd']);
    });

    it('refuses a value that is not a date with 400', async () => {
      expectOutcome(await api.get('/CodeSystem?date=yesterday'), 400);
      expectOutcome(await api.get('/CodeSystem?date=2021-13-01'), 400);
    });

    it('works on the other types', async () => {
      await expectIds(`/NamingSystem?date=2020-05-05`, ['NamingSystem/ns']);
      await expectIds(`/ConceptMap?date=ge2022-09-01&url:below=${B}`, ['ConceptMap/map']);
    });
  });

  describe('identifier (token)', () => {
    const oid = 'urn:oid:2.16.840.1.113883.3.9999.1';
    it('matches system|value, value alone, and system| alone', async () => {
      await expectIds(`/CodeSystem?identifier=urn:ietf:rfc:3986|${oid}`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?identifier=${oid}`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?identifier=urn:ietf:rfc:3986|`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?identifier=http://other.example|${oid}`, []);
    });

    it(':missing tells resources with and without the element apart', async () => {
      await expectIds(`/CodeSystem?url:below=${B}&identifier:missing=true`, ['CodeSystem/abc-v2', 'CodeSystem/abcd']);
      await expectIds(`/CodeSystem?url:below=${B}&identifier:missing=false`, ['CodeSystem/abc']);
      expectOutcome(await api.get('/CodeSystem?identifier:missing=maybe'), 400);
    });

    it('works on the other types', async () => {
      await expectIds(`/ValueSet?identifier=urn:oid:2.16.840.1.113883.3.9999.2`, ['ValueSet/vs-alpha']);
      await expectIds(`/PlanDefinition?identifier=urn:oid:2.16.840.1.113883.3.9999.11`, ['PlanDefinition/protocol']);
      await expectIds(`/ActivityDefinition?identifier=urn:oid:2.16.840.1.113883.3.9999.7`, ['ActivityDefinition/step-one']);
    });
  });

  describe('context, context-type, jurisdiction (tokens of useContext and jurisdiction)', () => {
    it('context matches the value of a useContext', async () => {
      await expectIds(`/CodeSystem?context=${LC}|primary-liver-cancer`, ['CodeSystem/abc']);
      await expectIds(`/ValueSet?context=metastatic-liver-cancer&url:below=${B}`, ['ValueSet/vs-alpha']);
      const expected = contentWhere<PlanDefinition>('PlanDefinition', (r) =>
        (r.useContext ?? []).some((uc) => (uc.valueCodeableConcept?.coding ?? []).some((c) => c.system === LC && c.code === 'primary-liver-cancer')),
      );
      await expectIds(`/PlanDefinition?context=${LC}|primary-liver-cancer`, [...expected, 'PlanDefinition/protocol']);
    });

    it('context-type matches the kind of useContext', async () => {
      await expectIds('/CodeSystem?context-type=venue', ['CodeSystem/abc-v2']);
      await expectIds('/CodeSystem?context-type=http://terminology.hl7.org/CodeSystem/usage-context-type|focus', ['CodeSystem/abc']);
    });

    it('context-type-value combines both ($-separated)', async () => {
      await expectIds(`/CodeSystem?context-type-value=${encodeURIComponent('focus$primary-liver-cancer')}`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?context-type-value=${encodeURIComponent('venue$primary-liver-cancer')}`, []);
    });

    it('jurisdiction matches system|code and code', async () => {
      await expectIds('/CodeSystem?jurisdiction=urn:iso:std:iso:3166|GB', ['CodeSystem/abc-v2']);
      await expectIds('/CodeSystem?jurisdiction=US', ['CodeSystem/abc']);
      await expectIds('/NamingSystem?jurisdiction=US', ['NamingSystem/ns']);
    });
  });

  describe('topic (token)', () => {
    it('matches the topic of PlanDefinition, ActivityDefinition and Library', async () => {
      const topic = 'http://terminology.hl7.org/CodeSystem/definition-topic';
      const expected = contentWhere<PlanDefinition>('PlanDefinition', (r) =>
        (r.topic ?? []).some((t) => (t.coding ?? []).some((c) => c.system === topic && c.code === 'treatment')),
      );
      await expectIds(`/PlanDefinition?topic=${topic}|treatment`, [...expected, 'PlanDefinition/protocol']);
      const assessment = contentWhere<ActivityDefinition>('ActivityDefinition', (r) => (r.topic ?? []).some((t) => (t.coding ?? []).some((c) => c.code === 'assessment')));
      await expectIds('/ActivityDefinition?topic=assessment', [...assessment, 'ActivityDefinition/step-two']);
      await expectIds(`/Library?topic=${topic}|treatment&url:below=${B}`, ['Library/lib-logic']);
    });

    it(':text matches the display text', async () => {
      const texts = contentWhere<ActivityDefinition>('ActivityDefinition', (r) =>
        (r.topic ?? []).some((t) => [t.text, ...(t.coding ?? []).map((c) => c.display)].some((s) => s?.toLowerCase().includes('assess'))),
      );
      await expectIds('/ActivityDefinition?topic:text=assess', [...texts, 'ActivityDefinition/step-two']);
    });
  });

  describe('related-artifact references: composed-of, depends-on, derived-from, predecessor, successor', () => {
    it('composed-of matches by canonical and by Type/id', async () => {
      await expectIds(`/PlanDefinition?composed-of=${B}/ActivityDefinition/step-one`, ['PlanDefinition/protocol']);
      await expectIds('/PlanDefinition?composed-of=ActivityDefinition/http-search-step-one', ['PlanDefinition/protocol']);
      await expectIds(`/Library?composed-of=${B}/ValueSet/alpha`, ['Library/lib-logic']);
    });

    it('depends-on includes PlanDefinition.library', async () => {
      await expectIds(`/PlanDefinition?depends-on=${B}/Library/logic`, ['PlanDefinition/protocol']);
      await expectIds(`/Library?depends-on=${B}/CodeSystem/abc`, ['Library/lib-logic']);
    });

    it('derived-from and predecessor', async () => {
      await expectIds(`/PlanDefinition?derived-from=${B}/PlanDefinition/protocol-base`, ['PlanDefinition/protocol']);
      await expectIds(`/PlanDefinition?predecessor=${B}/PlanDefinition/protocol-base`, ['PlanDefinition/protocol']);
      await expectIds(`/Library?derived-from=${B}/Library/base`, ['Library/lib-logic']);
      await expectIds(`/Library?predecessor=${B}/Library/base`, ['Library/lib-logic']);
    });

    it('successor', async () => {
      await expectIds(`/ActivityDefinition?successor=${B}/ActivityDefinition/step-two`, ['ActivityDefinition/step-one']);
    });

    it('a versioned canonical must match the version of the target', async () => {
      await expectIds(`/PlanDefinition?composed-of=${encodeURIComponent(`${B}/ActivityDefinition/step-one|9.9.9`)}`, []);
    });
  });

  describe('CodeSystem code and system, ValueSet reference, PlanDefinition definition', () => {
    it('CodeSystem code matches a concept code of the system', async () => {
      await expectIds('/CodeSystem?code=A3', ['CodeSystem/abc-v2']);
      await expectIds(`/CodeSystem?code=A1&url:below=${B}`, ['CodeSystem/abc', 'CodeSystem/abc-v2']);
      const withCode = contentWhere<CodeSystem>('CodeSystem', (r) => conceptCodes(r.concept).includes('47383'));
      expect(withCode).toContain('CodeSystem/cpt');
      await expectIds('/CodeSystem?code=47383', withCode);
      await expectIds('/CodeSystem?code=a1', []);
    });

    it('CodeSystem system matches the system url', async () => {
      await expectIds(`/CodeSystem?system=${B}/CodeSystem/abcd`, ['CodeSystem/abcd']);
    });

    it('ValueSet reference matches included code systems', async () => {
      await expectIds(`/ValueSet?reference=${B}/CodeSystem/abc`, ['ValueSet/vs-alpha']);
      await expectIds(`/ValueSet?reference=${B}/CodeSystem/abcd`, ['ValueSet/vs-beta']);
    });

    it('Questionnaire code matches item codes', async () => {
      await expectIds(`/Questionnaire?code=${B}/CodeSystem/abc|A1`, ['Questionnaire/intake']);
    });

    it('PlanDefinition definition matches top-level and nested action definitions', async () => {
      await expectIds(`/PlanDefinition?definition=${B}/ActivityDefinition/step-one`, ['PlanDefinition/protocol']);
      await expectIds(`/PlanDefinition?definition=${B}/ActivityDefinition/step-two`, ['PlanDefinition/protocol', 'PlanDefinition/protocol-base']);
      await expectIds('/PlanDefinition?definition=ActivityDefinition/http-search-step-two', ['PlanDefinition/protocol', 'PlanDefinition/protocol-base']);
      const nested = 'https://example.org/fhir/liver-cryoablation/ActivityDefinition/general-anesthesia';
      const expected = contentWhere<PlanDefinition>('PlanDefinition', (r) => actionDefinitions(r.action).includes(nested));
      expect(expected).toContain('PlanDefinition/liver-tumor-cryoablation');
      await expectIds(`/PlanDefinition?definition=${nested}`, expected);
    });
  });

  describe('_id and _lastUpdated', () => {
    it('_id matches one id, or several comma-separated', async () => {
      await expectIds('/CodeSystem?_id=http-search-abc', ['CodeSystem/abc']);
      await expectIds('/CodeSystem?_id=http-search-abc,http-search-abcd', ['CodeSystem/abc', 'CodeSystem/abcd']);
      await expectIds('/CodeSystem?_id=no-such-id', []);
      await expectIds('/PlanDefinition?_id=http-search-protocol', ['PlanDefinition/protocol']);
    });

    it('_lastUpdated separates the content (loaded at start) from the fixtures (written after)', async () => {
      const since = encodeURIComponent(`ge${firstFixtureUpdate}`);
      await expectIds(`/CodeSystem?_lastUpdated=${since}`, ['CodeSystem/abc', 'CodeSystem/abc-v2', 'CodeSystem/abcd']);
      const before = encodeURIComponent(`lt${firstFixtureUpdate}`);
      await expectIds(`/CodeSystem?_lastUpdated=${before}`, contentWhere('CodeSystem', () => true));
    });
  });

  describe('combinations and errors', () => {
    it('ANDs different parameters', async () => {
      await expectIds(`/CodeSystem?publisher=${PUB}&status=active`, ['CodeSystem/abc']);
      await expectIds(`/CodeSystem?name=HttpAlpha&jurisdiction=GB`, ['CodeSystem/abc-v2']);
    });

    it('an empty value is ignored', async () => {
      await expectIds(`/CodeSystem?url:below=${B}&name=`, ['CodeSystem/abc', 'CodeSystem/abc-v2', 'CodeSystem/abcd']);
    });

    it('refuses an unknown modifier with 400 (it would change the meaning of the search)', async () => {
      expectOutcome(await api.get('/CodeSystem?name:sounds-like=alpha'), 400);
      expectOutcome(await api.get('/CodeSystem?url:contains=abc'), 400);
    });
  });

  describe('system-level search', () => {
    it('searches several types with _type', async () => {
      await expectIds(`/?_type=CodeSystem,ValueSet&publisher=${PUB}`, ['CodeSystem/abc', 'CodeSystem/abc-v2', 'ValueSet/vs-alpha', 'ValueSet/vs-beta']);
    });

    it('searches every type without _type', async () => {
      await expectIds('/?publisher=another', ['CodeSystem/abcd', 'PlanDefinition/protocol-base']);
    });

    it('_sort orders across types, or is refused (never silently ignored)', async () => {
      const res = await api.get(`/?_type=CodeSystem,ValueSet&publisher=${PUB}&_sort=-name`);
      if (res.status === 400) {
        expectOutcome(res, 400);
        return;
      }
      const names = (expectBundle(res).entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => (e.resource as { name?: string }).name);
      expect(names).toEqual(['HttpBetaValues', 'HttpAlphaValues', 'HttpAlphaCodes', 'HttpAlphaCodes']);
    });

    it('refuses an unknown _type with 400', async () => {
      expectOutcome(await api.get('/?_type=Patient'), 400);
    });

    it('POST /_search with a form body', async () => {
      const res = await api.request('POST', '/_search', {
        body: '_type=CodeSystem&publisher=another',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(matchIds(expectBundle(res))).toEqual(['CodeSystem/http-search-abcd']);
    });
  });

  describe('POST _search', () => {
    it('takes the parameters from a form body', async () => {
      const res = await api.request('POST', '/CodeSystem/_search', {
        body: `url=${encodeURIComponent(`${B}/CodeSystem/abc`)}&version=2.0.0`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(matchIds(expectBundle(res))).toEqual(['CodeSystem/http-search-abc-v2']);
    });

    it('combines query-string and body parameters', async () => {
      const res = await api.request('POST', `/CodeSystem/_search?url=${encodeURIComponent(`${B}/CodeSystem/abc`)}`, {
        body: 'version=1.0.0',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(matchIds(expectBundle(res))).toEqual(['CodeSystem/http-search-abc']);
    });

    it('answers GET on _search with 405', async () => {
      expectOutcome(await api.get('/CodeSystem/_search'), 405);
    });
  });

  describe('fixture sanity', () => {
    it('every fixture was loaded and reads back', async () => {
      for (const fixture of fixtures) {
        expect((await api.get(`/${fixture.resourceType}/${fixture.id}`)).status).toBe(200);
      }
    });
  });
});
