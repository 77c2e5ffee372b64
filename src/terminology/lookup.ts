/**
 * CodeSystem/$lookup: a concept's display (in the requested language), definition, designations and
 * properties, including the implicit `parent`, `child` and `inactive` properties, and supplements.
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-lookup.html
 */
import type { CodeSystemConceptProperty, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { DisplayList } from './designations.ts';
import { supplementsMissingError, txError } from './issues.ts';
import { formatMessage } from './messages.ts';
import type { CodeSystemProvider } from './provider.ts';
import { presentVersionList } from '../fhir/versions.ts';

/**
 * What to look up.
 */
export interface LookupInput {
  readonly system: string;
  readonly version?: string;
  readonly code: string;
  /** Requested properties (`*` or none: all). */
  readonly properties: readonly string[];
}

function wants(props: readonly string[], name: string): boolean {
  return props.length === 0 || props.includes('*') || props.includes(name);
}

/**
 * Resolves the provider for a lookup or throws 404 with the reference wording.
 */
export function resolveLookupProvider(ctx: TxContext, system: string, version: string | undefined): CodeSystemProvider {
  const v = ctx.determineVersion(system, version);
  const cs = ctx.findCodeSystem(system, v);
  if (cs === undefined) {
    if (v === undefined) {
      throw txError(404, { severity: 'error', code: 'not-found', messageId: 'UNKNOWN_CODESYSTEM', txCode: 'not-found', text: formatMessage('UNKNOWN_CODESYSTEM', [system]) });
    }
    const vl = ctx.listVersions(system);
    const id = vl.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_NONE' : 'UNKNOWN_CODESYSTEM_VERSION';
    throw txError(404, { severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', text: formatMessage(id, [system, v, presentVersionList(vl)]) });
  }
  return ctx.provider(cs);
}

/**
 * Checks that the supplements a request names exist.
 */
export function checkRequestedSupplements(ctx: TxContext, provider: CodeSystemProvider): void {
  if (ctx.params.supplements.size === 0) return;
  const bound = new Set(provider.supplements.flatMap((s) => [s.url ?? '', s.version !== undefined ? `${s.url}|${s.version}` : (s.url ?? '')]));
  const missing = [...ctx.params.supplements].filter((s) => !bound.has(s));
  if (missing.length > 0) throw supplementsMissingError(missing);
}

/**
 * Looks a code up.
 */
export function lookupCode(ctx: TxContext, input: LookupInput): Parameters {
  const provider = resolveLookupProvider(ctx, input.system, input.version);
  checkRequestedSupplements(ctx, provider);
  const c = provider.locate(input.code);
  if (c < 0) {
    const text =
      provider.version !== undefined
        ? formatMessage('Unknown_Code_in_Version', [input.code, provider.url, provider.version])
        : formatMessage('Unknown_Code_in', [input.code, provider.url]);
    throw txError(404, { severity: 'error', code: 'not-found', messageId: 'Unknown_Code_in_Version', txCode: 'invalid-code', path: 'code', text });
  }
  const out: ParametersParameter[] = [];
  out.push({ name: 'name', valueString: provider.name ?? provider.title ?? provider.url });
  out.push({ name: 'system', valueUri: provider.url });
  if (provider.version !== undefined) out.push({ name: 'version', valueString: provider.version });
  out.push({ name: 'code', valueCode: provider.code(c) });
  const list = new DisplayList(provider.designations(c), provider.language);
  const display = list.preferredDisplay(ctx.params.workingLanguages()) || provider.display(c) || '';
  out.push({ name: 'display', valueString: display });
  const def = provider.definition(c);
  if (def !== undefined) out.push({ name: 'definition', valueString: def });
  out.push({ name: 'abstract', valueBoolean: provider.isAbstract(c) });
  const props = input.properties;
  if (wants(props, 'designation') || props.length === 0) {
    for (const d of list.designations) {
      const part: ParametersParameter[] = [];
      if (d.language !== undefined) part.push({ name: 'language', valueCode: d.language });
      if (d.use !== undefined) part.push({ name: 'use', valueCoding: d.use });
      if (d.source !== undefined) part.push({ name: 'source', valueCanonical: d.source });
      part.push({ name: 'value', valueString: d.value });
      out.push({ name: 'designation', part });
    }
  }
  if (provider.supplements.length > 0) {
    const used = new Set(provider.supplements.map((s) => (s.version !== undefined ? `${s.url}|${s.version}` : (s.url ?? ''))));
    for (const s of used) out.push({ name: 'used-supplement', valueCanonical: s });
  }
  const properties = provider.properties(c);
  for (const p of properties) {
    if (wants(props, p.code)) out.push(propertyParameter(p.code, propertyValuePart(p)));
  }
  if (wants(props, 'parent')) {
    const parents = provider.parents(c);
    for (let i = 0; i < parents.length; i++) {
      const parent = parents[i];
      out.push(propertyParameter('parent', { name: 'value', valueCode: provider.code(parent) }, provider.display(parent)));
    }
  }
  if (wants(props, 'child')) {
    const children = provider.children(c);
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      out.push(propertyParameter('child', { name: 'value', valueCode: provider.code(child) }, provider.display(child)));
    }
  }
  if (wants(props, 'inactive') && !properties.some((p) => p.code === 'inactive')) {
    out.push(propertyParameter('inactive', { name: 'value', valueBoolean: provider.isInactive(c) }));
  }
  return { resourceType: 'Parameters', parameter: out };
}

/** A `property` output parameter; `value` is a fresh `{ name: 'value', value[x] }` part. */
function propertyParameter(code: string, value: ParametersParameter, description?: string): ParametersParameter {
  const part: ParametersParameter[] = [{ name: 'code', valueCode: code }, value];
  if (description !== undefined) part.push({ name: 'description', valueString: description });
  return { name: 'property', part };
}

/** The value part of a concept property: `name` first, then every element of the property but `code`. */
function propertyValuePart(p: CodeSystemConceptProperty): ParametersParameter {
  const { code: _code, ...rest } = p;
  // `name` stays first, and a stray `name` member of the property does not replace it.
  return Object.assign({ name: 'value' }, rest, { name: 'value' });
}
