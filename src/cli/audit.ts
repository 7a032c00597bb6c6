// `perfbot audit [--incident ID] [--verify]`: connects to perfbot's Redis, prints the trail or
// the chain check; exit code 1 when --verify finds the chain broken.
import { auditCommand } from '../../commands/audit.js';
import { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config.js';
import { StoreUnavailableError } from '../errors.js';
import { silentLogger } from '../log.js';
import { createRedis } from '../redis/connect.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface AuditCliOptions {
  incident?: string | undefined;
  verify?: boolean | undefined;
  /** Key prefix of perfbot's Redis keys (tests use their own). */
  prefix?: string | undefined;
}

export async function auditCli(config: Config, options: AuditCliOptions, io: CliIo): Promise<number> {
  // One-shot command: no reconnecting, fail at once with a hint if Redis is not there.
  const redis = createRedis(config.redisUrl, { lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect().catch((err: unknown) => {
      throw new StoreUnavailableError(`cannot reach Redis at ${config.redisUrl}: set REDIS_URL`, err);
    });
    // The trail is only read here; the logger would otherwise echo nothing useful.
    const store = new AuditTrail({ redis, prefix: options.prefix, log: silentLogger });
    const { lines, ok } = await auditCommand({ store, incident: options.incident, verify: options.verify });
    for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}
