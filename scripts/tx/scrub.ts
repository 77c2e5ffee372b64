/**
 * Scrubbing of an actual response before it is judged, as the HL7 TxTester does it (TxTesterScrubbers):
 * narrative, meta and unmanaged extensions go; Parameters lose `diagnostics`; OperationOutcome issues lose
 * free diagnostics.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig (tests/, run by org.hl7.fhir.validation TxTester)
 */
import { clone, isObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';

const SD = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Extension URLs kept by the scrubber when it runs with `tight = false` (the TxTester default).
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export const MANAGED_EXTENSION_URLS: ReadonlySet<string> = new Set([
  ...[
    'codesystem-alternate',
    'codesystem-conceptOrder',
    'codesystem-label',
    'coding-sctdescid',
    'structuredefinition-standards-status',
    'itemWeight',
    'rendering-style',
    'rendering-xhtml',
    'translation',
    'valueset-concept-definition',
    'valueset-conceptOrder',
    'valueset-deprecated',
    'valueset-label',
    'valueset-supplement',
    'alternate-code-use',
    'alternate-code-status',
    'operationoutcome-message-id',
    'valueset-unclosed',
    'valueset-unclosed-reason',
  ].map((n) => SD + n),
  'http://hl7.org/fhir/test/CodeSystem/de-multi',
  'http://hl7.org/fhir/test/CodeSystem/en-multi',
  'http://hl7.org/fhir/test/StructureDefinition/unknown-extension-1',
  'http://hl7.org/fhir/test/StructureDefinition/unknown-extension-3',
  'http://hl7.org/fhir/test/StructureDefinition/unknown-extension-4',
  'http://hl7.org/fhir/test/StructureDefinition/unknown-extension-5',
  'http://hl7.org/fhir/test/ValueSet/extensions-bad-supplement',
  'http://hl7.org/fhir/test/ValueSet/simple-all',
  'http://hl7.org/fhir/test/ValueSet/simple-enumerated',
  'http://hl7.org/fhir/test/ValueSet/simple-filter-isa',
]);

/** True for an absolute URL (a scheme followed by ':'), as `Utilities.isAbsoluteUrl`. */
function isAbsoluteUrl(url: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url);
}

/** Removes unmanaged absolute-URL extensions everywhere below `node`, except inside `ValueSet.compose`. */
function scrubExtensions(node: Json, inValueSet: boolean): Json {
  if (Array.isArray(node)) {
    return node.map((n) => scrubExtensions(n, inValueSet));
  }
  if (!isObject(node)) {
    return node;
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'extension' && Array.isArray(v)) {
      const kept = v.filter((e) => {
        const url = isObject(e) && typeof e.url === 'string' ? e.url : undefined;
        return url === undefined || !isAbsoluteUrl(url) || MANAGED_EXTENSION_URLS.has(url);
      });
      if (kept.length > 0) {
        out[k] = kept.map((e) => scrubExtensions(e, false));
      }
    } else if (inValueSet && k === 'compose') {
      out[k] = v;
    } else {
      out[k] = scrubExtensions(v, false);
    }
  }
  return out;
}

/** The DomainResource scrub: no `text`, no `meta`, no unmanaged extensions. */
function scrubDomainResource(resource: JsonObject): JsonObject {
  const copy: JsonObject = { ...resource };
  delete copy.text;
  delete copy.meta;
  return scrubExtensions(copy, copy.resourceType === 'ValueSet') as JsonObject;
}

/** The OperationOutcome scrub: DomainResource scrub, then issue diagnostics handling. */
function scrubOperationOutcome(resource: JsonObject): JsonObject {
  const out = scrubDomainResource(resource);
  if (Array.isArray(out.issue)) {
    out.issue = out.issue
      .filter((iss) => !(isObject(iss) && iss.diagnostics !== undefined && iss.details === undefined))
      .map((iss) => {
        if (!isObject(iss) || typeof iss.diagnostics !== 'string') {
          return iss;
        }
        if (iss.diagnostics.toLowerCase().includes('x-request-id')) {
          return iss;
        }
        const copy = { ...iss };
        delete copy.diagnostics;
        return copy;
      });
  }
  return out;
}

/** The Parameters scrub: no meta, no top-level `diagnostics`, nested resources scrubbed. */
function scrubParameters(resource: JsonObject): JsonObject {
  const out: JsonObject = { ...resource };
  delete out.meta;
  if (Array.isArray(out.parameter)) {
    out.parameter = out.parameter
      .filter((p) => !(isObject(p) && p.name === 'diagnostics'))
      .map((p) => {
        const t = isObject(p) && isObject(p.resource) ? p.resource.resourceType : undefined;
        if (isObject(p) && isObject(p.resource) && (t === 'ValueSet' || t === 'OperationOutcome' || t === 'Parameters')) {
          return { ...p, resource: scrubResource(p.resource) };
        }
        return p;
      });
  }
  return out;
}

/**
 * Scrubs an actual response (returns a new value; the argument is untouched).
 * CapabilityStatement and TerminologyCapabilities are not scrubbed.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export function scrubResource(resource: JsonObject): JsonObject {
  const r = clone(resource);
  switch (r.resourceType) {
    case 'Parameters':
      return scrubParameters(r);
    case 'OperationOutcome':
      return scrubOperationOutcome(r);
    case 'CapabilityStatement':
    case 'TerminologyCapabilities':
      return r;
    default:
      return scrubDomainResource(r);
  }
}
