// The one status model: how check statuses rank, and what a whole run's status is. Reports,
// the CLI, Slack and the audit trail all ask here, so "worst" means the same everywhere.
import type { CheckStatus } from './types.js';

export const STATUSES: readonly CheckStatus[] = ['critical', 'warn', 'error', 'unknown', 'ok', 'skipped'];

/** Severity for "the worst of": a critical finding outranks a check that could not run. */
const SEVERITY: Record<CheckStatus, number> = {
  critical: 5,
  warn: 4,
  error: 3,
  unknown: 2,
  ok: 1,
  skipped: 0,
};

/** A run where every check was skipped is "skipped", never "ok": nothing was looked at. */
export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus | undefined;
  for (const s of statuses) if (worst === undefined || SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst ?? 'ok';
}

/** Worst first: the order findings are listed and charts are drawn in. */
export function bySeverity(a: CheckStatus, b: CheckStatus): number {
  return SEVERITY[b] - SEVERITY[a];
}
