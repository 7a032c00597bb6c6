// `perfbot audit [--incident ID] [--verify]` and `/perf audit [incident]`: the trail as readable
// lines, or the chain check. Pure over the store, so the CLI and Slack share it.

import { type AuditKey, loadAuditKey } from '../src/audit/key.js';
import { verifyReport } from '../src/audit/report.js';
import { writeSegment } from '../src/audit/segment-export.js';
import { verifySegmentFile, verifySegmentFiles } from '../src/audit/segment-verify.js';
import { AuditTrail, type TrailFilter } from '../src/audit/trail.js';
import { trimThrough } from '../src/audit/trim.js';
import type { AuditEntry, VerifyResult } from '../src/audit/types.js';
import type { Config } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { printable } from '../src/tty.js';
import { connectOnce, type Io } from './io.js';

export interface AuditStore {
  readTrail(filter?: TrailFilter): Promise<AuditEntry[]>;
  verifyTrail(options?: { sinceCheckpoint?: string | undefined }): Promise<VerifyResult>;
}

export interface AuditCommandInput {
  store: AuditStore;
  incident?: string | undefined;
  verify?: boolean | undefined;
  /** With verify: a checkpoint signature from the log that must be in the trail. */
  sinceCheckpoint?: string | undefined;
  /** Only the most recent N entries (Slack shows a page, the CLI everything). */
  limit?: number | undefined;
}

export interface AuditCommandOutput {
  lines: string[];
  /** false only when --verify found a broken chain. */
  ok: boolean;
}

export async function auditCommand(input: AuditCommandInput): Promise<AuditCommandOutput> {
  if (input.verify) {
    return verifyReport(await input.store.verifyTrail({ sinceCheckpoint: input.sinceCheckpoint }));
  }
  const entries = await input.store.readTrail({ incident: input.incident, limit: input.limit });
  if (entries.length === 0) {
    return {
      ok: true,
      lines: [input.incident ? `no audit entries for ${input.incident}` : 'no audit entries'],
    };
  }
  return { ok: true, lines: entries.map(formatEntry) };
}

/**
 * `2024-05-01T12:00:00.000Z  proposal.approved  U123  inc-1  prop-2  approvals=1/2`. The trail
 * holds what outsiders sent (alert labels, a clicked button's value): fields go through
 * printable() and detail values with spaces or control characters are JSON-quoted, so nothing in
 * it can drive the reader's terminal, in any output (a /perf reply, a pipe).
 */
export function formatEntry(e: AuditEntry): string {
  const parts = [printable(e.time), printable(e.event).padEnd(22), printable(e.actor)];
  if (e.incident) parts.push(printable(e.incident));
  if (e.proposal) parts.push(printable(e.proposal));
  const details = formatDetails(e.details);
  if (details) parts.push(details);
  return parts.join('  ');
}

const MAX_VALUE = 120;

function formatDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      const short = text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
      return `${printable(k)}=${/[\s\p{Cc}]/u.test(short) ? JSON.stringify(short) : short}`;
    })
    .join(' ');
}

export interface AuditCliOptions {
  /** Subcommand: undefined (print or --verify), 'export', 'verify-file', 'trim'. */
  action?: string | undefined;
  files?: string[] | undefined;
  incident?: string | undefined;
  verify?: boolean | undefined;
  sinceCheckpoint?: string | undefined;
  before?: string | undefined;
  json?: boolean | undefined;
  /** Key prefix of perfbot's Redis keys (tests use their own). */
  prefix?: string | undefined;
}

/**
 * `perfbot audit …`: connects to perfbot's Redis (except verify-file) and runs the audit
 * functions of src/audit/, printing their lines. Exit codes: 0 fine, 1 broken/failed, 2 usage.
 *   perfbot audit [--incident ID] [--verify [--since-checkpoint SIG]] [--json]
 *   perfbot audit export --before DATE > segment.ndjson
 *   perfbot audit verify-file FILE…
 *   perfbot audit trim FILE            (trims exactly the entries FILE holds, after verifying it)
 */
export async function auditCli(config: Config, options: AuditCliOptions, io: Io): Promise<number> {
  const key: AuditKey | undefined = config.audit.keyFile ? loadAuditKey(config.audit.keyFile) : undefined;
  if (options.action === 'verify-file') {
    if (!options.files?.length) return usage(io, 'verify-file needs at least one FILE');
    const { ok, lines } = await verifySegmentFiles(options.files, key);
    for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? 0 : 1;
  }
  if (options.sinceCheckpoint !== undefined && !key) {
    // Without the key a checkpoint is just text: whoever cut the trail can paste the logged
    // signature into a forged entry.
    return usage(
      io,
      '--since-checkpoint needs PERFBOT_AUDIT_KEY (the public key suffices): without it the checkpoint cannot be checked',
    );
  }
  let before: Date | undefined;
  if (options.action === 'export') {
    before = options.before ? new Date(options.before) : undefined;
    if (!before || Number.isNaN(before.getTime())) {
      const given = options.before ? `: ${JSON.stringify(options.before)} is not a date` : '';
      return usage(io, `export needs --before DATE${given} (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)`);
    }
    // An unsigned segment of a keyed trail would fail verify-file with that very key.
    if (key && !key.canSign) return usage(io, 'export needs the private key: the segment must be signed');
  } else if (options.action === 'trim') {
    if (options.files?.length !== 1) return usage(io, 'trim needs exactly one FILE (an exported segment)');
    if (key && !key.canSign) return usage(io, 'trim needs the private key: the trim marker must be signed');
  } else if (options.action !== undefined) {
    return usage(io, `unknown audit subcommand "${options.action}" (export, verify-file, trim)`);
  }

  const redis = await connectOnce(config.redisUrl, config.redisUrlExplicit);
  try {
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
    if (options.json && !options.verify) {
      for (const entry of await trail.readTrail(
        options.incident ? { incident: options.incident } : undefined,
      ))
        io.out(JSON.stringify(entry));
      return 0;
    }
    const { lines, ok } = await auditCommand({
      store: trail,
      incident: options.incident,
      verify: options.verify,
      sinceCheckpoint: options.sinceCheckpoint,
    });
    if (options.json) io.out(JSON.stringify({ ok, lines }));
    else for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

function usage(io: Io, message: string): number {
  io.err(`perfbot audit: ${message}`);
  return 2;
}

/** `/perf audit`: the latest lines of the trail, of one incident or of all. */
export async function auditLines(
  store: AuditStore,
  filter: { incident?: string | undefined; limit: number },
): Promise<string[]> {
  return (await auditCommand({ store, incident: filter.incident, limit: filter.limit })).lines;
}
