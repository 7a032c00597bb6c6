// `perfbot serve`: HTTP server (webhooks, Slack, health) and, unless --no-worker, the
// remediation worker, in one process. SIGTERM/SIGINT stop accepting work, let running requests
// and jobs finish, then close Redis (and the embedded redis-server if we started one).
import { createApp } from '../app.js';
import { startIncidentRecorder } from '../audit/incident-recorder.js';
import { attachChat } from '../chat/wire.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { resolveRedisUrl } from '../redis/connect.js';
import { buildServer } from '../server.js';
import { createRemediationService, startWorkerService } from './worker.js';

export interface ServeOptions {
  worker: boolean;
}

/** Something started alongside the server that must stop with it (the worker, Slack sockets). */
export interface Service {
  name: string;
  stop(): Promise<void>;
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
  const undo = async () => {
    for (const close of opened.reverse()) await close().catch(() => {});
  };
  let app: Awaited<ReturnType<typeof createApp>>;
  let server: Awaited<ReturnType<typeof buildServer>>;
  let address: string;
  const services: Service[] = [];
  try {
    app = await createApp({ config, log, redisUrl: redisHandle.url });
    opened.push(() => app.close());
    // Proposals and Approve/Deny need the remediation service even when the worker runs elsewhere.
    const remediation = createRemediationService(app, redisHandle.url);
    opened.push(() => remediation.close());
    const chat = await attachChat(app, { remediation, audit: remediation.audit });
    opened.push(() => chat.stop());
    server = await buildServer(app);
    opened.push(() => server.close());
    if (options.worker) {
      services.push(startWorkerService(remediation, app));
    } else {
      services.push({ name: 'remediation', stop: () => remediation.close() });
    }
    address = await server.listen({ port: config.port, host: config.host });
    await chat.start();
    services.push({ name: 'chat', stop: () => chat.stop() });
    // Alerts and incident transitions enter the audit trail whether or not chat posts them.
    const recorder = startIncidentRecorder({ redis: app.redis, audit: remediation.audit, log });
    services.push({ name: 'audit', stop: () => recorder.stop() });
  } catch (err) {
    await undo();
    throw err;
  }
  log.info(
    { address, playbooks: app.catalog.playbooks.map((p) => p.id), worker: options.worker },
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
