// DiagnosisReport → terminal text (`perfbot diagnose`). Layout only: the numbers are formatted
// by src/diagnostics/format.ts so the terminal and Slack say the same thing.

import { evidenceLines, formatParams } from '../diagnostics/evidence.js';
import { formatThresholds, formatValue } from '../diagnostics/format.js';
import type { CheckResult, CheckStatus } from '../diagnostics/types.js';
import { formatDuration } from '../duration.js';
import { type DiagnosisReport, STATUSES, worstStatus } from './report.js';

export const STATUS_MARK: Record<CheckStatus, string> = {
  ok: '✔',
  warn: '▲',
  critical: '✖',
  unknown: '?',
  skipped: '–',
  error: '!',
};

const TITLE_WIDTH_MAX = 44;

export function renderReportText(report: DiagnosisReport): string {
  return [
    ...header(report),
    '',
    ...checkLines(report.checks),
    '',
    ...bottleneckLines(report),
    ...remediationLines(report),
    ...adviceLines(report),
    ...verificationLines(report),
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd();
}

/** One line per finished check, for progress output while the run goes on. */
export function renderProgressLine(result: CheckResult, done: number, total: number): string {
  const width = String(total).length;
  const took = result.status === 'skipped' ? '' : ` (${formatDuration(result.durationMs)})`;
  return `[${String(done).padStart(width)}/${total}] ${STATUS_MARK[result.status]} ${result.title}${took}`;
}

function header(r: DiagnosisReport): string[] {
  const counts = STATUSES.filter((s) => r.counts[s] > 0)
    .map((s) => `${r.counts[s]} ${s}`)
    .join(', ');
  return [
    `${r.playbook.title} (${r.playbook.id}) · namespace ${r.namespace}`,
    `${r.startedAt} · took ${formatDuration(r.durationMs)} · ${r.checks.length} checks: ${counts}`,
  ];
}

function checkLines(checks: readonly CheckResult[]): string[] {
  const width = Math.min(TITLE_WIDTH_MAX, Math.max(0, ...checks.map((c) => c.title.length)));
  const sections = new Map<string, CheckResult[]>();
  for (const c of checks) {
    const key = c.section ?? '';
    sections.set(key, [...(sections.get(key) ?? []), c]);
  }
  const grouped = sections.size > 1 || !sections.has('');
  const lines = ['Checks'];
  for (const [section, members] of sections) {
    if (grouped) lines.push(`  ${section || 'Other'}`);
    const indent = grouped ? '    ' : '  ';
    for (const c of members) lines.push(...checkLine(c, indent, width));
  }
  return lines;
}

function checkLine(c: CheckResult, indent: string, width: number): string[] {
  let body: string;
  if (c.value !== undefined) {
    const limits = formatThresholds(c.thresholds, c.unit);
    body = `${formatValue(c.value, c.unit)}${limits ? `  (${limits})` : ''}`;
  } else body = c.status === 'unknown' && c.detail ? c.detail : c.summary;
  const more = `${indent}    `;
  // A title too long for the column keeps every word; its value moves to the next line.
  const head = `${indent}${STATUS_MARK[c.status]} `;
  const lines =
    c.title.length > width
      ? [`${head}${c.title}`, `${more}${body}`]
      : [`${head}${c.title.padEnd(width)}  ${body}`];
  if (c.value !== undefined && c.detail) lines.push(`${more}${c.detail}`);
  if (c.status === 'warn' || c.status === 'critical')
    lines.push(...evidenceLines(c.evidence, c.unit).map((l) => `${more}${l}`));
  return lines;
}

function bottleneckLines(r: DiagnosisReport): string[] {
  const { bottlenecks } = r.diagnosis;
  if (bottlenecks.length === 0) return [noBottleneck(r), ''];
  const lines = [bottlenecks.length === 1 ? 'Bottleneck' : `Bottlenecks (${bottlenecks.length})`];
  const byId = new Map(r.checks.map((c) => [c.checkId, c]));
  for (const b of bottlenecks) {
    const evidence = b.evidenceChecks.map((id) => byId.get(id)).filter((c) => c !== undefined);
    const worst = worstStatus(evidence.map((c) => c.status));
    lines.push(`  ${STATUS_MARK[worst === 'warn' ? 'warn' : 'critical']} ${b.name}`);
    if (b.note) lines.push(...wrap(b.note, '      '));
    else if (evidence.length === 0) lines.push(...wrap(b.summary, '      '));
    for (const c of evidence) lines.push(`      ${STATUS_MARK[c.status]} ${c.title}${valueText(c)}`);
  }
  return [...lines, ''];
}

function valueText(c: CheckResult): string {
  return c.value === undefined ? '' : `: ${formatValue(c.value, c.unit)}`;
}

function noBottleneck(r: DiagnosisReport): string {
  const measured = r.checks.filter((c) => c.status !== 'skipped').length;
  if (measured === 0) {
    const vars = r.unconfigured.length > 0 ? `: set ${r.unconfigured.join(', ')}` : '';
    return `Nothing was measured — no back end is configured${vars}`;
  }
  if (r.counts.warn + r.counts.critical > 0)
    return `No bottleneck named by the decision tree; see the checks marked ${STATUS_MARK.warn} or ${STATUS_MARK.critical}`;
  if (r.counts.error + r.counts.unknown > 0)
    return `No bottleneck found, but ${r.counts.error + r.counts.unknown} checks gave no answer`;
  return 'No bottleneck found: every measured check is within its thresholds';
}

function remediationLines(r: DiagnosisReport): string[] {
  const rems = r.diagnosis.remediations;
  if (rems.length === 0) return [];
  const lines = ['Proposed remediations (each runs only after approval)'];
  rems.forEach((rem, i) => {
    lines.push(`  ${i + 1}. ${rem.title}${rem.dryRun ? ' (dry run)' : ''}`);
    lines.push(`     ${rem.action} ${formatParams(rem.params)}`);
  });
  return [...lines, ''];
}

function adviceLines(r: DiagnosisReport): string[] {
  const advice = r.diagnosis.advice;
  if (advice.length === 0) return [];
  const lines = ['Advice'];
  for (const a of advice) lines.push(`  • ${a.title}`, ...wrap(a.text, '    '));
  return [...lines, ''];
}

function verificationLines(r: DiagnosisReport): string[] {
  if (r.verification.items.length === 0) return [];
  return [
    `Verify after a fix (wait ${r.verification.after})`,
    ...r.verification.items.map((i) => `  • ${i}`),
  ];
}

/** Keeps the author's line breaks, indents every line, wraps long ones at about 100 columns. */
function wrap(text: string, indent: string, width = 100): string[] {
  const out: string[] = [];
  for (const para of text.trimEnd().split('\n')) {
    let line = '';
    for (const word of para.trim().split(/\s+/)) {
      if (line && line.length + word.length + 1 > width - indent.length) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(indent + line);
  }
  return out;
}
