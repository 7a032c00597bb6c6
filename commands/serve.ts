// `perfbot serve`: HTTP server (webhooks, Slack, health), the response layer (diagnose and
// propose for every routed incident), the chat surface and, unless --no-worker, the
// remediation worker, in one process. SIGTERM/SIGINT stop accepting work, let running requests
// and jobs finish, then close Redis (and the embedded redis-server if we started one).
import type { FastifyInstance } from 'fastify';
import { type App, createApp } from '../src/app.js';
import { createChat } from '../src/chat/runtime.js';
import { serveTerminalOutput } from '../src/chat/terminal-sink.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { resolveRedisUrl } from '../src/redis/connect.js';
import { redisHealth } from '../src/redis/health.js';
import { buildServer } from '../src/server.js';
import { type Service, startHousekeeping, startResponse, startWorker } from '../src/services.js';
import { auditLines } from './audit.js';
import { dispatch } from './index.js';

export interface ServeOptions {
  worker: boolean;
}

export async function serveCommand(
  config: Config,
  log: Logger,
  options: ServeOptions,
): Promise<() => Promise<void>> {
  const redisHandle = await resolveRedisUrl(config, log, { allowEmbedded: true });
  // A start that fails half-way (port taken, Redis gone) closes what it opened: open Redis
  // connections would otherwise keep the process alive with its exit code already set.
  const opened: (() => Promise<unknown>)[] = [async () => redisHandle.embedded?.stop()];
  const services: Service[] = [];
  let app: App;
  let server: FastifyInstance;
  let address: string;
  try {
    app = await createApp({ config, log, redisUrl: redisHandle.url });
    const built = app;
    opened.push(() => built.close());
    // A person at a terminal reads text and a status line; a log collector gets JSON lines.
    const output = serveTerminalOutput(log);
    const chat = await createChat(app, {
      dispatch,
      auditLines: (filter) => auditLines(built.audit, filter),
      chartDir: '.perfbot/charts',
      ...output,
    });
    opened.push(() => chat.stop());
    // When the incident channel is this terminal, its line for an opened or resolved incident is
    // what a person reads: the intake's info line about the same event would print it twice
    // (kept in JSON logs and from LOG_LEVEL=debug).
    const onScreen = chat.kind === 'terminal' && output.status !== undefined;
    const intakeLog = onScreen && log.levelVal >= 30 ? log.child({}, { level: 'warn' }) : undefined;
    const http = await buildServer(app, { routes: chat.routes, intakeLog });
    server = http;
    opened.push(() => http.close());
    services.push(startResponse(app), startHousekeeping(app));
    if (options.worker) services.push(startWorker(app));
    for (const s of services) opened.push(() => s.stop());
    address = await server.listen({ port: config.port, host: config.host });
    await chat.start();
    services.push({ name: 'chat', stop: () => chat.stop() });
  } catch (err) {
    for (const close of opened.reverse()) await close().catch(() => {});
    throw err;
  }
  // Redis away at start: the watcher has said so; "serving" alone would read as all well. (The
  // message stays "perfbot serving": tools wait for it.)
  const notReady = redisHealth(app.redis)?.ready === false;
  log.info(
    {
      address,
      playbooks: app.catalog.playbooks.map((p) => p.id),
      worker: options.worker,
      ...(notReady ? { ready: false, until: 'Redis is reachable (/readyz says why)' } : {}),
    },
    'perfbot serving',
  );

  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      log.info('shutting down');
      await server.close();
      for (const s of services.reverse())
        await s.stop().catch((err) => log.error({ err, service: s.name }, 'stop failed'));
      await app.close();
      await redisHandle.embedded?.stop();
      log.info('stopped');
    })();
    return stopping;
  };
}
