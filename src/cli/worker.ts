// The remediation worker as a process role: `perfbot worker` runs only it; `perfbot serve` runs
// it next to the HTTP server unless --no-worker. Either way it is one RemediationService on
// perfbot's Redis, with verification re-running checks through the diagnostics engine.
import { type AppDeps, createApp } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { engineRerunChecks } from '../remediation/rerun.js';
import { RemediationService } from '../remediation/service.js';
import type { Service } from './serve.js';

export function createRemediationService(app: AppDeps, redisUrl: string): RemediationService {
  return new RemediationService({
    redis: app.redis,
    redisUrl,
    config: app.config,
    backends: app.backends,
    log: app.log,
    now: app.now,
    audit: app.audit,
  });
}

/** Starts the worker; stopping it lets running jobs finish, then closes the queue. */
export function startWorkerService(service: RemediationService, app: AppDeps): Service {
  service.startWorker({
    rerunChecks: engineRerunChecks({ catalog: app.catalog, backends: app.backends, log: app.log }),
  });
  return { name: 'remediation-worker', stop: () => service.close() };
}

export async function workerCommand(config: Config, log: Logger): Promise<() => Promise<void>> {
  // No embedded redis-server here: a worker alone is only useful on the Redis `serve` uses.
  const app = await createApp({ config, log, redisUrl: config.redisUrl });
  const worker = startWorkerService(createRemediationService(app, config.redisUrl), app);
  log.info({ dryRun: config.dryRun }, 'perfbot worker running');
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      log.info('worker shutting down: letting running jobs finish');
      await worker.stop();
      await app.close();
      log.info('worker stopped');
    })();
    return stopping;
  };
}
