// The platform-neutral result of one diagnosis: what the terminal renderer (text.ts), `--json`
// and the Slack renderer all draw from. Plain data only (ISO dates, no class instances), so it
// serialises to JSON and back unchanged.
import type { Diagnosis } from '../diagnostics/decide.js';
import type { DiagnosisRun } from '../diagnostics/engine.js';
import { worstStatus } from '../diagnostics/status.js';
import type { CheckResult, CheckStatus } from '../diagnostics/types.js';
import type { Playbook } from '../playbooks/schema.js';

export interface DiagnosisReport {
  playbook: { id: string; title: string; runbook?: string | undefined };
  namespace: string;
  /** ISO 8601 */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  checks: CheckResult[];
  diagnosis: Diagnosis;
  /** What to look at after a fix, and when (the playbook's verification section). */
  verification: { after: string; items: string[] };
  counts: Record<CheckStatus, number>;
  /** The worst status of any check (skipped and ok count as fine). */
  status: CheckStatus;
  /** Variables that would let skipped checks run ("set PROMETHEUS_URL"), each once. */
  unconfigured: string[];
}

export { STATUSES, worstStatus } from '../diagnostics/status.js';

export function statusCounts(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = {
    ok: 0,
    warn: 0,
    critical: 0,
    unknown: 0,
    skipped: 0,
    error: 0,
  };
  for (const c of checks) counts[c.status]++;
  return counts;
}

const SKIPPED_SET = /^skipped: set (.+)$/;

export function buildReport(playbook: Playbook, run: DiagnosisRun): DiagnosisReport {
  const unconfigured = new Set<string>();
  for (const c of run.checks) {
    const variable = c.status === 'skipped' ? SKIPPED_SET.exec(c.summary)?.[1] : undefined;
    if (variable) unconfigured.add(variable);
  }
  return {
    playbook: { id: playbook.id, title: playbook.title, runbook: playbook.runbook },
    namespace: run.namespace,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    durationMs: run.durationMs,
    checks: run.checks,
    diagnosis: run.diagnosis,
    verification: { after: playbook.verification.after, items: playbook.verification.items },
    counts: statusCounts(run.checks),
    status: worstStatus(run.checks.map((c) => c.status)),
    unconfigured: [...unconfigured],
  };
}
