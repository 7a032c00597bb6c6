// `perfbot audit [--incident ID] [--verify]` and `/perf audit [incident]`: the trail as readable
// lines, or the chain check. Pure over the store, so the CLI and Slack share it.
import { verifyReport } from '../src/audit/report.js';
import type { TrailFilter } from '../src/audit/trail.js';
import type { AuditEntry, VerifyResult } from '../src/audit/types.js';

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
