/**
 * The terminology engine's message catalogue: the wording of HL7's reference terminology server
 * (tx.fhir.org, FHIRsmith), so clients and the HL7 terminology test suite see the same text. Each message
 * has an id (reported in the `operationoutcome-message-id` extension) and `{n}` placeholders.
 *
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/
 */
import { echoed } from '../fhir/errors.ts';

/**
 * Message templates by id. Plural messages have `_one` / `_other` variants.
 */
export const MESSAGES = {
  ABSTRACT_CODE_NOT_ALLOWED: "Code '{0}#{1}' is abstract, and not allowed in this context",
  CODE_CASE_DIFFERENCE:
    "The code '{0}' differs from the correct code '{1}' by case. Although the code system '{2}' is case insensitive, implementers are strongly encouraged to use the correct case anyway",
  CODE_NOT_IN_NORMAL_FORM: "The code '{0}' is valid, but it is not the normal form for the code system '{2}'; the normal form is '{1}'",
  CODESYSTEM_CS_NO_SUPPLEMENT: "CodeSystem {0} is a supplement, so can't be used as a value in Coding.system",
  Coding_has_no_system__cannot_validate:
    'Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided',
  Coding_has_no_system_or_code__cannot_validate:
    'Coding has neither a system nor a code, so it cannot be validated. A system and a code should be provided',
  CONCEPT_DEPRECATED_IN_VALUESET:
    "The presence of the concept '{1}' in the system '{0}' in the value set {3} is marked with a status of {2} and its use should be reviewed",
  DEPRECATED_CONCEPT_FOUND: "The concept '{1}' is deprecated and its use should be reviewed",
  Display_Name_for__should_be_one_of__instead_of_one:
    "Wrong Display Name '{4}' for {1}#{2}. Valid display is {3} (for the language(s) '{5}')",
  Display_Name_for__should_be_one_of__instead_of_other:
    "Wrong Display Name '{4}' for {1}#{2}. Valid display is one of {0} choices: {3} (for the language(s) '{5}')",
  Display_Name_WS_for__should_be_one_of__instead_of_one:
    "Wrong whitespace in Display Name '{4}' for {1}#{2}. Valid display is {3} (for the language(s) '{5}')",
  Display_Name_WS_for__should_be_one_of__instead_of_other:
    "Wrong whitespace in Display Name '{4}' for {1}#{2}. Valid display is one of {0} choices: {3} (for the language(s) '{5}')",
  Display_Name_Not_Fixed_use_Supplement_one:
    "The display name '{4}' is not a known display name for {1}#{2}. Known display is {3} (for the language(s) '{5}'). Use a supplement to define displays for user assigned codes",
  Display_Name_Not_Fixed_use_Supplement_other:
    "The display name '{4}' is not a known display name for {1}#{2}. Known displays are {3} (for the language(s) '{5}'). Use a supplement to define displays for user assigned codes",
  FILTER_NOT_UNDERSTOOD: 'The filter "{0} {1} {2}" is not understood or supported',
  INACTIVE_CONCEPT_FOUND: "The concept '{1}' has a status of {0} and its use should be reviewed",
  INACTIVE_CONCEPT_FOUND_ADD: "The concept '{1}' has a status of {0} and {2} and its use should be reviewed",
  INACTIVE_DISPLAY_FOUND: "'{0}' is no longer considered a correct display for code '{1}' (status = {3}). The correct display is one of {2}.",
  INVALID_DISPLAY_NAME: "Invalid displayLanguage: '{0}'",
  INVALID_REGEX: "The regex '{0}' is not valid: {1}",
  MSG_DEPRECATED: 'Reference to deprecated {2} {0}',
  MSG_DRAFT: 'Reference to draft {2} {0}',
  MSG_EXPERIMENTAL: 'Reference to experimental {2} {0}',
  MSG_RETIRED: 'Reference to retired {2} {0}',
  MSG_WITHDRAWN: 'Reference to withdrawn {2} {0}',
  NO_VALID_DISPLAY_AT_ALL: "Cannot validate display '{0}' for {1}#{2} in language {3}: No displays are known",
  NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR:
    "Wrong Display Name '{0}' for {1}#{2}. There are no valid display names found for language(s) '{3}'. Default display is '{4}'",
  NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK:
    "There are no valid display names found for the code {1}#{2} for language(s) '{3}'. The display is '{0}' which is a valid display for the default language",
  None_of_the_provided_codes_are_in_the_value_set_one: "The provided code {2} was not found in the value set '{1}'",
  None_of_the_provided_codes_are_in_the_value_set_other: "None of the provided codes [{2}] are in the value set '{1}'",
  STATUS_CODE_WARNING_CODE: "The concept '{1}' is valid but is {0}",
  SUBSUMPTION_CS_NOT_COMPLETE:
    "The CodeSystem '{0}' has content = {1}, so subsumption cannot be tested (subsumption can only be tested against a code system with content = complete)",
  SUBSUMPTION_CS_NOT_FOUND: "A definition for the CodeSystem '{0}' could not be found, so subsumption cannot be tested",
  SUBSUMPTION_CS_NOT_FOUND_VERSION:
    "A definition for the CodeSystem '{0}' version '{1}' could not be found, so subsumption cannot be tested",
  SUBSUMPTION_NO_CODE: 'No code is provided for {0}, so subsumption cannot be tested',
  SUBSUMPTION_NO_SYSTEM: 'No code system is provided for {0}, so subsumption cannot be tested',
  SUBSUMPTION_SYSTEM_MISMATCH:
    "Subsumption can only be tested between two codes in the same code system, but the code systems are '{0}' and '{1}'",
  Terminology_TX_System_Relative: 'Coding.system must be an absolute reference, not a local reference',
  Terminology_TX_System_ValueSet2: "The Coding references a value set, not a code system ('{0}')",
  TX_GENERAL_CC_ERROR_MESSAGE: "No valid coding was found for the value set '{0}'",
  UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE: 'The system {0} filter with property = {1}, op = {2} has no value',
  UNABLE_TO_INFER_CODESYSTEM: "The System URI could not be determined for the code '{0}' in the ValueSet '{1}'",
  Unable_to_resolve_system__value_set_has_multiple_matches:
    "The System URI could not be determined for the code '{0}' in the ValueSet '{1}': value set expansion has multiple matches: {2}",
  Unable_to_resolve_value_Set_: "A definition for the value Set '{0}' could not be found",
  Unknown_Code_in: "Unknown code '{0}' in the CodeSystem '{1}'",
  Unknown_Code_in_Version: "Unknown code '{0}' in the CodeSystem '{1}' version '{2}'",
  UNKNOWN_CODE_IN_FRAGMENT:
    "Unknown Code '{0}' in the CodeSystem '{1}' version '{2}' - note that the code system is labeled as a fragment, so the code may be valid in some other fragment",
  UNKNOWN_CODESYSTEM: "A definition for CodeSystem '{0}' could not be found, so the code cannot be validated",
  /** The older wording, still reported for a system outside the value set. */
  UNKNOWN_CODESYSTEM_UNQUOTED: 'A definition for CodeSystem {0} could not be found, so the code cannot be validated',
  UNKNOWN_CODESYSTEM_CODING_NOT_CHECKED:
    "A definition for the code system '{0}' could not be found, so this coding was not checked. The CodeableConcept is still valid: another coding is in the value set",
  UNKNOWN_CODESYSTEM_EXP: "A definition for CodeSystem '{0}' could not be found, so the value set cannot be expanded",
  UNKNOWN_CODESYSTEM_VERSION:
    "A definition for CodeSystem '{0}' version '{1}' could not be found, so the code cannot be validated. Valid versions: {2}",
  UNKNOWN_CODESYSTEM_VERSION_EXP:
    "A definition for CodeSystem '{0}' version '{1}' could not be found, so the value set cannot be expanded. Valid versions: {2}",
  UNKNOWN_CODESYSTEM_VERSION_EXP_NONE:
    "A definition for CodeSystem '{0}' version '{1}' could not be found, so the value set cannot be expanded. No versions of this code system are known",
  UNKNOWN_CODESYSTEM_VERSION_NONE:
    "A definition for CodeSystem '{0}' version '{1}' could not be found, so the code cannot be validated. No versions of this code system are known",
  VALUESET_CIRCULAR_REFERENCE: 'Found a circularity pointing to {0} processing ValueSet with pathway {1}',
  VALUESET_SUPPLEMENT_MISSING_one: 'Required supplement not found: {1}',
  VALUESET_SUPPLEMENT_MISSING_other: 'Required supplements not found: {1}',
  VALUESET_TOO_COSTLY: "The value set '{0}' expansion has too many codes to produce ({1})",
  VALUESET_TOO_COSTLY_TIME: "The value set '{0}' {2} took too long to process (>{1}sec)",
  VALUESET_VALUE_MISMATCH: "The code system '{0}' version '{1}' in the ValueSet include is different to the one in the value ('{2}')",
  VALUESET_VALUE_MISMATCH_CHANGED:
    "The code system '{0}' version '{1}' resulting from the version '{2}' in the ValueSet include is different to the one in the value ('{3}')",
  VALUESET_VALUE_MISMATCH_DEFAULT:
    "The code system '{0}' version '{1}' for the versionless include in the ValueSet include is different to the one in the value ('{3}')",
  VALUESET_VERSION_CHECK: "The version '{1}' is not allowed for system '{0}': required to be '{2}' by a version-check parameter",
  VS_EXP_IMPORT_UNK: "Unable to find included value set '{0}'",
  VS_EXP_IMPORT_UNK_PINNED: "Unable to find included value set '{0}' version '{1}'",
  VS_EXP_IMPORT_UNK_X: "Unable to find excluded value set '{0}'",
  VS_EXP_IMPORT_UNK_PINNED_X: "Unable to find excluded value set '{0}' version '{1}'",
  VS_EXP_IMPORT_CS: "Cannot include value set '{0}' because it's actually a code system",
  VS_EXP_IMPORT_CS_PINNED: "Cannot include value set '{0}' version '{1}' because it's actually a code system",
} as const;

/**
 * A message id of the catalogue.
 */
export type MessageId = keyof typeof MESSAGES;

/**
 * Formats a message: `{n}` is replaced by `args[n]` (missing arguments become empty).
 */
export function formatMessage(id: MessageId, args: readonly (string | number | undefined)[]): string {
  const parts = templateParts(id);
  let text = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    const v = args[parts[i] as number];
    text += v === undefined ? '' : typeof v === 'number' ? String(v) : echoed(v);
    text += parts[i + 1] as string;
  }
  return text;
}

/** Each template split once into text and argument positions: text, n, text, n, …, text. */
const templates = new Map<MessageId, readonly (string | number)[]>();

function templateParts(id: MessageId): readonly (string | number)[] {
  let parts = templates.get(id);
  if (parts === undefined) {
    parts = MESSAGES[id].split(/\{(\d+)\}/).map((part, i) => (i % 2 === 1 ? Number(part) : part));
    templates.set(id, parts);
  }
  return parts;
}
