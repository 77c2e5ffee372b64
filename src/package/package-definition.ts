/**
 * Identity of the project's FHIR package: the values of `package/package.json` and the canonical base of its
 * artifacts. `example.org` is a documented placeholder domain (RFC 2606).
 *
 * @see https://hl7.org/fhir/packages.html
 */

/**
 * Canonical base of the project's own artifacts.
 * @see https://hl7.org/fhir/R4/resource.html#canonical
 */
export const CANONICAL_BASE = 'https://example.org/fhir/liver-cryoablation';

/**
 * The FHIR package manifest fields this project publishes.
 */
export interface FhirPackageDefinition {
  /** Package id (lower case, dot separated). */
  readonly name: string;
  /** SemVer version of the package. */
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly canonical: string;
  /** Home page of the package. */
  readonly url: string;
  readonly fhirVersions: readonly string[];
  readonly dependencies: Readonly<Record<string, string>>;
  /** Package type; `fhir.ig` for a package of conformance/knowledge artifacts. */
  readonly type: string;
  /** SPDX license id. */
  readonly license: string;
  readonly author: string;
  readonly keywords: readonly string[];
}

/**
 * The project's package.
 */
export const FHIR_PACKAGE: FhirPackageDefinition = {
  name: 'example.fhir.liver-cryoablation',
  version: '0.1.0',
  title: 'Percutaneous cryoablation of liver tumors (CPT 47383)',
  description:
    'FHIR R4 knowledge artifacts for percutaneous cryoablation of liver tumors (CPT 47383): the clinical protocol and its ' +
    'alternatives as PlanDefinitions, the orderable and instructable steps as ActivityDefinitions, and the code systems ' +
    'and value sets they use. Contains one CPT descriptor with the AMA notice; CPT content needs an AMA license.',
  canonical: CANONICAL_BASE,
  url: CANONICAL_BASE,
  fhirVersions: ['4.0.1'],
  // The CPG and CRMI profiles the artifacts claim (CRMI from its continuous build: see test/fixtures/ig/README.md).
  dependencies: { 'hl7.fhir.r4.core': '4.0.1', 'hl7.fhir.uv.cpg': '2.0.0', 'hl7.fhir.uv.crmi': 'current' },
  type: 'fhir.ig',
  license: 'Apache-2.0',
  author: 'Liver Cryoablation FHIR Knowledge Project',
  keywords: ['fhir', 'r4', 'plandefinition', 'activitydefinition', 'cpt-47383', 'cryoablation', 'liver'],
};
