// DiagnosisReport → terminal text (`perfbot diagnose`, and the report in `perfbot serve`'s
// terminal channel). Verdict first, from the view Slack renders too (verdict.ts); numbers are
// formatted by src/diagnostics/format.ts. No Slack syntax.

import { formatParams } from '../diagnostics/evidence.js';
import type { CheckResult, CheckStatus } from '../diagnostics/types.js';
import { formatDuration } from '../duration.js';
import { indentLines } from './plain.js';
import type { DiagnosisReport } from './report.js';
import {
  type CheckView,
  type FindingView,
  plural,
  type ReportView,
  reportView,
  restTally,
  toMeasureText,
} from './verdict.js';

export const STATUS_MARK: Record<CheckStatus, string> = {
  ok: '✔',
  warn: '▲',
  critical: '✖',
  unknown: '?',
  skipped: '–',
  error: '!',
};

const TITLE_WIDTH_MAX = 44;

export interface ReportTextOptions {
  /** Also list the checks that are neither evidence nor out of range (CLI `--verbose`). */
  verbose?: boolean;
  /** Said after the count of collapsed checks, e.g. "--verbose lists them". */
  moreHint?: string | undefined;
}

export function renderReportText(report: DiagnosisReport, options: ReportTextOptions = {}): string {
  const view = reportView(report);
  const sections = [
    [`${STATUS_MARK[view.status]} ${view.headline}`, `  ${view.context}`],
    findingLines(view),
    fixLines(view),
    checkBlock('Also out of range', view.outOfRange),
    adviceLines(view),
    verificationLines(view, report),
    restLines(view, options),
  ];
  return sections
    .filter((s) => s.length > 0)
    .map((s) => s.join('\n'))
    .join('\n\n');
}

/** One line per finished check, for progress output while the run goes on. */
export function renderProgressLine(result: CheckResult, done: number, total: number): string {
  const width = String(total).length;
  const took = result.status === 'skipped' ? '' : ` (${formatDuration(result.durationMs)})`;
  return `[${String(done).padStart(width)}/${total}] ${STATUS_MARK[result.status]} ${result.title}${took}`;
}

function findingLines(view: ReportView): string[] {
  const [only, ...others] = view.findings;
  if (!only) return [];
  if (others.length === 0) {
    const lines = only.note ? indentLines(only.note, '  ') : [];
    return [...lines, ...checkBlock('Evidence', only.evidence)];
  }
  return view.findings.flatMap((f: FindingView) => [
    `  ${STATUS_MARK[f.status]} ${f.path.join(' → ')}`,
    ...(f.note ? indentLines(f.note, '      ') : []),
    ...checkLines(f.evidence, '      ', true),
    ...(f.alsoDecidedBy.length > 0 ? [`      also: ${f.alsoDecidedBy.join('; ')} (above)`] : []),
  ]);
}

function fixLines(view: ReportView): string[] {
  if (view.fixes.length === 0) return [];
  const lines = ['Proposed fixes (each runs only after approval)'];
  view.fixes.forEach((rem, i) => {
    lines.push(`  ${i + 1}. ${rem.title}${rem.dryRun ? ' (dry run)' : ''}`);
    lines.push(`     ${rem.action} ${formatParams(rem.params)}`);
  });
  return lines;
}

function checkBlock(title: string, checks: readonly CheckView[]): string[] {
  return checks.length === 0 ? [] : [title, ...checkLines(checks, '  ', true)];
}

function checkLines(checks: readonly CheckView[], indent: string, evidence: boolean): string[] {
  const width = Math.min(TITLE_WIDTH_MAX, Math.max(0, ...checks.map((c) => c.title.length)));
  const more = `${indent}    `;
  return checks.flatMap((c) => {
    const head = `${indent}${STATUS_MARK[c.status]} `;
    // A title too long for the column keeps every word; its reading moves to the next line.
    const lines =
      c.title.length > width
        ? [`${head}${c.title}`, `${more}${c.reading}`]
        : [`${head}${c.title.padEnd(width)}  ${c.reading}`];
    if (c.context) lines.push(`${more}${c.context}`);
    if (evidence) lines.push(...c.evidence.map((l) => `${more}${l}`));
    return lines;
  });
}

function adviceLines(view: ReportView): string[] {
  if (view.advice.length === 0) return [];
  return ['Advice', ...view.advice.flatMap((a) => [`  • ${a.title}`, ...indentLines(a.text, '    ')])];
}

function verificationLines(view: ReportView, r: DiagnosisReport): string[] {
  if (view.kind === 'nothing-measured' || r.verification.items.length === 0) return [];
  return [
    `Verify after a fix (wait ${r.verification.after})`,
    ...r.verification.items.map((i) => `  • ${i}`),
  ];
}

function restLines(view: ReportView, options: ReportTextOptions): string[] {
  const lines: string[] = [];
  const measure = view.toMeasure.length > 0 ? `To measure, set ${toMeasureText(view.toMeasure)}` : '';
  if (view.kind === 'nothing-measured') {
    if (measure) lines.push(measure);
    // Which checks those are, and what each needs, is one flag away.
    if (options.moreHint && !options.verbose && view.rest.length > 0)
      lines.push(`${plural(view.rest.length, 'check')}: ${restTally(view)} — ${options.moreHint}`);
  } else if (view.rest.length > 0 && !options.verbose) {
    const hint = options.moreHint ? ` — ${options.moreHint}` : '';
    lines.push(`${plural(view.rest.length, 'other check')}: ${restTally(view)}${hint}`);
    if (measure) lines.push(measure);
  } else if (measure) lines.push(measure);
  if (options.verbose && view.rest.length > 0) lines.push('', ...allChecks(view.rest));
  return lines;
}

/** The collapsed checks, grouped by the playbook's sections. */
function allChecks(checks: readonly CheckView[]): string[] {
  const sections = new Map<string, CheckView[]>();
  for (const c of checks) {
    const key = c.section ?? '';
    sections.set(key, [...(sections.get(key) ?? []), c]);
  }
  const grouped = sections.size > 1 || !sections.has('');
  const lines = ['Other checks'];
  for (const [section, members] of sections) {
    if (grouped) lines.push(`  ${section || 'Other'}`);
    lines.push(...checkLines(members, grouped ? '    ' : '  ', false));
  }
  return lines;
}
