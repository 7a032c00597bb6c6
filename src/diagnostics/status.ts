// The one status model of a check and of a diagnosis: what each status means, how they rank,
// and what "nothing was measured" is. Slack, the terminal, `--json` and the remediation
// verification all read statuses through these functions, so they cannot disagree on which
// check is worst or on whether a run looked at anything.

export type CheckStatus = 'ok' | 'warn' | 'critical' | 'unknown' | 'skipped' | 'error';

/**
 * Worst first: a finding outranks a check that could not answer, which outranks a clean one;
 * a skipped check ranks last because it looked at nothing.
 */
export const CHECK_STATUSES = [
  'critical',
  'warn',
  'error',
  'unknown',
  'ok',
  'skipped',
] as const satisfies readonly CheckStatus[];

const RANK: Record<CheckStatus, number> = {
  critical: 0,
  warn: 1,
  error: 2,
  unknown: 3,
  ok: 4,
  skipped: 5,
};

/** 0 for the worst (critical), 5 for skipped. */
export function statusRank(status: CheckStatus): number {
  return RANK[status];
}

/** Sorts anything with a status worst first; stable, so equal statuses keep their order. */
export function byStatus(a: { status: CheckStatus }, b: { status: CheckStatus }): number {
  return RANK[a.status] - RANK[b.status];
}

/**
 * The worst of a run. Nothing looked at (no statuses, or all skipped) is "skipped", never "ok":
 * a report must not turn green because no back end was configured.
 */
export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'skipped';
  for (const s of statuses) if (RANK[s] < RANK[worst]) worst = s;
  return worst;
}

/** A value held against thresholds and found out of range: what the decision tree calls "bad". */
export function isOutOfRange(status: CheckStatus): status is 'warn' | 'critical' {
  return status === 'warn' || status === 'critical';
}

/** The check produced a verdict about the system (in range or not); error/unknown/skipped did not. */
export function isMeasured(status: CheckStatus): status is 'ok' | 'warn' | 'critical' {
  return status === 'ok' || isOutOfRange(status);
}

export function statusCounts(items: Iterable<{ status: CheckStatus }>): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = {
    critical: 0,
    warn: 0,
    error: 0,
    unknown: 0,
    ok: 0,
    skipped: 0,
  };
  for (const i of items) counts[i.status]++;
  return counts;
}

/** "1 critical · 2 ok · 3 skipped": only the statuses present, worst first. */
export function formatCounts(counts: Record<CheckStatus, number>, separator = ' · '): string {
  return CHECK_STATUSES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(separator);
}
