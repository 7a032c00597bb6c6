// HTTP wiring only: routes → handlers. Everything the handlers need arrives in ServerDeps (the
// composition root's App fits); a chat surface that serves HTTP (Slack's events endpoint)
// mounts its routes through `routes`.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import { type AlertRouteDeps, registerAlertRoutes } from './alerts/routes.js';
import type { Config } from './config.js';
import { instrumentHttp } from './metrics-hooks.js';
import { redisHealth } from './redis/health.js';

export interface ServerDeps extends AlertRouteDeps {
  config: AlertRouteDeps['config'] & Pick<Config, 'bodyLimit'>;
  redis: Redis;
}

export interface ServerOptions {
  /** More routes (POST /slack/events when Slack is served over HTTP). */
  routes?: ((server: FastifyInstance) => Promise<void>) | undefined;
  /**
   * A request — headers and body — must have arrived within this (default 30 s); a sender that
   * stalls (slow-loris) has its socket closed, with a 408 when nothing was answered yet.
   */
  requestTimeoutMs?: number | undefined;
  /** The webhook routes' logger, when not deps.log (serve on a terminal quiets their info lines). */
  intakeLog?: AlertRouteDeps['log'] | undefined;
}

export async function buildServer(deps: ServerDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimit,
    // Request lines would repeat what the handlers log with more context (and raw webhook URLs).
    logController: new LogController({ disableRequestLogging: true }),
    // Webhook senders and Slack retry on slow answers; never keep a request open for long.
    requestTimeout,
    // Node enforces the request and header deadlines only when it checks its connections, every
    // 30 s by default — a stalled body then held its socket up to a minute past the deadline.
    // Checking often enough cuts it within a second of the deadline.
    http: {
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(requestTimeout / 10))),
      headersTimeout: requestTimeout,
    },
    return503OnClosing: true,
  });
  instrumentHttp(app, deps.metrics);

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const problems: string[] = [];
    try {
      await withTimeout(deps.redis.ping(), 1000);
    } catch (err) {
      // The watcher (src/redis/health.ts) knows the address and the cause, not just "not writeable".
      problems.push(`redis: ${redisHealth(deps.redis)?.problem() ?? (err as Error).message}`);
    }
    if (deps.catalog.playbooks.length === 0) problems.push('playbooks: none loaded');
    if (problems.length > 0) return reply.code(503).send({ status: 'unavailable', problems });
    return { status: 'ready', playbooks: deps.catalog.playbooks.length };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  await registerAlertRoutes(app, options.intakeLog ? { ...deps, log: options.intakeLog } : deps);
  await options.routes?.(app);

  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
