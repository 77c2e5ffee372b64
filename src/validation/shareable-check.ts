/**
 * What the project's content rules add to the R4 `shareable*` profiles (which require `url`, `version`,
 * `name`, `experimental`, `publisher` and `description`): CRMI shareable artifacts also carry a `title` and a
 * `date`, and the project's own artifacts (url under its canonical base) use Semantic Versioning. External
 * code systems keep their own version scheme (CPT uses the release year).
 *
 * @see https://hl7.org/fhir/uv/crmi/StructureDefinition-crmi-shareablecodesystem.html
 * @see https://semver.org/spec/v2.0.0.html
 */
import type { Resource } from '@medplum/fhirtypes';
import { createIssue } from './issues.ts';
import { SHAREABLE_PROFILES } from './r4-core.ts';
import type { ValidationIssue } from './types.ts';

/** SemVer 2.0.0 (the official regular expression). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * True when the resource type has a `shareable*` profile (the knowledge artifacts the rules apply to).
 * @see https://hl7.org/fhir/R4/shareableplandefinition.html
 */
export function isShareableType(resourceType: string): boolean {
  return resourceType in SHAREABLE_PROFILES;
}

/**
 * Checks the CRMI additions to shareability for one artifact.
 * @param canonicalBase - the project's canonical base (artifacts under it must use SemVer).
 */
export function checkShareableExtras(resource: Resource, canonicalBase: string | undefined): ValidationIssue[] {
  if (!isShareableType(resource.resourceType)) return [];
  const artifact = resource as Resource & { title?: unknown; date?: unknown; url?: unknown; version?: unknown };
  const type = resource.resourceType;
  const issues: ValidationIssue[] = [];
  for (const element of ['title', 'date'] as const) {
    if (artifact[element] === undefined) {
      issues.push(
        createIssue('profile', {
          severity: 'error',
          code: 'required',
          text: `A shareable ${type} needs a ${element} (CRMI shareable artifact)`,
          expression: `${type}.${element}`,
        }),
      );
    }
  }
  const ownArtifact = canonicalBase !== undefined && typeof artifact.url === 'string' && artifact.url.startsWith(`${canonicalBase}/`);
  if (ownArtifact && typeof artifact.version === 'string' && !SEMVER.test(artifact.version)) {
    issues.push(
      createIssue('profile', {
        severity: 'error',
        code: 'value',
        text: `Version "${artifact.version}" of a project artifact is not a Semantic Version (e.g. 0.1.0)`,
        expression: `${type}.version`,
      }),
    );
  }
  return issues;
}
