/**
 * Sorting of an actual response before it is judged, as the HL7 TxTester does it (TxTesterSorters).
 * Only the actual response is sorted; the expected file is compared as written. All sorts are stable and
 * use ordinal string comparison.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig (tests/, run by org.hl7.fhir.validation TxTester)
 */
import { clone, isObject, ordinal } from './json.ts';
import type { Json, JsonObject } from './json.ts';

/**
 * The primitive value of an element's `value[x]`, as text ('' when none or not primitive).
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export function primitiveValue(o: JsonObject): string {
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('value') && k.length > 5) {
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    }
  }
  return '';
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? '' : String(v);
}

function partValue(p: JsonObject, name: string): string {
  if (!Array.isArray(p.part)) return '';
  for (const part of p.part) {
    if (isObject(part) && part.name === name) return primitiveValue(part);
  }
  return '';
}

function compareParameters(a: Json, b: Json): number {
  if (!isObject(a) || !isObject(b)) return 0;
  const byName = ordinal(str(a.name), str(b.name));
  if (byName !== 0) return byName;
  if (a.name === 'property' && b.name === 'property') {
    return (
      ordinal(partValue(a, 'code').toLowerCase(), partValue(b, 'code').toLowerCase()) ||
      ordinal(partValue(a, 'value').toLowerCase(), partValue(b, 'value').toLowerCase())
    );
  }
  if (a.name === 'designation' && b.name === 'designation') {
    return (
      ordinal(partValue(a, 'language').toLowerCase(), partValue(b, 'language').toLowerCase()) ||
      ordinal(partValue(a, 'value').toLowerCase(), partValue(b, 'value').toLowerCase())
    );
  }
  return 0;
}

function byUrl(a: Json, b: Json): number {
  return isObject(a) && isObject(b) ? ordinal(str(a.url), str(b.url)) : 0;
}

function byKey(key: string): (a: Json, b: Json) => number {
  return (a, b) => (isObject(a) && isObject(b) ? ordinal(str(a[key]), str(b[key])) : 0);
}

function sortIssues(oo: JsonObject): void {
  if (!Array.isArray(oo.issue)) return;
  const key = (i: Json): string[] => {
    if (!isObject(i)) return ['', '', '', ''];
    const expr = Array.isArray(i.expression) ? str(i.expression[0]) : '';
    const text = isObject(i.details) ? str(i.details.text) : '';
    return [str(i.severity), str(i.code), expr, text];
  };
  oo.issue.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let n = 0; n < 4; n++) {
      const c = ordinal(ka[n], kb[n]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

function sortParameterList(list: Json[]): void {
  list.sort(compareParameters);
  for (const p of list) {
    if (!isObject(p)) continue;
    if (Array.isArray(p.extension)) p.extension.sort(byUrl);
    if (Array.isArray(p.part)) sortParameterList(p.part);
    if (isObject(p.resource)) {
      if (p.resource.resourceType === 'OperationOutcome') sortIssues(p.resource);
      else if (p.resource.resourceType === 'Parameters') sortParametersResource(p.resource);
    }
    if (p.name === 'message' && typeof p.valueString === 'string' && p.valueString.includes('; ')) {
      p.valueString = p.valueString.split('; ').sort(ordinal).join('; ');
    }
  }
}

function sortParametersResource(r: JsonObject): void {
  if (Array.isArray(r.parameter)) sortParameterList(r.parameter);
}

function sortContains(list: Json[]): void {
  list.sort(byKey('code'));
  for (const c of list) {
    if (!isObject(c)) continue;
    if (Array.isArray(c.contains)) sortContains(c.contains);
    if (Array.isArray(c.extension)) c.extension.sort(byUrl);
    if (Array.isArray(c.designation)) {
      c.designation.sort((a, b) => {
        if (!isObject(a) || !isObject(b)) return 0;
        if (a.language !== undefined && b.language !== undefined) return ordinal(str(a.language), str(b.language));
        return ordinal(str(a.value), str(b.value));
      });
    }
    if (Array.isArray(c.property)) c.property.sort(byKey('code'));
  }
}

function sortValueSet(vs: JsonObject): void {
  if (Array.isArray(vs.extension)) vs.extension.sort(byUrl);
  const exp = vs.expansion;
  if (!isObject(exp)) return;
  if (Array.isArray(exp.parameter)) {
    exp.parameter.sort((a, b) => {
      if (!isObject(a) || !isObject(b)) return 0;
      return ordinal(str(a.name), str(b.name)) || ordinal(primitiveValue(a), primitiveValue(b));
    });
  }
  if (Array.isArray(exp.property)) {
    exp.property.sort((a, b) => {
      if (!isObject(a) || !isObject(b)) return 0;
      const ua = a.uri;
      const ub = b.uri;
      if (ua === undefined && ub !== undefined) return -1;
      if (ua !== undefined && ub === undefined) return 1;
      return ordinal(str(ua), str(ub)) || ordinal(str(a.code), str(b.code));
    });
  }
  if (Array.isArray(exp.extension)) exp.extension.sort(byUrl);
  if (Array.isArray(exp.contains)) sortContains(exp.contains);
}

function sortCapabilityStatement(cs: JsonObject): void {
  for (const k of ['format', 'instantiates', 'imports', 'acceptLanguage']) {
    const v = cs[k];
    if (Array.isArray(v)) v.sort((a, b) => ordinal(str(a), str(b)));
  }
  if (!Array.isArray(cs.rest)) return;
  cs.rest.sort(byKey('mode'));
  for (const rest of cs.rest) {
    if (!isObject(rest)) continue;
    if (isObject(rest.security) && Array.isArray(rest.security.service)) {
      for (const svc of rest.security.service) {
        if (isObject(svc) && Array.isArray(svc.coding)) svc.coding.sort(byKey('code'));
      }
    }
    if (Array.isArray(rest.resource)) {
      rest.resource.sort(byKey('type'));
      for (const res of rest.resource) {
        if (!isObject(res)) continue;
        for (const k of ['supportedProfile', 'searchInclude', 'searchRevInclude']) {
          const v = res[k];
          if (Array.isArray(v)) v.sort((a, b) => ordinal(str(a), str(b)));
        }
        if (Array.isArray(res.interaction)) res.interaction.sort(byKey('code'));
        if (Array.isArray(res.searchParam)) res.searchParam.sort(byKey('name'));
        if (Array.isArray(res.operation)) res.operation.sort(byKey('name'));
      }
    }
    if (Array.isArray(rest.interaction)) rest.interaction.sort(byKey('code'));
    if (Array.isArray(rest.searchParam)) rest.searchParam.sort(byKey('name'));
    if (Array.isArray(rest.operation)) rest.operation.sort(byKey('name'));
    if (Array.isArray(rest.compartment)) rest.compartment.sort((a, b) => ordinal(str(a), str(b)));
  }
}

function sortTerminologyCapabilities(tc: JsonObject): void {
  if (Array.isArray(tc.codeSystem)) {
    tc.codeSystem.sort(byKey('uri'));
    for (const cs of tc.codeSystem) {
      if (!isObject(cs) || !Array.isArray(cs.version)) continue;
      cs.version.sort(byKey('code'));
      for (const v of cs.version) {
        if (!isObject(v)) continue;
        if (Array.isArray(v.language)) v.language.sort((a, b) => ordinal(str(a), str(b)));
        if (Array.isArray(v.property)) v.property.sort((a, b) => ordinal(str(a), str(b)));
        if (Array.isArray(v.filter)) v.filter.sort(byKey('code'));
      }
    }
  }
  if (isObject(tc.expansion) && Array.isArray(tc.expansion.parameter)) tc.expansion.parameter.sort(byKey('name'));
}

/**
 * Sorts an actual response (returns a new value). `errorBody` marks an OperationOutcome returned as an
 * error body, which is left in its order.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export function sortResource(resource: JsonObject, options: { errorBody?: boolean } = {}): JsonObject {
  const r = clone(resource);
  switch (r.resourceType) {
    case 'Parameters':
      sortParametersResource(r);
      break;
    case 'ValueSet':
      sortValueSet(r);
      break;
    case 'OperationOutcome':
      if (!options.errorBody) sortIssues(r);
      break;
    case 'CapabilityStatement':
      sortCapabilityStatement(r);
      break;
    case 'TerminologyCapabilities':
      sortTerminologyCapabilities(r);
      break;
    default:
      break;
  }
  return r;
}
