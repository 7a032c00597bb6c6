// `perfbot audit [--incident ID] [--verify]` and `/perf audit [incident]`: the trail as readable
// lines, or the chain check. Pure over the store, so the CLI and Slack share it.
import { AuditTrail, type TrailFilter } from '../src/audit/trail.js';
import type { AuditEntry, VerifyResult } from '../src/audit/types.js';
import type { Config } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { connectOnce, type Io } from './io.js';

export interface AuditStore {
  readTrail(filter?: TrailFilter): Promise<AuditEntry[]>;
  verifyTrail(): Promise<VerifyResult>;
}

export interface AuditCommandInput {
  store: AuditStore;
  incident?: string | undefined;
  verify?: boolean | undefined;
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
    const result = await input.store.verifyTrail();
    if (result.ok) return { ok: true, lines: [`${result.count} entries, chain intact`] };
    const p = result.problem;
    return {
      ok: false,
      lines: [
        `audit chain broken at entry ${p.id}${p.time ? ` (${p.time})` : ''}: ${p.reason}`,
        `${result.count} entries before it verified`,
      ],
    };
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

/** `2024-05-01T12:00:00.000Z  proposal.approved  U123  inc-1  prop-2  approvals=1/2` */
export function formatEntry(e: AuditEntry): string {
  const parts = [e.time, e.event.padEnd(22), e.actor];
  if (e.incident) parts.push(e.incident);
  if (e.proposal) parts.push(e.proposal);
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
      return `${k}=${/\s/.test(short) ? JSON.stringify(short) : short}`;
    })
    .join(' ');
}

export interface AuditCliOptions {
  incident?: string | undefined;
  verify?: boolean | undefined;
  json?: boolean | undefined;
  /** Key prefix of perfbot's Redis keys (tests use their own). */
  prefix?: string | undefined;
}

/** `perfbot audit`: connects to perfbot's Redis, prints the trail or the chain check. */
export async function auditCli(config: Config, options: AuditCliOptions, io: Io): Promise<number> {
  const redis = await connectOnce(config.redisUrl);
  try {
    // The trail is only read here; the logger would otherwise echo nothing useful.
    const store = new AuditTrail({ redis, prefix: options.prefix, log: silentLogger });
    if (options.json && !options.verify) {
      for (const entry of await store.readTrail(
        options.incident ? { incident: options.incident } : undefined,
      ))
        io.out(JSON.stringify(entry));
      return 0;
    }
    const { lines, ok } = await auditCommand({ store, incident: options.incident, verify: options.verify });
    if (options.json) io.out(JSON.stringify({ ok, lines }));
    else for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

/** `/perf audit`: the latest lines of the trail, of one incident or of all. */
export async function auditLines(
  store: AuditStore,
  filter: { incident?: string | undefined; limit: number },
): Promise<string[]> {
  return (await auditCommand({ store, incident: filter.incident, limit: filter.limit })).lines;
}
