// A diagnosis as ChatMessages: the progress message (updated in place as checks finish) and
// the report (status per check, value against threshold, bottleneck, evidence, advice). The
// report model itself is src/chat/report.ts; this only lays it out for chat.

import { formatThresholds, formatValue } from '../diagnostics/format.js';
import type { CheckResult } from '../diagnostics/types.js';
import type { Check } from '../playbooks/schema.js';
import {
  type ChatMessage,
  formatAge,
  heading,
  type Item,
  link,
  list,
  note,
  type Part,
  text,
} from './message.js';
import type { DiagnosisReport } from './report.js';

const ORDER = ['critical', 'warn', 'error', 'unknown', 'ok', 'skipped'] as const;
const MAX_EVIDENCE_ROWS = 5;
const MAX_SAMPLES = 3;

export function checkItem(c: CheckResult): Item {
  const value = c.value === undefined ? undefined : formatValue(c.value, c.unit);
  const limit = formatThresholds(c.thresholds, c.unit);
  const measured = value ? `: ${value}${limit ? ` (${limit})` : ''}` : '';
  const detail = [c.summary, c.detail].filter((s) => s && s !== value).join(' — ');
  return { text: `${c.title}${measured}`, tone: c.status, detail: detail || undefined };
}

export function progressMessage(input: {
  playbookTitle: string;
  namespace: string;
  checks: readonly Pick<Check, 'id' | 'title'>[];
  done: readonly CheckResult[];
}): ChatMessage {
  const finished = new Map(input.done.map((r) => [r.checkId, r]));
  const items: Item[] = input.checks.map((c) => {
    const r = finished.get(c.id);
    return r ? checkItem(r) : { text: `${c.title}: running…`, tone: 'progress' };
  });
  const count = `${finished.size}/${input.checks.length}`;
  const complete = finished.size === input.checks.length;
  return {
    summary: `${complete ? 'Diagnosis done' : 'Diagnosing'} ${input.playbookTitle} in ${input.namespace}: ${count} checks`,
    parts: [
      text(
        `${complete ? 'Checks finished' : 'Running checks'} for ${input.playbookTitle} in ${input.namespace}: ${count}`,
        complete ? 'ok' : 'progress',
      ),
      list(items),
    ],
  };
}

export function reportMessage(report: DiagnosisReport): ChatMessage {
  const { diagnosis, counts } = report;
  const parts: Part[] = [heading(`Diagnosis: ${report.playbook.title}`, report.status)];
  const tally = ORDER.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(' · ');
  parts.push(
    note(
      `namespace ${report.namespace} · ${report.checks.length} checks in ${formatAge(report.durationMs)} · ${tally}`,
    ),
  );

  if (diagnosis.bottlenecks.length === 0) {
    parts.push(text('No bottleneck found: no branch of the decision tree holds.', 'ok'));
  }
  for (const b of diagnosis.bottlenecks) parts.push(text(`Bottleneck: ${b.name} — ${b.summary}`, 'critical'));

  const sorted = [...report.checks].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
  parts.push(list(sorted.map(checkItem), 'Checks'));

  for (const c of sorted) {
    if (c.status !== 'critical' && c.status !== 'warn') continue;
    const ev = evidenceText(c);
    if (ev) parts.push(text(`Evidence — ${c.title}`), { kind: 'code', text: ev });
  }

  if (diagnosis.advice.length > 0) {
    parts.push(
      list(
        diagnosis.advice.map((a) => ({ text: a.title, detail: a.text })),
        'Advice',
      ),
    );
  }
  if (diagnosis.remediations.length > 0) {
    parts.push(note(`Proposed: ${diagnosis.remediations.map((r) => r.title).join('; ')} (see below)`));
  }
  if (report.verification.items.length > 0) {
    parts.push(list(report.verification.items, `Verify after ${report.verification.after}`));
  }
  if (report.unconfigured.length > 0)
    parts.push(note(`Skipped checks need: ${report.unconfigured.join(', ')}`));
  if (report.playbook.runbook && /^https?:\/\//.test(report.playbook.runbook)) {
    parts.push(link('Runbook', report.playbook.runbook));
  }
  const top = diagnosis.bottlenecks[0];
  return {
    summary: `${report.playbook.title}: ${top ? `bottleneck ${top.name}` : 'no bottleneck found'} (${tally})`,
    parts,
  };
}

/** The few lines that make a verdict believable: top rows, sample log lines, match counts. */
export function evidenceText(c: CheckResult): string | undefined {
  const ev = c.evidence;
  if (!ev) return undefined;
  const lines: string[] = [];
  if (ev.counts && Object.keys(ev.counts).length > 0) {
    lines.push(
      Object.entries(ev.counts)
        .map(([k, v]) => `${k}=${v}`)
        .join('  '),
    );
  }
  for (const row of (ev.rows ?? []).slice(0, MAX_EVIDENCE_ROWS)) {
    lines.push(
      Object.entries(row)
        .map(([k, v]) => `${k}=${v === null ? '' : String(v)}`)
        .join('  '),
    );
  }
  if ((ev.rows?.length ?? 0) > MAX_EVIDENCE_ROWS)
    lines.push(`… and ${(ev.rows?.length ?? 0) - MAX_EVIDENCE_ROWS} more rows`);
  for (const s of (ev.samples ?? []).slice(0, MAX_SAMPLES)) lines.push(s);
  return lines.length > 0 ? lines.join('\n') : undefined;
}
