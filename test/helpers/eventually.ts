/**
 * Waiting in tests for something another process does (a replica applying a write, PostgreSQL coming back):
 * poll until it is seen, for a bounded time.
 */

/**
 * Polls `probe` every `everyMs` until it gives a value other than `undefined` or `false`, for at most `ms`;
 * returns that value, or `undefined` when the time ran out.
 */
export async function eventually<T>(ms: number, probe: () => Promise<T | undefined | false>, everyMs = 50): Promise<T | undefined> {
  const started = Date.now();
  while (Date.now() - started <= ms) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}
