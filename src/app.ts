/**
 * `createApp(deps)`: the server's request handler, with no side effects (nothing listens, nothing is opened).
 * The FHIR endpoint is one handler (src/http/fhir-router.ts) reached from the front door without express;
 * express serves only the site routes behind it (src/http/site-routes.ts).
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { buildCapabilityStatement } from './capability/capability-statement.ts';
import { notFound } from './fhir/errors.ts';
import { createSiteApp, errorExit } from './http/site-routes.ts';
import { writeError } from './http/errors.ts';
import { AnswerCache, DEFAULT_ANSWER_CACHE_BYTES } from './http/answer-cache.ts';
import { createFhirRouter } from './http/fhir-router.ts';
import { COMMON_HEADERS, PREFLIGHT_HEADERS } from './http/headers.ts';
import { requestIdFor } from './http/logger.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import type { OperationRegistry } from './operations/registry.ts';
import type { ServerServices } from './operations/services.ts';
import type { Repository } from './store/repository.ts';

/** What the application needs. */
export interface AppDeps {
  readonly repository: Repository;
  readonly registry: OperationRegistry<ServerServices>;
  readonly logger: Logger;
  readonly publicBaseUrl: string;
  readonly writeToken: string | undefined;
  readonly maxBodyBytes: number;
  /** Per-request services for operations besides the repository, base URL and deadline. */
  readonly services: Omit<ServerServices, 'deadline' | 'repository' | 'baseUrl'>;
  /** Builds `/metadata?mode=terminology`; without it that mode is a 400. */
  readonly terminologyCapabilities?: () => Resource;
  /** Requests per second per client address (0: no limit). */
  readonly rateLimitPerSecond?: number;
  /** Whether the server is ready (for /readyz; /healthz only says the process answers). */
  readonly ready?: () => boolean;
  /** Bytes of serialised `$lookup`/`$validate-code`/`$expand` answers kept (default 32 MB; 0: no cache). */
  readonly answerCacheBytes?: number;
}

type RequestWithId = IncomingMessage & { requestId?: string };

/** The FHIR endpoint's handler: the CapabilityStatement, the answer cache and the per-request services wired in. */
function fhirEndpoint(deps: AppDeps): ReturnType<typeof createFhirRouter<ServerServices>> {
  const capability = buildCapabilityStatement({ baseUrl: deps.publicBaseUrl, registry: deps.registry, writable: deps.writeToken !== undefined });
  const rest = { repository: deps.repository, baseUrl: deps.publicBaseUrl };
  const cacheBytes = deps.answerCacheBytes ?? DEFAULT_ANSWER_CACHE_BYTES;
  const answers = cacheBytes > 0 ? new AnswerCache(cacheBytes) : undefined;
  if (answers) deps.repository.onChange((change) => answers.changed(change.resourceType));
  return createFhirRouter<ServerServices>({
    rest,
    registry: deps.registry,
    services: (deadline) => ({ ...deps.services, repository: deps.repository, baseUrl: deps.publicBaseUrl, deadline }),
    metadata: (mode) => {
      if (mode === undefined || mode === 'full') return capability;
      if (mode === 'terminology' && deps.terminologyCapabilities) return deps.terminologyCapabilities();
      throw notFound(`metadata mode "${mode}" is not supported`);
    },
    writeToken: deps.writeToken,
    maxBodyBytes: deps.maxBodyBytes,
    logger: deps.logger,
    answers,
  });
}

/** A Node request handler (what `http.createServer` calls). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The front door, in front of express: request id, access log, rate limit, CORS preflight, and the FHIR base
 * dispatched straight to `fhir`. It returns false for what it leaves to express (the site routes). The FHIR
 * base does not go through express at all: its handler needs only Node's request and response, and the
 * profile of `$lookup` showed express's `app.handle` and router at 4–6 % of the server's time per request.
 */
function frontDoor(deps: AppDeps, fhir: ReturnType<typeof fhirEndpoint>): (req: RequestWithId, res: ServerResponse) => boolean {
  const logRequests = deps.logger.isLevelEnabled('info');
  const limiter = createRateLimiter({ perSecond: deps.rateLimitPerSecond ?? 0 });
  const rateLimited = (deps.rateLimitPerSecond ?? 0) > 0;
  return (req, res) => {
    const requestId = requestIdFor(req.headers['x-request-id']);
    req.requestId = requestId;
    const url = req.url ?? '/';
    if (logRequests) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        deps.logger.info({ reqId: requestId, method: req.method, url: url.slice(0, 500), status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
      });
    }
    if (rateLimited) {
      const throttled = limiter.take(req.socket.remoteAddress ?? '-');
      const path = url.split('?', 1)[0];
      if (throttled && path !== '/healthz' && path !== '/readyz') {
        writeError(res, throttled, requestId);
        return true;
      }
    }
    if (req.method === 'OPTIONS') {
      const headers: Record<string, string> = { 'X-Request-Id': requestId };
      for (const [k, v] of COMMON_HEADERS) headers[k] = v;
      for (const [k, v] of PREFLIGHT_HEADERS) headers[k] = v;
      res.writeHead(204, headers).end();
      return true;
    }
    // The FHIR base: the router reads the path below /fhir from req.url.
    if (url.startsWith('/fhir') && (url.length === 5 || url[5] === '/' || url[5] === '?')) {
      req.url = url.length === 5 || url[5] === '?' ? `/${url.slice(5)}` : url.slice(5);
      void fhir(req, res);
      return true;
    }
    return false;
  };
}

/**
 * Creates the application: the front door (with the FHIR base) and, behind it, the express app of the site
 * routes. An error thrown in the front door takes the same exit as one thrown inside express.
 */
export function createApp(deps: AppDeps): NodeHandler {
  const site = createSiteApp({ logger: deps.logger, ready: deps.ready });
  const door = frontDoor(deps, fhirEndpoint(deps));
  return (req: RequestWithId, res: ServerResponse) => {
    try {
      if (door(req, res)) return;
    } catch (err) {
      errorExit(deps.logger, req, res, err);
      return;
    }
    site(req, res);
  };
}
