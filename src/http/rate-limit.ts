/**
 * A per-client token bucket: a flood from one address is answered 429 `throttled` with `Retry-After`
 * instead of starving everyone else. Off when the rate is 0.
 *
 * @see https://hl7.org/fhir/R4/http.html#2.21.0.4
 */
import { fhirError, type FhirError } from '../fhir/errors.ts';

/** Buckets kept at most (the oldest are dropped first). */
const MAX_CLIENTS = 10_000;

/** Creates a limiter: `take(client)` returns undefined when allowed, or the 429 error to answer. */
export function createRateLimiter(options: { readonly perSecond: number; readonly burst?: number; readonly now?: () => number }) {
  const rate = options.perSecond;
  const burst = options.burst ?? rate * 2;
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(client: string): FhirError | undefined {
      if (rate <= 0) return undefined;
      const t = now();
      let bucket = buckets.get(client);
      if (!bucket) {
        if (buckets.size >= MAX_CLIENTS) buckets.delete(buckets.keys().next().value as string);
        bucket = { tokens: burst, at: t };
        buckets.set(client, bucket);
      }
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      const waitSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      return fhirError(429, 'throttled', `Too many requests; retry after ${waitSeconds} s`, { headers: { 'Retry-After': String(waitSeconds) } });
    },
  };
}
