/**
 * Benchmark scenarios of the knowledge operations (`$apply`). Filled in when `$apply` is served.
 */
import type { Scenario } from '../bench.ts';

/** `$apply` scenarios (GET, and POST with a `data` Bundle). */
export function knowledgeScenarios(): Scenario[] {
  return [];
}
