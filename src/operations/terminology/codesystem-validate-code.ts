/**
 * CodeSystem/$validate-code (type and instance level): is a code valid in a code system (through its
 * implicit all-codes value set), with display, status and version checks.
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-validate-code.html
 */
import type { CodeSystem, Parameters } from '@medplum/fhirtypes';
import { fhirError } from '../../fhir/errors.ts';
import type { TxContext } from '../../terminology/context.ts';
import { FhirCodeSystemProvider } from '../../terminology/fhir-provider.ts';
import { formatMessage } from '../../terminology/messages.ts';
import type { CodeSystemProvider } from '../../terminology/provider.ts';
import { PrepareIssue, prepareIssueResult, ValueSetChecker, valueSetForCodeSystem } from '../../terminology/validate-code.ts';
import type { ValidationMode } from '../../terminology/validate-code-result.ts';
import { presentVersionList } from '../../fhir/versions.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { extractCoded } from './coded-input.ts';
import { extendDefinition, r4OperationDefinition } from '../../fhir/operation-definitions.ts';
import { EVERY_LEVEL, VALIDATE_CODE_INPUTS, VALIDATE_CODE_OUTPUTS } from './definitions.ts';
import { instanceCodeSystem } from './resolve.ts';
import { createTxContext } from './services.ts';
import { param, paramString } from '../../fhir/parameters.ts';
import type { TerminologyOperationServices } from './services.ts';

/**
 * The CodeSystem/$validate-code definition.
 */
export const codeSystemValidateCodeDefinition = extendDefinition(r4OperationDefinition('CodeSystem-validate-code'), {
  id: 'CodeSystem-validate-code',
  ...EVERY_LEVEL,
  inputs: VALIDATE_CODE_INPUTS,
  outputs: VALIDATE_CODE_OUTPUTS,
});

function systemPath(mode: ValidationMode): string {
  return mode === 'code' ? 'system' : mode === 'coding' ? 'Coding.system' : 'CodeableConcept.coding[0].system';
}

function codingPath(mode: ValidationMode): string {
  return mode === 'code' ? '' : mode === 'coding' ? 'Coding' : 'CodeableConcept.coding[0]';
}

/** Resolves the code system to validate against; unresolvable systems are reported as PrepareIssues. */
function resolveCodeSystem(ctx: TxContext, request: OperationRequest, parameters: Parameters, system: string | undefined, codingVersion: string | undefined, mode: ValidationMode): CodeSystemProvider | undefined {
  const instance = instanceCodeSystem(ctx, request, ['url']);
  if (instance !== undefined) return ctx.provider(instance);
  const resource = param(parameters, 'codeSystem')?.resource;
  if (resource?.resourceType === 'CodeSystem') return new FhirCodeSystemProvider(resource as CodeSystem, ctx.supplementsFor(resource as CodeSystem));
  let url = paramString(parameters, 'url');
  let fromCoded = false;
  if (url === undefined && system !== undefined) {
    url = system;
    fromCoded = true;
  }
  if (url === undefined) return undefined;
  let version = paramString(parameters, 'version');
  if (version === undefined && fromCoded) version = codingVersion;
  version = ctx.determineVersion(url, version);
  const cs = ctx.findCodeSystem(url, version, ['complete', 'fragment', 'example', 'supplement']);
  if (cs !== undefined) return ctx.provider(cs);
  if (ctx.findValueSet(url) !== undefined) {
    throw new PrepareIssue({ severity: 'error', code: 'invalid', messageId: 'Terminology_TX_System_ValueSet2', txCode: 'invalid-data', path: systemPath(mode), text: formatMessage('Terminology_TX_System_ValueSet2', [url]) });
  }
  if (version !== undefined) {
    const vl = ctx.listVersions(url);
    const id = vl.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_NONE' : 'UNKNOWN_CODESYSTEM_VERSION';
    throw new PrepareIssue(
      { severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', path: systemPath(mode), text: formatMessage(id, [url, version, presentVersionList(vl)]) },
      { unknownSystem: vl.length === 0 ? url : `${url}|${version}` },
    );
  }
  throw new PrepareIssue(
    { severity: 'error', code: 'not-found', messageId: 'UNKNOWN_CODESYSTEM', txCode: 'not-found', path: systemPath(mode), text: formatMessage('UNKNOWN_CODESYSTEM', [url]) },
    { unknownSystem: url },
  );
}

/**
 * Validates a code in a code system.
 */
export function codeSystemValidateCode(request: OperationRequest, services: TerminologyOperationServices): Parameters {
  const parameters = request.parameters;
  const ctx = createTxContext(request, services);
  let input = extractCoded(parameters, true);
  if (input === undefined) {
    throw fhirError(400, 'invalid', 'Unable to find code to validate (looked for coding | codeableConcept | code in parameters)');
  }

  const first = input.coded.coding?.[0];
  try {
    const provider = resolveCodeSystem(ctx, request, parameters, first?.system, first?.version, input.mode);
    if (provider === undefined) {
      if (first?.system === undefined) {
        throw new PrepareIssue({ severity: 'warning', code: 'invalid', messageId: 'Coding_has_no_system__cannot_validate', txCode: 'invalid-data', path: codingPath(input.mode), text: formatMessage('Coding_has_no_system__cannot_validate', []) });
      }
      throw fhirError(400, 'invalid', 'No CodeSystem specified - provide url parameter or codeSystem resource');
    }
    if (input.mode !== 'codeableConcept') {
      // A code given without a system belongs to the code system being validated against (the instance,
      // the codeSystem resource or the url).
      const c = input.coded.coding?.[0];
      if (c !== undefined && c.system === undefined) {
        const filled = { ...c, system: provider.url, ...(provider.version !== undefined && c.version === undefined ? { version: provider.version } : {}) };
        input = { ...input, coded: { ...input.coded, coding: [filled] } };
      }
    }
    if (provider.content === 'supplement') {
      throw new PrepareIssue({
        severity: 'error',
        code: 'invalid',
        messageId: 'CODESYSTEM_CS_NO_SUPPLEMENT',
        txCode: 'invalid-data',
        path: systemPath(input.mode),
        text: formatMessage('CODESYSTEM_CS_NO_SUPPLEMENT', [provider.version !== undefined ? `${provider.url}|${provider.version}` : provider.url]),
      });
    }
    ctx.noteSupplementsOf(provider);
    const vs = valueSetForCodeSystem(provider);
    const checker = new ValueSetChecker(ctx, vs, { internallyDefined: true });
    const issuePath = input.mode === 'codeableConcept' ? 'CodeableConcept' : input.mode === 'coding' ? 'Coding' : '';
    return checker.checkCodeableConcept(issuePath, input.coded, input.mode);
  } catch (e) {
    if (e instanceof PrepareIssue) return prepareIssueResult(ctx, e, input.coded, input.mode);
    throw e;
  }
}

/**
 * The CodeSystem/$validate-code operation.
 */
export const codeSystemValidateCodeOperation: OperationDeclaration<TerminologyOperationServices> = {
  definition: codeSystemValidateCodeDefinition,
  handler: codeSystemValidateCode,
};
