// A DiagnosisReport as a person should read it, verdict first: the bottleneck as its path through
// the decision tree with the values that decided it and the fixes, then the checks out of range,
// then the rest (collapsed by the renderers). Slack (report-message.ts) and the terminal (text.ts)
// both lay out this one view, so they cannot disagree on the verdict or on a number.
import { evidenceLines } from '../diagnostics/evidence.js';
import { formatNumber, formatThresholds, formatValue } from '../diagnostics/format.js';
import {
  byStatus,
  formatCounts,
  isMeasured,
  isOutOfRange,
  statusCounts,
  worstStatus,
} from '../diagnostics/status.js';
import type { CheckResult, CheckStatus } from '../diagnostics/types.js';
import { formatDuration } from '../duration.js';
import type { Advice, Remediation } from '../playbooks/schema.js';
import { type DiagnosisReport, missingVariables } from './report.js';

export type VerdictKind = 'bottleneck' | 'out-of-range' | 'healthy' | 'nothing-measured';

export interface CheckView {
  checkId: string;
  title: string;
  section?: string | undefined;
  status: CheckStatus;
  /** The value once, with its unit and thresholds ("3 s (warn > 1 s, critical > 2 s)"), or why there is none. */
  reading: string;
  /** The integration's own line, only when it says more than the reading. */
  context?: string | undefined;
  /** Top rows, log samples, trends: for the checks that decided the verdict or are out of range. */
  evidence: string[];
}

export interface FindingView {
  /** Bottleneck names from the top of the decision tree down. */
  path: string[];
  note?: string | undefined;
  status: CheckStatus;
  /** The checks that decided it, not already shown under an earlier finding. */
  evidence: CheckView[];
  /** Titles of deciding checks shown under an earlier finding (each value is printed once). */
  alsoDecidedBy: string[];
}

export interface ReportView {
  kind: VerdictKind;
  /** The tone of the whole report: the worst check, "skipped" when nothing was measured. */
  status: CheckStatus;
  headline: string;
  /** "S3 to Sentinel (sentinel-connector) · namespace ns · 18 checks in 2s: 1 critical · 17 ok" */
  context: string;
  findings: FindingView[];
  fixes: Remediation[];
  advice: Advice[];
  /** Out of range and not already shown as a finding's evidence. */
  outOfRange: CheckView[];
  /** Everything else, worst first: what renderers collapse. */
  rest: CheckView[];
  /** The variables that would let skipped checks run, with how many checks each would unlock. */
  toMeasure: { variable: string; checks: number }[];
}

export function reportView(report: DiagnosisReport): ReportView {
  const byId = new Map(report.checks.map((c) => [c.checkId, c]));
  // A report built by hand (or by an older perfbot) may lack findings: one per bottleneck then.
  const found =
    report.findings ??
    report.diagnosis.bottlenecks.map((b) => ({
      path: [b.name],
      evidenceChecks: b.evidenceChecks,
      note: b.note,
    }));
  const shown = new Set<string>();
  const findings: FindingView[] = found.map((f) => {
    const deciding = f.evidenceChecks.map((id) => byId.get(id)).filter((c) => c !== undefined);
    const evidence = deciding.filter((c) => !shown.has(c.checkId)).map((c) => checkView(c, true));
    const alsoDecidedBy = deciding.filter((c) => shown.has(c.checkId)).map((c) => c.title);
    for (const c of deciding) shown.add(c.checkId);
    return {
      path: f.path,
      note: f.note,
      status: worstStatus(deciding.map((c) => c.status)),
      evidence,
      alsoDecidedBy,
    };
  });
  const sorted = [...report.checks].sort(byStatus);
  const outOfRange = sorted
    .filter((c) => isOutOfRange(c.status) && !shown.has(c.checkId))
    .map((c) => checkView(c, true));
  for (const c of outOfRange) shown.add(c.checkId);
  const rest = sorted.filter((c) => !shown.has(c.checkId)).map((c) => checkView(c, false));
  const kind = verdictKind(report, findings);
  const measuredAnything = kind !== 'nothing-measured';
  return {
    kind,
    status: report.status,
    headline: headline(kind, report, findings, outOfRange.length),
    context: `${report.playbook.title} (${report.playbook.id}) · namespace ${report.namespace} · ${report.checks.length} checks in ${formatDuration(report.durationMs)}: ${formatCounts(report.counts) || 'none'}`,
    findings,
    fixes: measuredAnything ? report.diagnosis.remediations : [],
    advice: measuredAnything ? report.diagnosis.advice : [],
    outOfRange,
    rest,
    toMeasure: toMeasure(report.checks),
  };
}

function verdictKind(report: DiagnosisReport, findings: readonly FindingView[]): VerdictKind {
  if (findings.length > 0) return 'bottleneck';
  if (!report.checks.some((c) => isMeasured(c.status))) return 'nothing-measured';
  if (report.checks.some((c) => isOutOfRange(c.status))) return 'out-of-range';
  return 'healthy';
}

function headline(
  kind: VerdictKind,
  report: DiagnosisReport,
  findings: readonly FindingView[],
  outOfRange: number,
): string {
  const total = report.checks.length;
  const { counts } = report;
  switch (kind) {
    case 'bottleneck':
      return findings.length === 1
        ? `Bottleneck: ${(findings[0] as FindingView).path.join(' → ')}`
        : `${findings.length} bottlenecks: ${findings.map((f) => f.path.at(-1)).join('; ')}`;
    case 'out-of-range':
      return `No bottleneck named by the decision tree, but ${plural(outOfRange, 'check is', 'checks are')} out of range`;
    case 'nothing-measured': {
      if (total === 0) return 'Nothing was measured: the playbook has no checks';
      if (counts.skipped === total) return `Nothing was measured: all ${plural(total, 'check')} skipped`;
      const why = [
        counts.error > 0 ? `${counts.error} failed` : '',
        counts.unknown > 0 ? `${counts.unknown} had no data` : '',
        counts.skipped > 0 ? `${counts.skipped} skipped` : '',
      ].filter(Boolean);
      return `Nothing was measured: of ${plural(total, 'check')}, ${why.join(', ')}`;
    }
    case 'healthy': {
      const measured = counts.ok;
      const noAnswer = counts.error + counts.unknown;
      const head =
        measured === total
          ? `No bottleneck: all ${plural(total, 'check')} within their thresholds`
          : `No bottleneck: ${measured} of ${plural(total, 'check')} measured, all within their thresholds`;
      return noAnswer > 0 ? `${head}; ${noAnswer} gave no answer` : head;
    }
  }
}

export function checkView(c: CheckResult, withEvidence: boolean): CheckView {
  let reading: string;
  let context: string | undefined;
  if (c.value !== undefined) {
    const limits = formatThresholds(c.thresholds, c.unit);
    reading = `${formatValue(c.value, c.unit)}${limits ? ` (${limits})` : ''}`;
    context = c.detail && !restates(c.detail, c.value, c.unit) ? c.detail : undefined;
  } else if (c.status === 'skipped' || c.status === 'error') reading = c.summary;
  else reading = c.detail ?? 'no data';
  return {
    checkId: c.checkId,
    title: c.title,
    section: c.section,
    status: c.status,
    reading,
    context,
    evidence: withEvidence ? evidenceLines(c) : [],
  };
}

/** The integration's line saying the number again in other words ("P95 12 s" next to "12 s"). */
function restates(detail: string, value: number, unit: CheckResult['unit']): boolean {
  return detail.includes(formatValue(value, unit)) || detail.includes(formatNumber(value));
}

function toMeasure(checks: readonly CheckResult[]): { variable: string; checks: number }[] {
  const counts = new Map<string, number>();
  for (const c of checks) for (const v of missingVariables(c)) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([variable, n]) => ({ variable, checks: n }));
}

/** "set PROMETHEUS_URL (6 checks), KUBECONFIG (1 check)" */
export function toMeasureText(items: ReportView['toMeasure']): string {
  return items.map((i) => `${i.variable} (${plural(i.checks, 'check')})`).join(', ');
}

/** "12 ok · 1 error · 3 skipped" for the collapsed checks. */
export function restTally(view: ReportView): string {
  return formatCounts(statusCounts(view.rest));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
