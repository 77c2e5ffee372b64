/**
 * The validator as the server uses it: on create/update and in `$validate`. Canonical references resolve
 * against the server's current resources (then FHIR core). On writes, a canonical that resolves nowhere is a
 * warning, not an error: artifacts that point at each other must be loadable one at a time, in any order.
 *
 * @see https://hl7.org/fhir/R4/validation.html
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { latest } from '../search/execute.ts';
import type { WriteCheck, WriteValidator } from '../store/repository.ts';
import type { ResourceIndex } from '../store/resource-index.ts';
import { issueCheck, isErrorIssue } from '../validation/issues.ts';
import type { BindingTerminology, ValidateOptions, Validator } from '../validation/types.ts';
import { createValidator } from '../validation/validator.ts';

/** Resource types a canonical reference may point at that the server stores. */
const CANONICAL_TYPES = ['CodeSystem', 'ValueSet', 'ConceptMap', 'PlanDefinition', 'ActivityDefinition', 'Library', 'Questionnaire', 'NamingSystem'];

/**
 * Creates the server's validator over the live index; `bindingTerminology` is the terminology engine's
 * (over the same index), injected by the composition.
 */
export function createServerValidator(index: ResourceIndex, bindingTerminology: BindingTerminology): Validator {
  return createValidator({
    bindingTerminology,
    resolveCanonical: ({ url, version }) => {
      for (const type of CANONICAL_TYPES) {
        const all = index.byCanonical(type, url);
        const hit = version === undefined ? latest(all)[0] : all.find((e) => (e.resource as { version?: string }).version === version);
        if (hit) return hit.resource;
      }
      return undefined;
    },
  });
}

/** Severity of unresolved references on writes (see module comment). */
function forWrite(issue: OperationOutcomeIssue): OperationOutcomeIssue {
  return issueCheck(issue) === 'reference' && isErrorIssue(issue) ? { ...issue, severity: 'warning' } : issue;
}

/**
 * Issues of a resource about to be written (create/update, and `$validate` modes create/update).
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */
export async function validateForWrite(validator: Validator, resource: unknown, options: ValidateOptions = {}): Promise<OperationOutcomeIssue[]> {
  const issues = await validator.validateAsync(resource, { ...options, skip: [...(options.skip ?? []), 'uniqueness', 'file'] });
  return issues.map(forWrite);
}

/** The repository's write check: 400 when the JSON schema fails (malformed structure), 422 for anything else. */
export function writeValidator(validator: Validator): WriteValidator {
  return async (resource: Resource): Promise<WriteCheck> => {
    const issues = await validateForWrite(validator, resource);
    const schemaError = issues.some((i) => isErrorIssue(i) && issueCheck(i) === 'schema');
    return { issues, status: schemaError ? 400 : 422 };
  };
}
