/**
 * Unexpected errors cannot fill the disk (issue 12): the stack of each distinct error is logged once, repeats
 * only as a count at most once a minute.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorLog, REPEAT_INTERVAL_MS } from '../../src/http/error-log.ts';

function capture(): { lines: Record<string, unknown>[]; log: ErrorLog; advance: (ms: number) => void } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let now = 1_000_000;
  const logger = pino({ level: 'info' }, pino.multistream([{ stream: sink }], { dedupe: false }));
  return { lines, log: new ErrorLog(logger, () => now), advance: (ms) => (now += ms) };
}

function boom(message: string): Error {
  return new TypeError(message);
}

describe('ErrorLog', () => {
  it('logs the first occurrence with its stack, then counts repeats and logs them at most once per interval', async () => {
    const { lines, log, advance } = capture();
    for (let i = 0; i < 1000; i++) log.record(boom("Cannot read properties of null (reading 'resourceType')"), `r${i}`);
    advance(REPEAT_INTERVAL_MS);
    log.record(boom("Cannot read properties of null (reading 'resourceType')"), 'r-late');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2);
    expect(String((lines[0]?.err as { stack?: string }).stack)).toContain('TypeError');
    expect(lines[1]).toMatchObject({ repeated: 1000, reqId: 'r-late' });
    expect(lines[1]?.err).toBeUndefined();
  });

  it('logs each distinct error in full once', async () => {
    const { lines, log } = capture();
    log.record(boom('one'), 'a');
    log.record(boom('two'), 'b');
    log.record(boom('one'), 'c');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => (l.err as { message?: string }).message)).toEqual(['one', 'two']);
  });
});
