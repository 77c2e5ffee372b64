/**
 * The pathway page of a PlanDefinition (diagram + each action's details: definition, request kind, timing,
 * participants, choices, applicability rule in words beside its FHIRPath, goals, related artifacts) and the
 * `$apply` page that runs the operation in-process and draws the resulting CarePlan the same way, marking
 * the steps a condition added or removed.
 *
 * @see https://hl7.org/fhir/R4/plandefinition.html
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 */
import type { ActivityDefinition, Bundle, CarePlan, PlanDefinition, PlanDefinitionAction, RequestGroup, RequestGroupAction, Resource, ValueSet } from '@medplum/fhirtypes';
import { canonicalIndex, entries, param, type PageRequest } from './call.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, type Page } from './layout.ts';
import { outcomeSection, resourceSections, title } from './pages-generic.ts';
import { choiceWords, pathwaySvg, type DrawnAction } from './pathway-svg.ts';
import { isFhirError } from '../fhir/errors.ts';

/** The anticoagulant order the `$apply` form can add: warfarin sodium 5 MG Oral Tablet (RxNorm, in ValueSet blood-thinners). */
export const ANTICOAGULANT_CODING = { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '855332', display: 'warfarin sodium 5 MG Oral Tablet' } as const;

interface Lookups {
  readonly activities: Map<string, ActivityDefinition>;
  readonly canonicals: Map<string, string>;
  readonly valueSets: Map<string, ValueSet>;
}

async function lookups(req: PageRequest): Promise<Lookups> {
  const ads = entries<ActivityDefinition>(await req.call('GET', 'ActivityDefinition', [['_count', '1000']]));
  const vss = entries<ValueSet>(await req.call('GET', 'ValueSet', [['_count', '1000'], ['_elements', 'url,title,name,compose']]));
  const canonicals = await canonicalIndex(req.call, 'PlanDefinition');
  const activities = new Map<string, ActivityDefinition>();
  for (const ad of ads) {
    if (ad.url) activities.set(ad.url, ad);
    if (ad.url && ad.id) canonicals.set(ad.url, `ActivityDefinition/${ad.id}`);
  }
  const valueSets = new Map<string, ValueSet>();
  for (const vs of vss) {
    if (vs.url) valueSets.set(vs.url, vs);
    if (vs.url && vs.id) canonicals.set(vs.url, `ValueSet/${vs.id}`);
  }
  return { activities, canonicals, valueSets };
}

function canonicalLink(l: Lookups, url: string | undefined, text?: string): SafeHtml {
  if (!url) return html``;
  const local = l.canonicals.get(url.split('|')[0]);
  return local ? html`<a href="${`/fhir/${local}`}">${text ?? url}</a>` : html`<span class="url">${text ?? url}</span>`;
}

/** A timing/duration element (`timing[x]`) in words. */
function timingWords(holder: object): string | undefined {
  for (const [k, v] of Object.entries(holder)) {
    if (!k.startsWith('timing') || v === undefined) continue;
    if (typeof v === 'string') return v;
    const t = v as { value?: number; unit?: string; low?: { value?: number; unit?: string }; high?: { value?: number; unit?: string }; code?: { text?: string }; repeat?: Record<string, unknown> };
    if (t.value !== undefined) return `${t.value} ${t.unit ?? ''}`.trim();
    if (t.low || t.high) return `${t.low?.value ?? '?'}–${t.high?.value ?? '?'} ${t.high?.unit ?? t.low?.unit ?? ''}`.trim();
    if (t.code?.text) return t.code.text;
    if (t.repeat) {
      const r = t.repeat as { frequency?: number; period?: number; periodUnit?: string; duration?: number; durationUnit?: string; count?: number };
      const parts: string[] = [];
      if (r.duration !== undefined) parts.push(`lasting ${r.duration} ${r.durationUnit ?? ''}`.trim());
      if (r.frequency !== undefined) parts.push(`${r.frequency}× per ${r.period ?? 1} ${r.periodUnit ?? ''}`.trim());
      if (r.count !== undefined) parts.push(`${r.count} times`);
      return parts.join(', ');
    }
    return JSON.stringify(v);
  }
  return undefined;
}

/** An applicability expression in words (derived from its shape), or its description when it has one. */
export function conditionWords(expression: { description?: string; expression?: string }, l: Lookups): SafeHtml {
  if (expression.description) return html`${expression.description}`;
  const text = expression.expression ?? '';
  const types = [...text.matchAll(/\bis\s+([A-Z][A-Za-z]+)/g)].map((m) => m[1]);
  const active = /status\s*=\s*'active'/.test(text);
  const valueSets = [...text.matchAll(/memberOf\('([^']+)'\)/g)].map((m) => m[1]);
  if (types.length === 0 && valueSets.length === 0) return html`Included only when the expression is true.`;
  const vsLinks = valueSets.map((u, i) => html`${i > 0 ? ' or ' : ''}${canonicalLink(l, u, l.valueSets.get(u)?.title ?? u)}`);
  return html`Included only when the patient data holds ${active ? 'an active ' : 'a '}${types.length > 0 ? types.join(' or ') : 'resource'}${valueSets.length > 0 ? html` whose code is in ${vsLinks}` : ''}.`;
}

function participants(list: readonly { type?: string; role?: { text?: string; coding?: { display?: string }[] } }[] | undefined): string[] {
  return (list ?? []).map((p) => p.role?.text ?? p.role?.coding?.[0]?.display ?? p.type ?? '').filter((s) => s !== '');
}

function actionDetails(a: PlanDefinitionAction, pd: PlanDefinition, l: Lookups, marks: ReadonlyMap<string, 'added' | 'removed'>): SafeHtml {
  const ad = a.definitionCanonical ? l.activities.get(a.definitionCanonical.split('|')[0]) : undefined;
  const timing = timingWords(a) ?? (ad ? timingWords(ad) : undefined);
  const people = [...new Set([...participants(a.participant), ...participants(ad?.participant)])];
  const goals = (a.goalId ?? []).map((g) => pd.goal?.find((x) => x.id === g)?.description?.text ?? g);
  const mark = a.id ? marks.get(a.id) : undefined;
  return html`<li id="${`action-${a.id ?? ''}`}" class="${`step${mark ? ` ${mark}` : ''}`}" data-action-id="${a.id ?? ''}"><h3>${a.prefix ? `${a.prefix} ` : ''}${a.title ?? a.id ?? ''}${mark ? html` <span class="badge">${mark === 'added' ? 'added by a condition' : 'removed by a condition'}</span>` : ''}</h3>
${a.description ? html`<p>${a.description}</p>` : ''}
<dl>
${a.definitionCanonical ? html`<dt>Definition</dt><dd>${canonicalLink(l, a.definitionCanonical, ad?.title ?? a.definitionCanonical)}</dd>` : ''}
${ad?.kind ? html`<dt>Becomes</dt><dd>a ${ad.kind}${ad.intent ? ` (intent ${ad.intent})` : ''}</dd>` : ''}
${timing ? html`<dt>Timing</dt><dd>${timing}</dd>` : ''}
${people.length > 0 ? html`<dt>Participants</dt><dd>${people.join('; ')}</dd>` : ''}
${a.selectionBehavior && a.action ? html`<dt>Choice</dt><dd>${choiceWords(a.selectionBehavior)} of: ${a.action.map((c, i) => html`${i > 0 ? ' · ' : ''}${c.title ?? c.id ?? ''}`)}</dd>` : ''}
${a.cardinalityBehavior ? html`<dt>Repeats</dt><dd>${a.cardinalityBehavior === 'multiple' ? 'may be done more than once' : 'done once'}</dd>` : ''}
${(a.condition ?? []).map((c) => html`<dt>Rule (${c.kind ?? ''})</dt><dd>${c.expression ? conditionWords(c.expression, l) : ''} <code class="fhirpath">${c.expression?.expression ?? ''}</code></dd>`)}
${goals.length > 0 ? html`<dt>Goals</dt><dd>${goals.join('; ')}</dd>` : ''}
${(a.relatedAction ?? []).length > 0 ? html`<dt>Order</dt><dd>${(a.relatedAction ?? []).map((r, i) => html`${i > 0 ? '; ' : ''}${r.relationship ?? ''} <a href="${`#action-${r.actionId ?? ''}`}">${r.actionId ?? ''}</a>`)}</dd>` : ''}
</dl>
${a.action ? html`<ol>${a.action.map((c) => actionDetails(c, pd, l, marks))}</ol>` : ''}</li>`;
}

/** One part of a value set composed of other value sets: its heading and its expanded concepts. */
interface ArtifactGroup {
  readonly url: string;
  readonly heading: string;
  readonly concepts: readonly { system?: string; code?: string; display?: string }[] | undefined;
}

/**
 * The `property = value` a value set selects by, when its only rule is one `=` filter (e.g. `frequency = common`).
 * @see https://hl7.org/fhir/R4/valueset-definitions.html#ValueSet.compose.include.filter
 */
function selectingFilter(vs: ValueSet | undefined): { property: string; value: string } | undefined {
  const includes = vs?.compose?.include ?? [];
  const filters = includes.flatMap((inc) => inc.filter ?? []);
  if (includes.length !== 1 || filters.length !== 1 || filters[0].op !== '=' || !filters[0].property || !filters[0].value) return undefined;
  return { property: filters[0].property, value: filters[0].value };
}

/**
 * The parts of an artifact's value set (the value sets its compose includes), in the order the compose lists
 * them, each expanded in-process. When every part selects by `=` on the same property, the groups are headed
 * by that property's value as the content states it (e.g. frequency common / rare); otherwise by their titles.
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
async function artifactGroups(req: PageRequest, l: Lookups, vs: ValueSet | undefined): Promise<{ by?: string; groups: ArtifactGroup[] }> {
  const parts = (vs?.compose?.include ?? []).flatMap((inc) => inc.valueSet ?? []);
  if (parts.length === 0) return { groups: [] };
  const selecting = parts.map((u) => selectingFilter(l.valueSets.get(u.split('|')[0])));
  const by = selecting.every((f) => f !== undefined && f.property === selecting[0]?.property) ? selecting[0]?.property : undefined;
  const groups = await Promise.all(
    parts.map(async (u, i): Promise<ArtifactGroup> => {
      let concepts: ArtifactGroup['concepts'];
      try {
        concepts = ((await req.call('GET', 'ValueSet/$expand', [['url', u]])) as ValueSet | undefined)?.expansion?.contains ?? [];
      } catch (err) {
        if (!isFhirError(err)) throw err;
      }
      const url = u.split('|')[0];
      return { url, heading: by ? (selecting[i]?.value ?? '') : (l.valueSets.get(url)?.title ?? url), concepts };
    }),
  );
  return { by, groups };
}

function lookupHref(system: string, code: string): string {
  return `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=${encodeURIComponent(code)}`;
}

async function relatedArtifacts(req: PageRequest, pd: PlanDefinition, l: Lookups): Promise<SafeHtml> {
  const items = await Promise.all(
    (pd.relatedArtifact ?? []).map(async (r) => {
      const vs = r.resource ? l.valueSets.get(r.resource.split('|')[0]) : undefined;
      const { by, groups } = await artifactGroups(req, l, vs);
      const grouped =
        groups.length === 0
          ? ''
          : html`<div class="artifact-groups">${by ? html`<p>By ${by}, as the content grades them:</p>` : ''}${groups.map(
              (g) => html`<section class="artifact-group" data-group="${g.heading}"><h3>${by ? html`${g.heading} <span class="muted">(${by} = ${g.heading})</span>` : g.heading}</h3>${
                g.concepts
                  ? html`<ul>${g.concepts.map((c) => html`<li><a href="${lookupHref(c.system ?? '', c.code ?? '')}">${c.display ?? c.code ?? ''}</a></li>`)}</ul>`
                  : html`<p class="muted">The expansion is not available.</p>`
              }<p class="muted">Value set: ${canonicalLink(l, g.url, l.valueSets.get(g.url)?.title ?? g.url)}</p></section>`,
            )}</div>`;
      return html`<li data-artifact="${r.label ?? r.type ?? ''}"><strong>${r.label ?? r.type ?? ''}</strong>: ${r.resource ? canonicalLink(l, r.resource, r.display ?? r.resource) : (r.display ?? '')}${grouped}</li>`;
    }),
  );
  return items.length > 0 ? html`<section aria-labelledby="artifacts-h"><h2 id="artifacts-h">Risks, benefits, alternatives and what to expect</h2><ul class="artifacts">${items}</ul></section>` : html``;
}

function drawn(actions: readonly PlanDefinitionAction[] | undefined, marks: ReadonlyMap<string, 'added' | 'removed'>): DrawnAction[] {
  return (actions ?? []).map((a) => ({ action: a, children: drawn(a.action, marks), mark: a.id ? marks.get(a.id) : undefined }));
}

function applyForm(pd: PlanDefinition, patient: string, anticoagulant: boolean): SafeHtml {
  return html`<form class="apply" method="get" action="${`/fhir/PlanDefinition/${pd.id ?? ''}/$apply`}">
<fieldset><legend>Run $apply for a patient</legend>
<p><label for="apply-subject">Patient id</label> <input id="apply-subject" name="subject" value="${patient}" required pattern="[A-Za-z0-9\\-.]{1,64}"></p>
<p><input type="checkbox" id="apply-anticoagulant" name="anticoagulant" value="true"${anticoagulant ? html` checked` : ''}> <label for="apply-anticoagulant">The patient has an active order for ${ANTICOAGULANT_CODING.display} (RxNorm ${ANTICOAGULANT_CODING.code})</label></p>
<p><button type="submit">Apply</button></p></fieldset></form>`;
}

/**
 * The pathway page of a PlanDefinition.
 */
export async function pathwayPage(req: PageRequest, pd: PlanDefinition): Promise<Page> {
  const l = await lookups(req);
  const none = new Map<string, 'added' | 'removed'>();
  return layout(
    title(pd),
    html`${pd.description ? html`<p>${pd.description}</p>` : ''}
${pathwaySvg(drawn(pd.action, none), `The actions of ${title(pd)}, in the order their relatedAction gives; dashed boxes are choices.`)}
${applyForm(pd, 'example', false)}
<section aria-labelledby="steps-h"><h2 id="steps-h">Steps</h2><ol class="steps">${(pd.action ?? []).map((a) => actionDetails(a, pd, l, none))}</ol></section>
${await relatedArtifacts(req, pd, l)}
${resourceSections(pd)}`,
  );
}

/** Ids of the actions in a RequestGroup (nested). */
function actionIds(actions: readonly RequestGroupAction[] | undefined, out: Set<string>): Set<string> {
  for (const a of actions ?? []) {
    if (a.id) out.add(a.id);
    actionIds(a.action, out);
  }
  return out;
}

/** Marks conditional actions: in the result → added, absent → removed; and keeps only what the result holds. */
function marked(actions: readonly PlanDefinitionAction[] | undefined, present: ReadonlySet<string>, marks: Map<string, 'added' | 'removed'>): void {
  for (const a of actions ?? []) {
    if (a.id && (a.condition ?? []).some((c) => c.kind === 'applicability')) marks.set(a.id, present.has(a.id) ? 'added' : 'removed');
    marked(a.action, present, marks);
  }
}

/**
 * The `$apply` page: runs the operation for the patient (with the anticoagulant order when asked) and shows
 * the CarePlan as the pathway, with the steps the conditions added or removed marked.
 */
export async function applyPage(req: PageRequest, id: string): Promise<Page> {
  const pd = (await req.call('GET', `PlanDefinition/${id}`)) as PlanDefinition;
  const patient = param(req, 'subject')?.replace(/^Patient\//, '') ?? '';
  const anticoagulant = param(req, 'anticoagulant') === 'true';
  if (patient === '') return layout(`Apply ${title(pd)}`, applyForm(pd, 'example', anticoagulant));
  const data: Bundle = { resourceType: 'Bundle', type: 'collection', entry: [] };
  if (anticoagulant) {
    data.entry?.push({
      resource: { resourceType: 'MedicationRequest', id: 'anticoagulant-order', status: 'active', intent: 'order', subject: { reference: `Patient/${patient}` }, medicationCodeableConcept: { coding: [{ ...ANTICOAGULANT_CODING }] } } as Resource,
    });
  }
  const parameters = { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: `Patient/${patient}` }, { name: 'data', resource: data }] };
  let carePlan: CarePlan;
  try {
    carePlan = (await req.call('POST', `PlanDefinition/${id}/$apply`, [], parameters)) as CarePlan;
  } catch (err) {
    if (!isFhirError(err)) throw err;
    return layout(`Apply ${title(pd)}`, html`${applyForm(pd, patient, anticoagulant)}${outcomeSection(err.outcome)}`, err.status);
  }
  const groups = (carePlan.contained ?? []).filter((r): r is RequestGroup => r.resourceType === 'RequestGroup');
  const present = new Set<string>();
  for (const g of groups) actionIds(g.action, present);
  const marks = new Map<string, 'added' | 'removed'>();
  marked(pd.action, present, marks);
  const l = await lookups(req);
  const changed = [...marks].map(([actionId, m]) => html`<li data-action-id="${actionId}" class="${m}">${actionId}: ${m === 'added' ? 'added (its condition held)' : 'removed (its condition did not hold)'}</li>`);
  return layout(
    `CarePlan from ${title(pd)}`,
    html`${applyForm(pd, patient, anticoagulant)}
<p>CarePlan for <strong>Patient/${patient}</strong>${anticoagulant ? ' with an active anticoagulant order' : ' with no medication data'}.</p>
<section aria-labelledby="changes-h"><h2 id="changes-h">Conditional steps</h2><ul class="changes">${changed}</ul></section>
${pathwaySvg(drawn(pd.action, marks), 'The applied pathway; steps marked removed are not in the CarePlan.')}
<section aria-labelledby="steps-h"><h2 id="steps-h">Steps</h2><ol class="steps">${(pd.action ?? []).map((a) => actionDetails(a, pd, l, marks))}</ol></section>
${resourceSections(carePlan)}`,
  );
}
