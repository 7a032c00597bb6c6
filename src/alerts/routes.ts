// POST /alerts/alertmanager, /alerts/azure-monitor, /alerts/cloudwatch → 202 {accepted, incidents}.
// Errors per DESIGN.md: 400 {error, field}, 401, 403 (SNS topic not allowed), 413, 415, 503.
// Each source lives in its own Fastify context so content types differ per route: JSON for
// Alertmanager and Azure, `text/plain` carrying JSON for SNS, anything else 415.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { InvalidInputError, PerfbotError, StoreUnavailableError, UnauthorizedError } from '../errors.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import { parseAlertmanager } from './alertmanager.js';
import { createTokenCheck } from './auth.js';
import { parseAzureMonitor } from './azure-monitor.js';
import { handleSns } from './cloudwatch-route.js';
import { intakeBatch } from './intake.js';
import { parseJsonBody as parseJsonText } from './json-body.js';
import type { AlertSource } from './schema.js';
import { createSnsVerifier, type SnsVerifier } from './sns.js';

export interface AlertRouteDeps {
  config: Pick<Config, 'webhookToken' | 'snsTopicArns'>;
  log: Logger;
  catalog: PlaybookCatalog;
  metrics: Metrics;
  now: () => Date;
  incidents: IncidentStore;
  /** For SNS certificates and subscription confirmations. */
  fetch?: typeof globalThis.fetch;
  snsVerifier?: SnsVerifier;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    alertSource?: AlertSource;
  }
}

export async function registerAlertRoutes(app: FastifyInstance, deps: AlertRouteDeps): Promise<void> {
  const intake = { catalog: deps.catalog, incidents: deps.incidents, metrics: deps.metrics, log: deps.log };
  if (deps.config.webhookToken === undefined) {
    deps.log.warn(
      'PERFBOT_WEBHOOK_TOKEN is not set: /alerts/alertmanager and /alerts/azure-monitor accept unauthenticated requests',
    );
  }
  const checkToken = createTokenCheck(deps.config.webhookToken);
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const verifier = deps.snsVerifier ?? createSnsVerifier({ fetch: fetchFn, now: deps.now });

  await app.register(async (scope) => {
    // Only JSON here. Plain JSON.parse: the parsers copy fields into fresh objects and skip
    // `__proto__`, so Fastify's prototype-poisoning scan would only cost time.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
    scope.setErrorHandler(errorHandler(deps));
    scope.setChildLoggerFactory(sharedLogger);
    // Callback style: no promise per request on the hot path.
    scope.addHook('onRequest', (req, _reply, done) => {
      try {
        checkToken(req.headers.authorization, (req.query as Record<string, unknown> | undefined)?.token);
        done();
      } catch (err) {
        done(err as Error);
      }
    });
    scope.post('/alerts/alertmanager', { config: { alertSource: 'alertmanager' } }, async (req, reply) => {
      const answer = await intakeBatch(intake, parseAlertmanager(req.body, { now: deps.now }));
      return reply.code(202).send(answer);
    });
    scope.post('/alerts/azure-monitor', { config: { alertSource: 'azure-monitor' } }, async (req, reply) => {
      const answer = await intakeBatch(intake, parseAzureMonitor(req.body, { now: deps.now }));
      return reply.code(202).send(answer);
    });
  });

  await app.register(async (scope) => {
    // SNS posts JSON as `text/plain; charset=UTF-8`; accept it (and real JSON) as JSON here only.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['text/plain', 'application/json'], { parseAs: 'string' }, parseJsonBody);
    scope.setErrorHandler(errorHandler(deps));
    scope.setChildLoggerFactory(sharedLogger);
    scope.post('/alerts/cloudwatch', { config: { alertSource: 'cloudwatch' } }, (req, reply) =>
      handleSns(req, reply, {
        verifier,
        fetch: fetchFn,
        topics: deps.config.snsTopicArns,
        intake,
        log: deps.log,
        metrics: deps.metrics,
      }),
    );
  });
}

/**
 * The webhook routes log through deps.log with their own context (source, incident), never
 * through req.log: a pino child per request (Fastify's default, for the request id) would only
 * cost time on the hot path.
 */
const sharedLogger = (logger: FastifyBaseLogger): FastifyBaseLogger => logger;

function parseJsonBody(
  _req: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  try {
    done(null, parseJsonText(body as string));
  } catch (err) {
    done(err as Error, undefined);
  }
}

function errorHandler(deps: AlertRouteDeps) {
  return (err: Error & { statusCode?: number; code?: string }, req: FastifyRequest, reply: FastifyReply) => {
    const source = req.routeOptions.config.alertSource ?? 'unknown';
    const reject = (status: number, reason: string, body: Record<string, string>) => {
      deps.metrics.webhookRejected.inc({ source, reason });
      return reply.code(status).send(body);
    };
    if (err instanceof InvalidInputError)
      return reject(400, 'invalid', { error: err.message, field: err.field });
    if (err instanceof UnauthorizedError) return reject(401, 'unauthorized', { error: err.message });
    if (err instanceof StoreUnavailableError || (err instanceof PerfbotError && err.retryable)) {
      deps.log.warn({ err, source }, 'webhook not stored: sender will retry');
      reply.header('retry-after', '5');
      return reject(503, 'unavailable', { error: err.message });
    }
    if (err.statusCode === 413) return reject(413, 'too-large', { error: 'request body is too large' });
    if (err.statusCode === 415) {
      return reject(415, 'unsupported-media-type', {
        // `curl -d` without -H sends a form: say what to send instead.
        error: `unsupported content type ${JSON.stringify(req.headers['content-type'] ?? '')}: send the JSON body with content-type: application/json`,
      });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own parsing errors: malformed JSON, empty body, bad content length.
      return reject(err.statusCode, 'invalid', { error: err.message, field: 'body' });
    }
    deps.log.error({ err, source }, 'webhook failed');
    return reject(500, 'internal', { error: 'internal error' });
  };
}
