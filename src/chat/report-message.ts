// A diagnosis as ChatMessages: the progress message (edited in place as checks finish), the
// verdict-first report, and the full check list as a second message (Slack only: the terminal
// collapses it). Laid out from the view in verdict.ts, which the terminal text uses too.

import { formatParams } from '../diagnostics/evidence.js';
import { formatCounts, statusCounts, worstStatus } from '../diagnostics/status.js';
import type { CheckResult } from '../diagnostics/types.js';
import type { Check } from '../playbooks/schema.js';
import { type ChatMessage, type Item, link, list, note, type Part, text } from './message.js';
import type { DiagnosisReport } from './report.js';
import { renderReportText } from './text.js';
import {
  type CheckView,
  checkView,
  plural,
  type ReportView,
  reportView,
  restTally,
  toMeasureText,
} from './verdict.js';

const MAX_RUNNING_NAMED = 3;

export function progressMessage(input: {
  playbookTitle: string;
  namespace: string;
  checks: readonly Pick<Check, 'id' | 'title'>[];
  done: readonly CheckResult[];
}): ChatMessage {
  const finished = new Set(input.done.map((r) => r.checkId));
  const count = `${finished.size}/${input.checks.length}`;
  const complete = finished.size >= input.checks.length;
  const tally = formatCounts(statusCounts(input.done));
  const where = `${input.playbookTitle} in ${input.namespace}`;
  const line = complete
    ? `Checks finished for ${where}: ${count}${tally ? ` — ${tally}` : ''}`
    : `Running checks for ${where}: ${count} done${tally ? ` — ${tally}` : ''}`;
  const running = input.checks.filter((c) => !finished.has(c.id)).map((c) => c.title);
  // Finished, the line takes the tone of what was found: a green mark beside "18 skipped" or
  // "1 critical" would read as a healthy verdict before the report says otherwise.
  const parts: Part[] = [text(line, complete ? worstStatus(input.done.map((r) => r.status)) : 'progress')];
  if (!complete && running.length > 0) {
    const named = running.slice(0, MAX_RUNNING_NAMED).join(', ');
    const more = running.length > MAX_RUNNING_NAMED ? ` and ${running.length - MAX_RUNNING_NAMED} more` : '';
    parts.push(note(`still running: ${named}${more}`));
  }
  return {
    summary: `${complete ? 'Diagnosis done' : 'Diagnosing'} ${where}: ${count} checks`,
    parts,
    terminal: {
      show: 'progress',
      line: `${where}: ${count} checks${tally ? ` (${tally})` : ''}`,
      done: complete,
    },
  };
}

function checkItem(c: CheckView, withEvidence: boolean): Item {
  const detail = [c.context, ...(withEvidence ? c.evidence : [])].filter(Boolean).join('\n');
  return { text: `${c.title}: ${c.reading}`, tone: c.status, detail: detail || undefined };
}

/** The report: verdict, the values that decided it, fixes, what else is out of range, advice. */
export function reportMessage(report: DiagnosisReport): ChatMessage {
  const view = reportView(report);
  const parts: Part[] = [text(view.headline, view.status), note(`Diagnosis of ${view.context}`)];
  parts.push(...findingParts(view));
  if (view.fixes.length > 0) {
    parts.push(
      list(
        view.fixes.map((r) => ({ text: r.title, detail: `${r.action} ${formatParams(r.params)}` })),
        'Proposed fixes (each runs only after approval, below)',
      ),
    );
  }
  if (view.outOfRange.length > 0)
    parts.push(
      list(
        view.outOfRange.map((c) => checkItem(c, true)),
        'Also out of range',
      ),
    );
  if (view.advice.length > 0)
    parts.push(
      list(
        view.advice.map((a) => ({ text: a.title, detail: a.text })),
        'Advice',
      ),
    );
  if (view.kind !== 'nothing-measured' && report.verification.items.length > 0)
    parts.push(list(report.verification.items, `Verify after a fix (wait ${report.verification.after})`));
  if (view.kind !== 'nothing-measured' && view.rest.length > 0)
    parts.push(note(`${plural(view.rest.length, 'other check')}: ${restTally(view)} — full list below`));
  if (view.toMeasure.length > 0) parts.push(text(`To measure, set ${toMeasureText(view.toMeasure)}`));
  if (report.playbook.runbook && /^https?:\/\//.test(report.playbook.runbook))
    parts.push(link('Runbook', report.playbook.runbook));
  return {
    summary: `${report.playbook.title}: ${summaryVerdict(view)} (${formatCounts(report.counts, ', ')})`,
    parts,
    // The terminal prints the same report as `perfbot diagnose`.
    terminal: { show: 'full', text: renderReportText(report) },
  };
}

function findingParts(view: ReportView): Part[] {
  const [only, ...others] = view.findings;
  if (!only) return [];
  if (others.length === 0)
    return [
      ...(only.note ? [text(only.note)] : []),
      list(
        only.evidence.map((c) => checkItem(c, true)),
        'Evidence',
      ),
    ];
  return view.findings.map((f) =>
    list(
      [
        ...f.evidence.map((c) => checkItem(c, true)),
        ...(f.alsoDecidedBy.length > 0 ? [{ text: `also: ${f.alsoDecidedBy.join('; ')} (above)` }] : []),
      ],
      `${f.path.join(' → ')}${f.note ? ` — ${f.note}` : ''}`,
    ),
  );
}

function summaryVerdict(view: ReportView): string {
  if (view.kind === 'bottleneck') return `bottleneck ${view.findings.map((f) => f.path.at(-1)).join('; ')}`;
  return view.headline.charAt(0).toLowerCase() + view.headline.slice(1);
}

/**
 * Every check the report collapsed, one list per playbook section: the second message of a
 * Slack report. Undefined when there is nothing more to show (all checks were in the report,
 * or none ran: the report already says what to set).
 */
export function reportDetailsMessage(report: DiagnosisReport): ChatMessage | undefined {
  const view = reportView(report);
  if (view.kind === 'nothing-measured' || view.rest.length === 0) return undefined;
  const sections = new Map<string, CheckResult[]>();
  const shownElsewhere = report.checks.length - view.rest.length;
  const restIds = new Set(view.rest.map((c) => c.checkId));
  for (const c of report.checks) {
    if (!restIds.has(c.checkId)) continue;
    const key = c.section ?? 'Checks';
    sections.set(key, [...(sections.get(key) ?? []), c]);
  }
  const parts: Part[] = [
    text(
      `The other ${plural(view.rest.length, 'check')} of ${report.playbook.title}${shownElsewhere > 0 ? ` (${shownElsewhere} shown in the report above)` : ''}`,
    ),
  ];
  for (const [section, checks] of sections)
    parts.push(
      list(
        checks.map((c) => checkItem(checkView(c, false), false)),
        section,
      ),
    );
  return {
    summary: `${report.playbook.title}: ${plural(view.rest.length, 'other check')} (${restTally(view)})`,
    parts,
    terminal: { show: 'none' },
  };
}

/**
 * A chart's title and alt text: the playbook's words and the value only. An upload's fields are
 * not mrkdwn and cannot be escaped, so nothing from outside (the integration's text) goes there.
 */
export function chartLabels(c: CheckResult): { title: string; altText: string } {
  const view = checkView(c, false);
  return {
    title: `${c.title} (${c.status})`,
    altText: `${c.title}: ${c.value === undefined ? c.status : view.reading}`,
  };
}
