// What the audit trail should say about a diagnosis so the timeline can tell it later: the
// bottlenecks and the key values (the checks that were not ok, worst first, with their
// one-line summaries, which carry the value against its threshold). The response layer records
// `diagnosis.done` with these details.
import type { CheckStatus } from '../diagnostics/types.js';

interface ReportLike {
  playbook: { id: string };
  namespace: string;
  status: CheckStatus;
  durationMs: number;
  checks: readonly {
    checkId: string;
    title: string;
    status: CheckStatus;
    summary: string;
    value?: number | undefined;
  }[];
  diagnosis: { bottlenecks: readonly { name: string }[] };
}

const RANK: Record<CheckStatus, number> = { critical: 0, warn: 1, error: 2, unknown: 3, ok: 4, skipped: 5 };
const KEY_VALUES = 8;

export interface KeyValue {
  check: string;
  status: CheckStatus;
  summary: string;
  value?: number | undefined;
}

export function diagnosisAuditDetails(report: ReportLike): Record<string, unknown> {
  const keyValues: KeyValue[] = report.checks
    .filter((c) => c.status === 'critical' || c.status === 'warn' || c.status === 'error')
    .sort((a, b) => RANK[a.status] - RANK[b.status])
    .slice(0, KEY_VALUES)
    .map((c) => ({
      check: c.checkId,
      status: c.status,
      summary: c.summary,
      ...(c.value === undefined ? {} : { value: c.value }),
    }));
  return {
    playbook: report.playbook.id,
    namespace: report.namespace,
    status: report.status,
    bottlenecks: report.diagnosis.bottlenecks.map((b) => b.name),
    durationMs: report.durationMs,
    keyValues,
  };
}
