/**
 * Terminology pages: a CodeSystem (properties, concept hierarchy as a tree, designations), a concept
 * (`$lookup`), a ValueSet (compose rules in words, expansion with a filter box: live with the script, a plain
 * GET form without it), and the `$validate-code` and `$subsumes` forms.
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 */
import type { CodeSystem, CodeSystemConcept, Parameters, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { entries, param, type PageRequest } from './call.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, type Page } from './layout.ts';
import { outcomeSection, parameterTable, resourceSections, title } from './pages-generic.ts';
import { isFhirError } from '../fhir/errors.ts';

function lookupHref(system: string, code: string): string {
  return `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=${encodeURIComponent(code)}`;
}

function conceptTree(system: string, concepts: readonly CodeSystemConcept[] | undefined): SafeHtml {
  if (!concepts || concepts.length === 0) return html``;
  return html`<ul class="tree">${concepts.map(
    (c) => html`<li><a href="${lookupHref(system, c.code ?? '')}"><code>${c.code ?? ''}</code></a> ${c.display ?? ''}${
      (c.designation ?? []).length > 0 ? html` <span class="muted">(${(c.designation ?? []).map((d, i) => html`${i > 0 ? '; ' : ''}${d.language ? `${d.language}: ` : ''}${d.value ?? ''}`)})</span>` : ''
    }${conceptTree(system, c.concept)}</li>`,
  )}</ul>`;
}

/**
 * A CodeSystem page.
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
export function codeSystemPage(_req: PageRequest, cs: CodeSystem): Page {
  const props = cs.property ?? [];
  return layout(
    `CodeSystem ${title(cs)}`,
    html`${cs.description ? html`<p>${cs.description}</p>` : ''}
<dl><dt>URL</dt><dd class="url">${cs.url ?? ''}</dd><dt>Content</dt><dd>${cs.content ?? ''}${cs.supplements ? html` (supplements <span class="url">${cs.supplements}</span>)` : ''}</dd><dt>Hierarchy</dt><dd>${cs.hierarchyMeaning ?? 'none stated'}</dd><dt>Concepts</dt><dd>${String(cs.count ?? '')}</dd></dl>
${props.length > 0 ? html`<h2>Properties</h2><table><thead><tr><th scope="col">Code</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>${props.map((p) => html`<tr><td><code>${p.code ?? ''}</code></td><td>${p.type ?? ''}</td><td>${p.description ?? ''}</td></tr>`)}</tbody></table>` : ''}
<h2>Concepts</h2>${conceptTree(cs.supplements ?? cs.url ?? '', cs.concept)}
${resourceSections(cs)}`,
  );
}

/**
 * A concept page: `$lookup` (display, designations including supplements, properties, parents/children).
 * @see https://hl7.org/fhir/R4/codesystem-operation-lookup.html
 */
export async function lookupPage(req: PageRequest): Promise<Page> {
  const system = param(req, 'system') ?? '';
  const code = param(req, 'code') ?? '';
  const form = html`<form method="get" action="/fhir/CodeSystem/$lookup"><p><label for="lk-system">System</label> <input id="lk-system" name="system" value="${system}" size="60"></p><p><label for="lk-code">Code</label> <input id="lk-code" name="code" value="${code}"></p><p><button type="submit">Look up</button></p></form>`;
  if (system === '' || code === '') return layout('Look up a concept', form);
  try {
    const out = (await req.call('GET', 'CodeSystem/$lookup', [['system', system], ['code', code], ['property', '*']])) as Parameters;
    const display = out.parameter?.find((p) => p.name === 'display')?.valueString;
    const related = (out.parameter ?? [])
      .filter((p) => p.name === 'property')
      .map((p) => ({ code: p.part?.find((x) => x.name === 'code')?.valueCode, value: p.part?.find((x) => x.name === 'value')?.valueCode }))
      .filter((p) => (p.code === 'parent' || p.code === 'child') && p.value !== undefined);
    const valueSets = await containingValueSets(req, system, code);
    return layout(
      `${code} ${display ?? ''}`,
      html`${form}${valueSets.length > 0 ? html`<h2>Value sets that contain it</h2><ul>${valueSets.map((vs) => html`<li><a href="${`/fhir/ValueSet/${vs.id ?? ''}`}">${title(vs)}</a></li>`)}</ul>` : ''}${related.length > 0 ? html`<h2>Parents and children</h2><ul>${related.map((r) => html`<li>${r.code ?? ''}: <a href="${lookupHref(system, r.value ?? '')}">${r.value ?? ''}</a></li>`)}</ul>` : ''}<h2>$lookup</h2>${parameterTable(out.parameter ?? [])}`,
    );
  } catch (err) {
    if (!isFhirError(err)) throw err;
    return layout('Look up a concept', html`${form}${outcomeSection(err.outcome)}`, err.status);
  }
}

/** The value sets on this server whose expansion contains the code (`$validate-code` on each, in-process). */
async function containingValueSets(req: PageRequest, system: string, code: string): Promise<ValueSet[]> {
  const all = entries<ValueSet>(await req.call('GET', 'ValueSet', [['_count', '1000'], ['_elements', 'url,title,name']]));
  const found = await Promise.all(
    all.map(async (vs) => {
      try {
        const out = (await req.call('GET', 'ValueSet/$validate-code', [['url', vs.url ?? ''], ['system', system], ['code', code]])) as Parameters;
        return out.parameter?.find((p) => p.name === 'result')?.valueBoolean === true ? vs : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((vs): vs is ValueSet => vs !== undefined);
}

function includeWords(inc: ValueSetComposeInclude, verb: string): SafeHtml {
  const from = inc.system ? html`codes from <a class="url" href="${`/fhir/CodeSystem?url=${encodeURIComponent(inc.system)}`}">${inc.system}</a>` : html`codes`;
  const vs = (inc.valueSet ?? []).map((u, i) => html`${i > 0 ? ', ' : ''}<a class="url" href="${`/fhir/ValueSet?url=${encodeURIComponent(u.split('|')[0])}`}">${u}</a>`);
  const concepts = (inc.concept ?? []).map((c, i) => html`${i > 0 ? ', ' : ''}<code>${c.code ?? ''}</code> ${c.display ?? ''}`);
  const filters = (inc.filter ?? []).map((f, i) => html`${i > 0 ? ' and ' : ''}${f.property ?? ''} ${f.op ?? ''} ${f.value ?? ''}`);
  return html`<li>${verb} ${inc.concept ? html`the ${from}: ${concepts}` : from}${filters.length > 0 ? html` where ${filters}` : ''}${vs.length > 0 ? html`${inc.system ? ' that are also in ' : ' in the value set(s) '}${vs}` : ''}</li>`;
}

/** The expansion list for a filter (the part the script replaces live). */
function expansionList(vs: ValueSet | undefined): SafeHtml {
  const contains = vs?.expansion?.contains ?? [];
  if (contains.length === 0) return html`<p>No concepts match.</p>`;
  return html`<p>${String(vs?.expansion?.total ?? contains.length)} concept(s).</p><ul>${contains.map((c) => html`<li><a href="${lookupHref(c.system ?? '', c.code ?? '')}"><code>${c.code ?? ''}</code></a> ${c.display ?? ''}</li>`)}</ul>`;
}

/**
 * A ValueSet page with its compose rules in words and its expansion, filtered by `?filter=`.
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export async function valueSetPage(req: PageRequest, vs: ValueSet): Promise<Page> {
  const filter = param(req, 'filter') ?? '';
  let expansion: SafeHtml;
  try {
    const pairs: [string, string][] = [['count', '200']];
    if (filter !== '') pairs.push(['filter', filter]);
    expansion = expansionList((await req.call('GET', `ValueSet/${vs.id ?? ''}/$expand`, pairs)) as ValueSet);
  } catch (err) {
    if (!isFhirError(err)) throw err;
    expansion = outcomeSection(err.outcome);
  }
  const rules = [...(vs.compose?.include ?? []).map((i) => includeWords(i, 'Include')), ...(vs.compose?.exclude ?? []).map((i) => includeWords(i, 'Exclude'))];
  return layout(
    `ValueSet ${title(vs)}`,
    html`${vs.description ? html`<p>${vs.description}</p>` : ''}
<h2>Rules</h2><ul>${rules}</ul>
<h2>Expansion</h2>
<form method="get" action="${`/fhir/ValueSet/${vs.id ?? ''}`}" role="search" class="filter"><label for="vs-filter">Filter concepts</label> <input id="vs-filter" name="filter" type="search" value="${filter}" data-expand="${`/fhir/ValueSet/${vs.id ?? ''}/$expand`}" aria-controls="expansion" autocomplete="off"> <button type="submit">Filter</button></form>
<div id="expansion" aria-live="polite">${expansion}</div>
<p><a href="${`/fhir/ValueSet/$validate-code?url=${encodeURIComponent(vs.url ?? '')}`}">Validate a code against this value set</a></p>
${resourceSections(vs)}`,
  );
}

async function operationForm(req: PageRequest, heading: string, path: string, fields: readonly [string, string][], required: readonly string[]): Promise<Page> {
  const values = fields.map(([name, labelText]) => ({ name, labelText, value: param(req, name) ?? '' }));
  const form = html`<form method="get" action="${`/fhir/${path}`}">${values.map((f) => html`<p><label for="${`op-${f.name}`}">${f.labelText}</label> <input id="${`op-${f.name}`}" name="${f.name}" value="${f.value}" size="50"></p>`)}<p><button type="submit">Run</button></p></form>`;
  if (required.some((r) => (param(req, r) ?? '') === '')) return layout(heading, form);
  try {
    const out = (await req.call('GET', path, values.filter((v) => v.value !== '').map((v) => [v.name, v.value]))) as Parameters;
    return layout(heading, html`${form}<h2>Result</h2>${parameterTable(out.parameter ?? [])}`);
  } catch (err) {
    if (!isFhirError(err)) throw err;
    return layout(heading, html`${form}${outcomeSection(err.outcome)}`, err.status);
  }
}

/**
 * The `$validate-code` form (CodeSystem or ValueSet).
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export function validateCodePage(req: PageRequest, type: 'CodeSystem' | 'ValueSet'): Promise<Page> {
  return operationForm(req, `${type} $validate-code`, `${type}/$validate-code`, [['url', type === 'ValueSet' ? 'Value set URL' : 'Code system URL'], ['code', 'Code'], ['system', 'System (for a value set)'], ['display', 'Display (optional)']], ['url', 'code']);
}

/**
 * The `$subsumes` form.
 * @see https://hl7.org/fhir/R4/codesystem-operation-subsumes.html
 */
export function subsumesPage(req: PageRequest): Promise<Page> {
  return operationForm(req, 'CodeSystem $subsumes', 'CodeSystem/$subsumes', [['system', 'Code system URL'], ['codeA', 'Code A'], ['codeB', 'Code B']], ['system', 'codeA', 'codeB']);
}
