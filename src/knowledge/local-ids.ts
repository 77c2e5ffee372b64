/**
 * Ids of the resources contained in one CarePlan: readable (derived from action and goal ids), valid FHIR
 * ids, and unique within the container.
 *
 * @see https://hl7.org/fhir/R4/references.html#contained
 * @see https://hl7.org/fhir/R4/datatypes.html#id
 */

/** Longest id FHIR allows. */
const MAX_ID_LENGTH = 64;
/** An id made of id characters only (then it needs no rewriting). */
const VALID_ID = /^[A-Za-z0-9\-.]+$/;

/**
 * Hands out unique ids within one container.
 */
export class LocalIds {
  private readonly used = new Set<string>();

  /** A valid, unused id as close to `preferred` as possible. */
  allocate(preferred: string): string {
    const base =
      preferred.length <= MAX_ID_LENGTH - 6 && VALID_ID.test(preferred) ? preferred : preferred.replace(/[^A-Za-z0-9\-.]/g, '-').slice(0, MAX_ID_LENGTH - 6) || 'r';
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    return id;
  }
}
