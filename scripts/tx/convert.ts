/**
 * The R5 ↔ R4 conversions the HL7 test runner applies for an R4 server: test resources are R5 and are
 * converted to R4 before sending (versionAlgorithm as an extension, the R5 filter operators `child-of` /
 * `descendent-leaf` as an `_op` extension, ConceptMap scopes and relationships as R4 elements); expansions
 * come back with R5 `property` elements carried in extensions and are converted back before judging.
 *
 * @see https://hl7.org/fhir/R4/versions.html#extensions
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig (input/pagecontent/r4.md)
 */
import { RELATIONSHIP_TO_EQUIVALENCE } from '../../src/terminology/translate.ts';
import { clone, isObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';

const R5 = 'http://hl7.org/fhir/5.0/StructureDefinition/';
const EXT_EXPANSION_PROPERTY = `${R5}extension-ValueSet.expansion.property`;
const EXT_CONTAINS_PROPERTY = `${R5}extension-ValueSet.expansion.contains.property`;
const R4_FILTER_OPS = new Set(['=', 'is-a', 'descendent-of', 'is-not-a', 'regex', 'in', 'not-in', 'generalizes', 'exists']);

function addExtension(o: JsonObject, ext: JsonObject): void {
  const list = Array.isArray(o.extension) ? o.extension : [];
  list.push(ext);
  o.extension = list;
}

function convertVersionAlgorithm(r: JsonObject): void {
  const url = `${R5}extension-${String(r.resourceType)}.versionAlgorithm`;
  if (typeof r.versionAlgorithmString === 'string') {
    addExtension(r, { url, valueString: r.versionAlgorithmString });
    delete r.versionAlgorithmString;
  }
  if (isObject(r.versionAlgorithmCoding)) {
    addExtension(r, { url, valueCoding: r.versionAlgorithmCoding });
    delete r.versionAlgorithmCoding;
  }
}

function convertFilters(sets: Json | undefined): void {
  if (!Array.isArray(sets)) return;
  for (const inc of sets) {
    if (!isObject(inc) || !Array.isArray(inc.filter)) continue;
    for (const f of inc.filter) {
      if (!isObject(f) || typeof f.op !== 'string' || R4_FILTER_OPS.has(f.op)) continue;
      f._op = { extension: [{ url: `${R5}extension-ValueSet.compose.include.filter.op`, valueCode: f.op }] };
      delete f.op;
    }
  }
}

function convertConceptMap(r: JsonObject): void {
  for (const [r5, r4] of [
    ['sourceScopeUri', 'sourceUri'],
    ['sourceScopeCanonical', 'sourceCanonical'],
    ['targetScopeUri', 'targetUri'],
    ['targetScopeCanonical', 'targetCanonical'],
  ] as const) {
    if (r[r5] !== undefined) {
      r[r4] = r[r5];
      delete r[r5];
    }
  }
  delete r.property;
  delete r.additionalAttribute;
  if (!Array.isArray(r.group)) return;
  for (const g of r.group) {
    if (!isObject(g)) continue;
    if (isObject(g.unmapped)) delete g.unmapped.relationship;
    if (!Array.isArray(g.element)) continue;
    for (const el of g.element) {
      if (!isObject(el) || !Array.isArray(el.target)) continue;
      for (const t of el.target) {
        if (!isObject(t)) continue;
        if (typeof t.relationship === 'string') {
          t.equivalence = RELATIONSHIP_TO_EQUIVALENCE[t.relationship] ?? 'relatedto';
          delete t.relationship;
        }
      }
    }
  }
}

/**
 * Converts an R5 resource (or Parameters / Bundle holding resources) to R4 as the test runner does.
 *
 * @see https://hl7.org/fhir/R4/versions.html#extensions
 */
export function toR4(resource: JsonObject): JsonObject {
  const r = clone(resource);
  convertInPlace(r);
  return r;
}

function convertInPlace(r: JsonObject): void {
  switch (r.resourceType) {
    case 'CodeSystem':
      convertVersionAlgorithm(r);
      break;
    case 'ValueSet':
      convertVersionAlgorithm(r);
      if (isObject(r.compose)) {
        convertFilters(r.compose.include);
        convertFilters(r.compose.exclude);
      }
      break;
    case 'ConceptMap':
      convertVersionAlgorithm(r);
      convertConceptMap(r);
      break;
    case 'Parameters':
      if (Array.isArray(r.parameter)) {
        for (const p of r.parameter) {
          if (isObject(p) && isObject(p.resource)) convertInPlace(p.resource);
        }
      }
      break;
    case 'Bundle':
      if (Array.isArray(r.entry)) {
        for (const e of r.entry) if (isObject(e) && isObject(e.resource)) convertInPlace(e.resource);
      }
      break;
    default:
      break;
  }
  if (Array.isArray(r.contained)) for (const c of r.contained) if (isObject(c)) convertInPlace(c);
}

function subValue(ext: JsonObject, url: string): [string, Json] | undefined {
  if (!Array.isArray(ext.extension)) return undefined;
  for (const e of ext.extension) {
    if (!isObject(e) || e.url !== url) continue;
    for (const [k, v] of Object.entries(e)) if (k.startsWith('value')) return [k, v];
  }
  return undefined;
}

/**
 * Moves the extensions of `holder` with the given `url` (the R4 stand-ins for R5's `property`) into
 * `holder.property`, each turned into a property by `toProperty`; the other extensions stay.
 */
function extensionsToProperty(holder: JsonObject, url: string, toProperty: (ext: JsonObject) => JsonObject): void {
  if (!Array.isArray(holder.extension)) return;
  const props: JsonObject[] = [];
  const rest: Json[] = [];
  for (const e of holder.extension) {
    if (isObject(e) && e.url === url) props.push(toProperty(e));
    else rest.push(e);
  }
  if (props.length > 0) holder.property = props;
  if (rest.length > 0) holder.extension = rest;
  else delete holder.extension;
}

function containsToR5(list: Json): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!isObject(c)) continue;
    extensionsToProperty(c, EXT_CONTAINS_PROPERTY, (e) => {
      const code = subValue(e, 'code');
      const value = subValue(e, 'value');
      const p: JsonObject = {};
      if (code !== undefined) p.code = code[1];
      if (value !== undefined) p[value[0]] = value[1];
      return p;
    });
    containsToR5(c.contains ?? null);
  }
}

/**
 * Converts an R4 response back to R5 for judging (expansion property extensions → `property`).
 *
 * @see https://hl7.org/fhir/R4/versions.html#extensions
 */
export function responseToR5(resource: JsonObject): JsonObject {
  const r = clone(resource);
  const fix = (vs: JsonObject): void => {
    const exp = vs.expansion;
    if (!isObject(exp)) return;
    extensionsToProperty(exp, EXT_EXPANSION_PROPERTY, (e) => {
      const p: JsonObject = {};
      const code = subValue(e, 'code');
      const uri = subValue(e, 'uri');
      if (code !== undefined) p.code = code[1];
      if (uri !== undefined) p.uri = uri[1];
      return p;
    });
    containsToR5(exp.contains ?? null);
  };
  if (r.resourceType === 'ValueSet') fix(r);
  if (r.resourceType === 'Parameters' && Array.isArray(r.parameter)) {
    for (const p of r.parameter) if (isObject(p) && isObject(p.resource) && p.resource.resourceType === 'ValueSet') fix(p.resource);
  }
  return r;
}
