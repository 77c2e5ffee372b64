/**
 * What is served beside the FHIR base, through express: the browser view's two static files, `/` (a browser
 * is sent to the home page at the FHIR base), the health probes, a FHIR 404 for anything else, and the error
 * exit. The FHIR base itself never reaches express (src/app.ts hands it to the FHIR router first).
 *
 * @see https://expressjs.com/en/5x/api.html
 */
import type { ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { notFound } from '../fhir/errors.ts';
import { staticFile } from '../web/render.ts';
import { toFhirError, writeError } from './errors.ts';
import { prefersHtml } from './negotiate.ts';

/** What the site routes need. */
export interface SiteDeps {
  readonly logger: Logger;
  /** Whether the server is ready (for /readyz; /healthz only says the process answers). */
  readonly ready?: () => boolean;
}

type SiteRequest = Request & { requestId?: string };

/** The express app of the site routes. */
export function createSiteApp(deps: SiteDeps): express.Express {
  const app = express();
  app.set('case sensitive routing', true);
  app.set('strict routing', false);
  app.set('etag', false);
  app.set('query parser', false);
  app.disable('x-powered-by');
  addSiteRoutes(app, deps);
  return app;
}

/** What is served beside the FHIR base: the browser view's files, `/`, the health probes, a FHIR 404 and the error exit. */
function addSiteRoutes(app: express.Express, deps: SiteDeps): void {
  // The browser view: its two static files, and `/` sends a browser to the home page at the FHIR base.
  app.get('/_web/:name', (req: SiteRequest, res: Response) => {
    const file = staticFile(req.params.name as string);
    if (!file) {
      writeError(res, notFound('No such file'), req.requestId ?? '-');
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' }).end(file.body);
  });
  app.get('/favicon.ico', (_req, res) => {
    res.writeHead(204, { 'Cache-Control': 'max-age=86400' }).end();
  });
  app.get('/', (req: SiteRequest, res: Response, next: NextFunction) => {
    if (!prefersHtml(undefined, req.headers.accept)) {
      next();
      return;
    }
    res.writeHead(303, { Location: '/fhir', 'Content-Length': 0 }).end();
  });

  app.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  // For a balancer: 503 while the database is unreachable or this replica's index is behind.
  app.get('/readyz', (_req, res) => {
    const ready = deps.ready ? deps.ready() : true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });

  // Anything else: a FHIR 404.
  app.use((req: SiteRequest, res: Response) => {
    writeError(res, notFound('Nothing is served at this path; the FHIR base is /fhir'), req.requestId ?? '-');
  });

  // The one error exit for errors thrown outside the FHIR router (e.g. by express itself).
  app.use((err: unknown, req: SiteRequest, res: Response, _next: NextFunction) => {
    errorExit(deps.logger, req, res, err);
  });
}

/** The one error exit for errors thrown outside the FHIR router: an OperationOutcome, logged when unexpected. */
export function errorExit(logger: Logger, req: { requestId?: string }, res: ServerResponse, err: unknown): void {
  const requestId = req.requestId ?? '-';
  writeError(res, toFhirError(err, logger, requestId), requestId);
}

