/**
 * A PlanDefinition's actions drawn as a diagram (server-rendered SVG), laid out from the actions and their
 * `relatedAction` only: sibling actions are ranked by their before/after relations (a relation to a
 * non-sibling is ignored for layout), top-level ranks become columns, nested actions stack inside their
 * parent, and a choice group (`selectionBehavior` exactly-one, at-most-one, any…) shows its alternatives in a
 * dashed box. Each box links to the action's details below the diagram.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.action.relatedAction
 */
import type { PlanDefinitionAction } from '@medplum/fhirtypes';
import { html, type SafeHtml } from './html.ts';

const COLUMN_WIDTH = 260;
const COLUMN_GAP = 48;
const LINE = 16;
const PAD = 8;
const GAP = 14;

/** An action, with the steps a condition added/removed when drawing a CarePlan (see pathway.ts). */
export interface DrawnAction {
  readonly action: PlanDefinitionAction;
  readonly children: readonly DrawnAction[];
  /** 'added' / 'removed' by a condition, or undefined. */
  readonly mark?: 'added' | 'removed';
}

/** Whether `relationship` puts the action before its target. */
function isBefore(relationship: string | undefined): boolean {
  return relationship === 'before-start' || relationship === 'before' || relationship === 'before-end' || relationship === 'concurrent-with-start';
}

/** The ids of an action and of every action nested in it. */
function idsWithin(a: PlanDefinitionAction, out: Set<string> = new Set()): Set<string> {
  if (a.id) out.add(a.id);
  for (const c of a.action ?? []) idsWithin(c, out);
  return out;
}

/** Every relatedAction declared by an action or by an action nested in it. */
function relationsWithin(a: PlanDefinitionAction): NonNullable<PlanDefinitionAction['relatedAction']> {
  return [...(a.relatedAction ?? []), ...(a.action ?? []).flatMap(relationsWithin)];
}

/**
 * The order edges between sibling actions, [earlier, later] by index: from the relations each sibling (or an
 * action nested in it) declares towards another sibling (or an action nested in that one).
 * @see https://hl7.org/fhir/R4/valueset-action-relationship-type.html
 */
export function siblingEdges(actions: readonly PlanDefinitionAction[]): [number, number][] {
  const owner = new Map<string, number>();
  actions.forEach((a, i) => {
    for (const id of idsWithin(a)) owner.set(id, i);
  });
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  actions.forEach((a, i) => {
    for (const rel of relationsWithin(a)) {
      const j = owner.get(rel.actionId ?? '');
      if (j === undefined || j === i || rel.relationship?.startsWith('concurrent')) continue;
      const edge: [number, number] = isBefore(rel.relationship) ? [i, j] : [j, i];
      const key = edge.join('>');
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push(edge);
    }
  });
  return edges;
}

/**
 * Ranks sibling actions: rank(a) > rank(b) when a must come after b (longest path; a cycle stops after n passes).
 */
export function rankSiblings(actions: readonly PlanDefinitionAction[]): number[] {
  const after = siblingEdges(actions);
  const rank = actions.map(() => 0);
  for (let pass = 0; pass < actions.length; pass++) {
    let changed = false;
    for (const [a, b] of after) {
      if (rank[b] < rank[a] + 1) {
        rank[b] = rank[a] + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return rank;
}

function wrap(text: string, width: number): string[] {
  const max = Math.max(10, Math.floor((width - 2 * PAD) / 7));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.slice(0, 4);
}

function label(a: PlanDefinitionAction): string {
  return `${a.prefix ? `${a.prefix} ` : ''}${a.title ?? a.id ?? 'Action'}`;
}

const isChoice = (a: PlanDefinitionAction): boolean => a.selectionBehavior !== undefined && a.selectionBehavior !== 'all' && a.selectionBehavior !== 'all-or-none';

/** Children in rank order (stable). */
function ordered(children: readonly DrawnAction[]): DrawnAction[] {
  const rank = rankSiblings(children.map((c) => c.action));
  return children.map((c, i) => ({ c, r: rank[i], i })).sort((x, y) => x.r - y.r || x.i - y.i).map((x) => x.c);
}

function measure(d: DrawnAction, width: number): number {
  const head = wrap(label(d.action), width).length * LINE + 2 * PAD + (isChoice(d.action) ? LINE : 0) + (d.mark ? LINE : 0);
  if (d.children.length === 0) return head;
  return head + d.children.reduce((sum, c) => sum + measure(c, width - 2 * PAD) + GAP, 0);
}

function draw(d: DrawnAction, x: number, y: number, width: number, out: SafeHtml[]): number {
  const h = measure(d, width);
  const lines = wrap(label(d.action), width);
  const choice = isChoice(d.action);
  const cls = `node${d.children.length > 0 ? ' group' : ''}${choice ? ' choice' : ''}${d.mark ? ` ${d.mark}` : ''}`;
  const id = d.action.id ?? '';
  out.push(html`<a href="${`#action-${id}`}" class="${cls}" data-action-id="${id}"><rect x="${String(x)}" y="${String(y)}" width="${String(width)}" height="${String(h)}" rx="6"></rect>${lines.map(
    (l, i) => html`<text x="${String(x + PAD)}" y="${String(y + PAD + 12 + i * LINE)}">${l}</text>`,
  )}${choice ? html`<text class="hint" x="${String(x + PAD)}" y="${String(y + PAD + 12 + lines.length * LINE)}">${choiceWords(d.action.selectionBehavior)}</text>` : ''}${d.mark ? html`<text class="mark" x="${String(x + PAD)}" y="${String(y + PAD + 12 + (lines.length + (choice ? 1 : 0)) * LINE)}">${d.mark === 'added' ? '+ added by its condition' : '− removed by its condition'}</text>` : ''}</a>`);
  let cy = y + lines.length * LINE + 2 * PAD + (choice ? LINE : 0) + (d.mark ? LINE : 0);
  const kids = ordered(d.children);
  kids.forEach((c, i) => {
    const ch = draw(c, x + PAD, cy, width - 2 * PAD, out);
    const next = kids[i + 1];
    if (next && !choice && related(c.action, next.action)) {
      const ax = x + width / 2;
      out.push(html`<line class="arrow" x1="${String(ax)}" y1="${String(cy + ch)}" x2="${String(ax)}" y2="${String(cy + ch + GAP - 2)}" marker-end="url(#arrowhead)"></line>`);
    }
    cy += ch + GAP;
  });
  return h;
}

function related(a: PlanDefinitionAction, b: PlanDefinitionAction): boolean {
  return (a.relatedAction ?? []).some((r) => r.actionId === b.id) || (b.relatedAction ?? []).some((r) => r.actionId === a.id);
}

/** The words for a selection behaviour. */
export function choiceWords(selection: string | undefined): string {
  switch (selection) {
    case 'exactly-one':
      return 'choose exactly one';
    case 'at-most-one':
      return 'choose at most one';
    case 'one-or-more':
      return 'choose one or more';
    case 'any':
      return 'choose any';
    default:
      return selection ?? '';
  }
}

/**
 * The diagram of the top-level actions (each with its nested actions).
 * @see https://hl7.org/fhir/R4/plandefinition.html
 */
export function pathwaySvg(top: readonly DrawnAction[], caption: string): SafeHtml {
  const rank = rankSiblings(top.map((t) => t.action));
  const columns: { d: DrawnAction; i: number }[][] = [];
  top.forEach((d, i) => (columns[rank[i]] ??= []).push({ d, i }));
  const out: SafeHtml[] = [];
  const boxes = new Map<number, { x: number; y: number; h: number }>();
  let height = 0;
  columns.forEach((col, c) => {
    let y = 20;
    const x = 20 + c * (COLUMN_WIDTH + COLUMN_GAP);
    for (const { d, i } of col) {
      const h = draw(d, x, y, COLUMN_WIDTH, out);
      boxes.set(i, { x, y, h });
      y += h + GAP * 2;
    }
    height = Math.max(height, y);
  });
  // Arrows between top-level actions that are related (directly or through their nested actions).
  for (const [i, j] of siblingEdges(top.map((t) => t.action))) {
    const from = boxes.get(i);
    const to = boxes.get(j);
    if (!from || !to || to.x <= from.x) continue;
    const y1 = from.y + Math.min(from.h / 2, 40);
    const y2 = to.y + Math.min(to.h / 2, 40);
    out.push(html`<path class="arrow" d="${`M${from.x + COLUMN_WIDTH} ${y1} C${from.x + COLUMN_WIDTH + COLUMN_GAP / 2} ${y1} ${to.x - COLUMN_GAP / 2} ${y2} ${to.x - 2} ${y2}`}" marker-end="url(#arrowhead)"></path>`);
  }
  const width = 40 + columns.length * COLUMN_WIDTH + Math.max(0, columns.length - 1) * COLUMN_GAP;
  return html`<figure class="pathway"><svg role="img" aria-labelledby="pathway-caption" viewBox="${`0 0 ${width} ${height}`}" width="${String(width)}" height="${String(height)}" xmlns="http://www.w3.org/2000/svg">
<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"></path></marker></defs>
${out}</svg><figcaption id="pathway-caption">${caption}</figcaption></figure>`;
}
