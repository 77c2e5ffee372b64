/**
 * The `listening` log line says what the server really did: the address and port the socket is bound to
 * (`0.0.0.0` is every interface, not 127.0.0.1), a local URL that reaches it, and the public base URL the
 * links are built from — and that local URL answers.
 *
 * @see https://nodejs.org/api/net.html#serveraddress
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.ts';

const dirs: string[] = [];
const children: ChildServer[] = [];

afterAll(async () => {
  for (const child of children) await child.stop('SIGTERM');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<{ child: ChildServer; line: Record<string, unknown> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-listen-'));
  dirs.push(dataDir);
  const child = await spawnServer({ dataDir, contentDir: '', env });
  children.push(child);
  const line = child.logs.find((l) => l.msg === 'listening') as Record<string, unknown>;
  return { child, line };
}

describe('the listening log line', () => {
  it('names the wildcard address it binds, a local URL that answers, and the public base URL', async () => {
    const { child, line } = await start({ HOST: '0.0.0.0' });
    expect(line.address).toBe('0.0.0.0');
    expect(line.family).toBe('IPv4');
    expect(typeof line.port).toBe('number');
    expect(line.localUrl).toBe(`http://127.0.0.1:${line.port as number}/fhir`);
    expect(line.publicBaseUrl).toBe(`http://localhost:${line.port as number}/fhir`);
    expect(line.pid).toBe(child.process.pid);
    expect(line).not.toHaveProperty('url');
    expect((await fetch(`${line.localUrl as string}/metadata`)).status).toBe(200);
  });

  it('names a loopback bind and a configured public base URL as they are', async () => {
    const { line } = await start({ HOST: '127.0.0.1', PUBLIC_BASE_URL: 'https://fhir.example.org/fhir' });
    expect(line.address).toBe('127.0.0.1');
    expect(line.localUrl).toBe(`http://127.0.0.1:${line.port as number}/fhir`);
    expect(line.publicBaseUrl).toBe('https://fhir.example.org/fhir');
  });
});
