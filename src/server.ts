// HTTP wiring only: routes → handlers. Everything the handlers need arrives in AppDeps.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerAlertRoutes } from './alerts/routes.js';
import type { AppDeps } from './app.js';

export interface ServerOptions {
  /**
   * A request — headers and body — must have arrived within this (default 30 s); a sender that
   * stalls (slow-loris) has its socket closed, with a 408 when nothing was answered yet.
   */
  requestTimeoutMs?: number;
}

export async function buildServer(deps: AppDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
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

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const problems: string[] = [];
    try {
      await withTimeout(deps.redis.ping(), 1000);
    } catch (err) {
      problems.push(`redis: ${(err as Error).message}`);
    }
    if (deps.catalog.playbooks.length === 0) problems.push('playbooks: none loaded');
    if (problems.length > 0) return reply.code(503).send({ status: 'unavailable', problems });
    return { status: 'ready', playbooks: deps.catalog.playbooks.length };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  await registerAlertRoutes(app, deps);
  await deps.chat?.routes(app);

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
