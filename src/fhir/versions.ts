/**
 * Version comparison and matching for code system and value set versions: semver-like numeric ordering,
 * wildcard criteria (`1.0.x`, `1.*`) and the `versionAlgorithm` of a resource (R5, carried in R4 by an
 * extension).
 *
 * @see https://hl7.org/fhir/R4/codesystem-definitions.html#CodeSystem.version
 * @see https://hl7.org/fhir/R5/codesystem-definitions.html#CodeSystem.versionAlgorithm_x_
 */

const WILDCARDS = new Set(['x', 'X', '*']);

function isInteger(s: string): boolean {
  return /^\d+$/.test(s);
}

/**
 * True when `v` is `major.minor.patch` (labels allowed).
 */
export function isSemVer(v: string): boolean {
  return /^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/.test(v);
}

/**
 * True when the version contains wildcard segments (`1.0.x`).
 */
export function hasWildcards(v: string): boolean {
  return v.split(/[.-]/).some((p) => WILDCARDS.has(p));
}

/**
 * Compares two versions: dot-separated segments, numeric where both are integers, ordinal otherwise;
 * a version with more segments is later when the common segments are equal.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i];
    const y = pb[i];
    if (isInteger(x) && isInteger(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

/**
 * True when `candidate` satisfies the version `criteria`: equal, or equal segment by segment where the
 * criteria's wildcard segments (`x`, `X`, `*`) match anything and trailing segments of the candidate beyond
 * a wildcard are accepted.
 */
export function versionMatches(criteria: string, candidate: string): boolean {
  if (criteria === candidate) return true;
  if (!hasWildcards(criteria)) return false;
  const pc = criteria.split('.');
  const pv = candidate.split('.');
  for (let i = 0; i < pc.length; i++) {
    if (WILDCARDS.has(pc[i])) {
      if (i === pc.length - 1) return pv.length >= i + 1;
      if (i >= pv.length) return false;
      continue;
    }
    if (i >= pv.length || pc[i] !== pv[i]) return false;
  }
  return pv.length === pc.length;
}

/**
 * True when `detailed` is a more detailed form of `general` (or equal): `1.0.x` is satisfied by `1.0.0`,
 * and `1.0` by `1.0.2`.
 */
export function versionIsMoreDetailed(general: string, detailed: string): boolean {
  if (general === detailed) return true;
  if (hasWildcards(general)) return versionMatches(general, detailed);
  return false;
}

/**
 * The latest of a list of versions (undefined when empty).
 */
export function latestVersion(versions: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) {
    if (best === undefined || compareVersions(v, best) > 0) best = v;
  }
  return best;
}

/**
 * Renders a list of versions as the reference server does ("a", "a or b", "a, b and c").
 */
export function presentVersionList(versions: readonly string[]): string {
  if (versions.length === 0) return '';
  if (versions.length === 1) return versions[0];
  if (versions.length === 2) return `${versions[0]} or ${versions[1]}`;
  return `${versions.slice(0, -1).join(', ')} and ${versions[versions.length - 1]}`;
}
