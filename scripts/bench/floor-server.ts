/**
 * A benchmark floor: a server answering a fixed FHIR JSON body of a given size, as fast as its framework
 * allows. `raw` is node:http; `express` is a bare express 5 app (ETag off).
 * Usage: node scripts/bench/floor-server.ts raw|express <bytes>  → prints `PORT <n>` when listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

const [kind, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg ?? 3000);
const shell = (filler: string): string => JSON.stringify({ resourceType: 'Basic', id: 'floor', text: { status: 'empty', div: filler } });
const body = Buffer.from(shell('x'.repeat(Math.max(0, size - shell('').length))));
const headers = { 'Content-Type': 'application/fhir+json; charset=utf-8', 'Content-Length': String(body.length) };

let server;
if (kind === 'raw') {
  server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
} else if (kind === 'express') {
  const app = express();
  app.set('etag', false);
  app.disable('x-powered-by');
  app.get('/{*path}', (_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  server = createServer(app);
} else {
  throw new Error(`unknown floor ${kind}`);
}
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
