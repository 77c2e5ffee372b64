/**
 * CodeSystem/$subsumes: the relationship between two codes of one code system — `equivalent`,
 * `subsumes` (A is an ancestor of B), `subsumed-by` (A is a descendant of B) or `not-subsumed`.
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-subsumes.html
 * @see https://hl7.org/fhir/R4/codesystem-concept-subsumption-outcome.html
 */
import type { Parameters } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { txError } from './issues.ts';
import { formatMessage } from './messages.ts';

/**
 * The concept subsumption outcomes.
 */
export const SubsumptionOutcome = {
  Equivalent: 'equivalent',
  Subsumes: 'subsumes',
  SubsumedBy: 'subsumed-by',
  NotSubsumed: 'not-subsumed',
} as const;
/**
 * A subsumption outcome.
 */
export type SubsumptionOutcome = (typeof SubsumptionOutcome)[keyof typeof SubsumptionOutcome];

/**
 * The two codes to compare.
 */
export interface SubsumesInput {
  readonly system: string;
  readonly version?: string;
  readonly codeA: string;
  readonly codeB: string;
}

/**
 * Tests subsumption between two codes.
 */
export function subsumes(ctx: TxContext, input: SubsumesInput): Parameters {
  const v = ctx.determineVersion(input.system, input.version);
  const cs = ctx.findCodeSystem(input.system, v);
  if (cs === undefined) {
    const text =
      v === undefined
        ? formatMessage('SUBSUMPTION_CS_NOT_FOUND', [input.system])
        : formatMessage('SUBSUMPTION_CS_NOT_FOUND_VERSION', [input.system, v]);
    throw txError(404, { severity: 'error', code: 'not-found', messageId: v === undefined ? 'SUBSUMPTION_CS_NOT_FOUND' : 'SUBSUMPTION_CS_NOT_FOUND_VERSION', txCode: 'not-found', text });
  }
  const provider = ctx.provider(cs);
  if (provider.content !== 'complete') {
    throw txError(422, {
      severity: 'error',
      code: 'business-rule',
      messageId: 'SUBSUMPTION_CS_NOT_COMPLETE',
      text: formatMessage('SUBSUMPTION_CS_NOT_COMPLETE', [provider.url, provider.content]),
    });
  }
  const locate = (code: string, path: string): number => {
    const c = provider.locate(code);
    if (c < 0) {
      const text =
        provider.version !== undefined
          ? formatMessage('Unknown_Code_in_Version', [code, provider.url, provider.version])
          : formatMessage('Unknown_Code_in', [code, provider.url]);
      throw txError(404, { severity: 'error', code: 'not-found', messageId: 'Unknown_Code_in_Version', txCode: 'invalid-code', path, text });
    }
    return c;
  };
  const a = locate(input.codeA, 'codeA');
  const b = locate(input.codeB, 'codeB');
  let outcome: SubsumptionOutcome;
  if (a === b) outcome = SubsumptionOutcome.Equivalent;
  else if (provider.subsumes(a, b)) outcome = SubsumptionOutcome.Subsumes;
  else if (provider.subsumes(b, a)) outcome = SubsumptionOutcome.SubsumedBy;
  else outcome = SubsumptionOutcome.NotSubsumed;
  return { resourceType: 'Parameters', parameter: [{ name: 'outcome', valueCode: outcome }] };
}
