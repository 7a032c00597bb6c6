// `perfbot audit …`: connects to perfbot's Redis (except verify-file) and runs the audit
// functions of src/audit/, printing their lines.
//   perfbot audit [--incident ID] [--verify [--since-checkpoint SIG]]
//   perfbot audit export --before DATE > segment.ndjson
//   perfbot audit verify-file FILE…
//   perfbot audit trim FILE            (trims exactly the entries FILE holds, after verifying it)
// Exit codes: 0 fine, 1 broken/failed, 2 usage.
import { auditCommand } from '../../commands/audit.js';
import { type AuditKey, loadAuditKey } from '../audit/key.js';
import { writeSegment } from '../audit/segment-export.js';
import { verifySegmentFile, verifySegmentFiles } from '../audit/segment-verify.js';
import { AuditTrail } from '../audit/trail.js';
import { trimThrough } from '../audit/trim.js';
import type { Config } from '../config.js';
import { StoreUnavailableError } from '../errors.js';
import { silentLogger } from '../log.js';
import { createRedis, describeRedisTarget } from '../redis/connect.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface AuditCliOptions {
  /** Subcommand: undefined (print or --verify), 'export', 'verify-file', 'trim'. */
  action?: string | undefined;
  files?: string[] | undefined;
  incident?: string | undefined;
  verify?: boolean | undefined;
  sinceCheckpoint?: string | undefined;
  before?: string | undefined;
  /** Key prefix of perfbot's Redis keys (tests use their own). */
  prefix?: string | undefined;
}

export async function auditCli(config: Config, options: AuditCliOptions, io: CliIo): Promise<number> {
  const key: AuditKey | undefined = config.audit.keyFile ? loadAuditKey(config.audit.keyFile) : undefined;
  if (options.action === 'verify-file') {
    if (!options.files?.length) return usage(io, 'verify-file needs at least one FILE');
    const { ok, lines } = await verifySegmentFiles(options.files, key);
    for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? 0 : 1;
  }
  let before: Date | undefined;
  if (options.action === 'export') {
    before = options.before ? new Date(options.before) : undefined;
    if (!before || Number.isNaN(before.getTime()))
      return usage(io, 'export needs --before DATE (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)');
  } else if (options.action === 'trim') {
    if (options.files?.length !== 1) return usage(io, 'trim needs exactly one FILE (an exported segment)');
    if (key && !key.canSign) return usage(io, 'trim needs the private key: the trim marker must be signed');
  } else if (options.action !== undefined) {
    return usage(io, `unknown audit subcommand "${options.action}"`);
  }

  // One-shot command: no reconnecting, fail at once with a hint if Redis is not there.
  const redis = createRedis(config.redisUrl, { lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect().catch((err: unknown) => {
      throw new StoreUnavailableError(
        `cannot reach Redis at ${describeRedisTarget(config.redisUrl)}: set REDIS_URL`,
        err,
      );
    });
    // The trail is only read here; the logger would otherwise echo nothing useful.
    const trail = new AuditTrail({ redis, prefix: options.prefix, log: silentLogger, key });
    if (options.action === 'export') {
      const segment = await writeSegment(trail, { before: before as Date }, io.out);
      io.err(
        segment
          ? `exported ${segment.count} entries (${segment.firstId} … ${segment.lastId}), ${segment.signed ? `signed with ${key?.alg} key ${key?.id}` : 'unsigned (no PERFBOT_AUDIT_KEY)'}`
          : `no entries before ${(before as Date).toISOString()}${key ? ' that a checkpoint has signed' : ''}: nothing exported`,
      );
      return 0;
    }
    if (options.action === 'trim') {
      const file = (options.files as string[])[0] as string;
      const check = await verifySegmentFile(file, key);
      if (!check.ok || !check.summary) {
        io.err(`${file}:${check.problem?.line}: ${check.problem?.reason}; nothing trimmed`);
        return 1;
      }
      const { trimmed } = await trimThrough(trail, check.summary, new Date());
      await trail.append({
        actor: 'cli',
        event: 'audit.trimmed',
        details: { through: check.summary.lastId, entries: trimmed, segment: file.split('/').pop() },
      });
      await trail.close();
      io.out(`trimmed ${trimmed} entries through ${check.summary.lastId}`);
      return 0;
    }
    const { lines, ok } = await auditCommand({
      store: trail,
      incident: options.incident,
      verify: options.verify,
      sinceCheckpoint: options.sinceCheckpoint,
    });
    for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

function usage(io: CliIo, message: string): number {
  io.err(`perfbot audit: ${message}`);
  return 2;
}
