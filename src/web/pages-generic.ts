/**
 * Generic pages: the home page, any resource (sanitised narrative + highlighted JSON), search results as a
 * table with paging, an operation's Parameters as a table, and an OperationOutcome as an error page.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://hl7.org/fhir/R4/search.html#paging
 */
import type { Bundle, OperationOutcome, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { entries, type PageRequest } from './call.ts';
import { html, type SafeHtml } from './html.ts';
import { jsonView } from './json-view.ts';
import { layout, type Page } from './layout.ts';
import { sanitizeNarrative } from './sanitize.ts';

/** Resource types listed on the home page. */
const HOME_TYPES = ['PlanDefinition', 'ActivityDefinition', 'CodeSystem', 'ValueSet', 'ConceptMap', 'Library', 'Patient'];

/**
 * The home page: what the server is, how many resources of each kind it holds, links into the pages.
 * @see https://hl7.org/fhir/R4/http.html#capabilities
 */
export async function homePage(req: PageRequest): Promise<Page> {
  const counts = await Promise.all(
    HOME_TYPES.map(async (type) => {
      try {
        const b = (await req.call('GET', type, [['_summary', 'count']])) as Bundle | undefined;
        return { type, total: b?.total ?? 0 };
      } catch {
        return { type, total: undefined };
      }
    }),
  );
  const pathways = entries(await req.call('GET', 'PlanDefinition', [['_count', '50']]));
  return layout(
    'Cryoablation FHIR server',
    html`<p>A FHIR R4 terminology and knowledge server for CPT 47383 (percutaneous cryoablation of liver tumors).
It holds the procedure as a PlanDefinition with its ActivityDefinitions, and the code systems and value sets it uses.
FHIR clients get JSON at these same addresses; a browser gets these pages.</p>
<h2>Pathways</h2>
<ul>${pathways.map((p) => html`<li><a href="${`/fhir/PlanDefinition/${p.id ?? ''}`}">${title(p)}</a></li>`)}</ul>
<h2>What the server holds</h2>
<table><thead><tr><th scope="col">Resource type</th><th scope="col">Count</th></tr></thead>
<tbody>${counts.map((c) => html`<tr><td><a href="${`/fhir/${c.type}`}">${c.type}</a></td><td>${c.total === undefined ? '–' : String(c.total)}</td></tr>`)}</tbody></table>
<h2>Tools</h2>
<ul><li><a href="/fhir/CodeSystem/$validate-code">Validate a code</a></li><li><a href="/fhir/CodeSystem/$subsumes">Test subsumption</a></li><li><a href="/fhir/metadata">CapabilityStatement</a></li></ul>`,
  );
}

/** A resource's human title. */
export function title(r: Resource): string {
  const named = r as Resource & { title?: string; name?: unknown };
  if (typeof named.title === 'string') return named.title;
  if (typeof named.name === 'string') return named.name;
  return `${r.resourceType}/${r.id ?? ''}`;
}

/** The sanitised narrative and JSON of a resource (shared by the specific pages). */
export function resourceSections(resource: Resource): SafeHtml {
  const text = (resource as Resource & { text?: { div?: string } }).text?.div;
  return html`${text ? html`<section aria-labelledby="narrative-h"><h2 id="narrative-h">Narrative</h2><div class="narrative">${sanitizeNarrative(text)}</div></section>` : ''}
<section aria-labelledby="json-h"><h2 id="json-h">JSON</h2>${jsonView(resource)}</section>`;
}

/**
 * Any resource as a page.
 * @see https://hl7.org/fhir/R4/narrative.html
 */
export function resourcePage(resource: Resource, extra?: SafeHtml): Page {
  if (resource.resourceType === 'Parameters') return parametersPage('Result', resource as Parameters);
  if (resource.resourceType === 'Bundle') return bundlePage(resource as Bundle, 'Bundle');
  return layout(`${resource.resourceType} ${title(resource)}`, html`${extra ?? ''}${resourceSections(resource)}`);
}

function localLink(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return '#';
  }
}

/**
 * Search results as a table with paging links.
 */
export function bundlePage(bundle: Bundle, heading: string): Page {
  const rows = (bundle.entry ?? []).map((e) => {
    const r = e.resource;
    if (!r) return html``;
    const meta = r as Resource & { url?: string; status?: string; version?: string };
    return html`<tr><td>${r.resourceType}</td><td><a href="${`/fhir/${r.resourceType}/${r.id ?? ''}`}">${r.id ?? ''}</a></td><td>${title(r)}</td><td>${meta.status ?? ''}</td><td>${meta.version ?? ''}</td><td class="url">${meta.url ?? ''}</td></tr>`;
  });
  const links = (bundle.link ?? []).filter((l) => ['first', 'previous', 'prev', 'next', 'last'].includes(l.relation ?? ''));
  return layout(
    heading,
    html`<p>${bundle.total === undefined ? '' : `${bundle.total} found. `}Showing ${String(bundle.entry?.length ?? 0)}.</p>
<div class="scroll"><table class="results"><thead><tr><th scope="col">Type</th><th scope="col">Id</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col">URL</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<nav aria-label="Pages" class="paging">${links.map((l) => html`<a rel="${l.relation === 'prev' ? 'previous' : l.relation ?? ''}" href="${localLink(l.url ?? '')}">${l.relation ?? ''}</a> `)}</nav>`,
  );
}

function parameterValue(p: ParametersParameter): SafeHtml {
  if (p.resource) return jsonView(p.resource);
  if (p.part) return parameterTable(p.part);
  for (const [k, v] of Object.entries(p)) {
    if (!k.startsWith('value')) continue;
    if (v && typeof v === 'object') {
      const coding = v as { system?: string; code?: string; display?: string };
      if (coding.code !== undefined) return html`<code>${coding.code}</code> ${coding.display ?? ''} <span class="muted">${coding.system ?? ''}</span>`;
      return html`<code>${JSON.stringify(v)}</code>`;
    }
    return html`${String(v as string)}`;
  }
  return html``;
}

/** A Parameters list as a two-column table (parts nested). */
export function parameterTable(parameters: readonly ParametersParameter[]): SafeHtml {
  return html`<table class="params"><tbody>${parameters.map((p) => html`<tr><th scope="row">${p.name}</th><td>${parameterValue(p)}</td></tr>`)}</tbody></table>`;
}

/**
 * An operation's output Parameters as a page.
 * @see https://hl7.org/fhir/R4/parameters.html
 */
export function parametersPage(heading: string, parameters: Parameters, before?: SafeHtml): Page {
  return layout(heading, html`${before ?? ''}<h2>Result</h2>${parameterTable(parameters.parameter ?? [])}`);
}

/**
 * An OperationOutcome (an error) as a page with the error's status.
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 */
export function outcomeSection(outcome: OperationOutcome): SafeHtml {
  return html`<div class="outcome" role="alert"><ul>${(outcome.issue ?? []).map((i) => html`<li><strong>${i.severity}</strong> (${i.code}): ${i.details?.text ?? i.diagnostics ?? ''}${i.expression ? html` <code>${i.expression.join(', ')}</code>` : ''}</li>`)}</ul></div>`;
}

/** The error page. */
export function errorPage(status: number, outcome: OperationOutcome): Page {
  return layout(status === 404 ? 'Not found' : `Error ${String(status)}`, outcomeSection(outcome), status);
}
