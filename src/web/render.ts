/**
 * The browser view's one entry point: picks the page for a path below `/fhir` and renders it from the
 * data the FHIR endpoint's own dispatch returns (in-process). Called only by the HTTP layer.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { isFhirError } from '../fhir/errors.ts';
import type { PageRequest } from './call.ts';
import { bundlePage, errorPage, homePage, resourcePage } from './pages-generic.ts';
import type { Page } from './layout.ts';
import { applyPage, pathwayPage } from './pathway.ts';
import { codeSystemPage, lookupPage, subsumesPage, validateCodePage, valueSetPage } from './terminology.ts';

export type { FhirCall, PageRequest } from './call.ts';
export { PAGE_CSP, type Page } from './layout.ts';
export { staticFile } from './static-files.ts';

/** Query parameters of the page itself, not passed on to the FHIR call. */
const PAGE_PARAMS = new Set(['_format', '_pretty']);

async function route(req: PageRequest): Promise<Page> {
  const [type, second, third] = req.segments;
  const n = req.segments.length;
  const pairs = req.pairs.filter(([k]) => !PAGE_PARAMS.has(k));
  if (n === 0) return homePage(req);
  if (n === 2 && type === 'CodeSystem' && second === '$lookup') return lookupPage(req);
  if (n === 2 && (type === 'CodeSystem' || type === 'ValueSet') && second === '$validate-code') return validateCodePage(req, type);
  if (n === 2 && type === 'CodeSystem' && second === '$subsumes') return subsumesPage(req);
  if (n === 3 && type === 'PlanDefinition' && third === '$apply') return applyPage(req, second);
  if (n === 2 && !second.startsWith('$') && !second.startsWith('_')) {
    const resource = await req.call('GET', `${type}/${second}`);
    if (!resource) return errorPage(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    if (resource.resourceType === 'PlanDefinition') return pathwayPage(req, resource);
    if (resource.resourceType === 'CodeSystem') return codeSystemPage(req, resource);
    if (resource.resourceType === 'ValueSet') return valueSetPage(req, resource);
    return resourcePage(resource);
  }
  const result: Resource | undefined = await req.call('GET', req.segments.join('/'), pairs);
  if (!result) return errorPage(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  if (result.resourceType === 'Bundle') return bundlePage(result as Bundle, n === 1 ? `${type} search` : 'Results');
  return resourcePage(result);
}

/**
 * Renders the page for a request; a FHIR error becomes an error page with its status.
 */
export async function renderPage(req: PageRequest): Promise<Page> {
  try {
    return await route(req);
  } catch (err) {
    if (isFhirError(err)) return errorPage(err.status, err.outcome);
    throw err;
  }
}
