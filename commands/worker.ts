// `perfbot worker`: the remediation worker alone, on the Redis `serve` uses (no embedded
// redis-server here: a worker alone is only useful beside a serve).
import { createApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { redisHealth } from '../src/redis/health.js';
import { startWorker } from '../src/services.js';

export async function workerCommand(config: Config, log: Logger): Promise<() => Promise<void>> {
  const app = await createApp({ config, log, redisUrl: config.redisUrl });
  const worker = startWorker(app);
  // Redis away at start: the watcher has said so (one warning a minute); "running" alone would
  // read as all well.
  const waiting = redisHealth(app.redis)?.ready === false;
  log.info(
    { dryRun: config.dryRun },
    waiting ? 'perfbot worker running: it takes jobs once Redis is reachable' : 'perfbot worker running',
  );
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
