/**
 * Benchmark scenarios of the knowledge operations: `$apply` of the protocol by GET, and by POST with a
 * `data` Bundle (a Patient, an active warfarin order and an unrelated medication) so the applicability
 * condition and `memberOf` run on every request.
 */
import { readFileSync } from 'node:fs';
import type { Scenario } from '../bench.ts';

const APPLY = '/fhir/PlanDefinition/liver-tumor-cryoablation/$apply';

/** `$apply` scenarios (GET, and POST with a `data` Bundle at 1 and 10 connections). */
export function knowledgeScenarios(): Scenario[] {
  const body = readFileSync(new URL('../../test/fixtures/knowledge/Parameters-bench-apply.json', import.meta.url), 'utf8');
  const post = { path: APPLY, method: 'POST' as const, body, headers: { 'Content-Type': 'application/fhir+json' } };
  return [
    { suite: 'knowledge', name: '$apply protocol (GET subject=Patient/bench)', request: { path: `${APPLY}?subject=Patient/bench` } },
    { suite: 'knowledge', name: '$apply protocol (POST with data Bundle), 1 connection', request: post, connections: 1 },
    { suite: 'knowledge', name: '$apply protocol (POST with data Bundle)', request: post },
  ];
}
