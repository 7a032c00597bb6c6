// The timeline as a Markdown post-mortem draft, under the runbook's "Performance Incident
// Response" headings (Detection, Response, Recovery) plus Follow-ups, then every audit entry it
// was built from with its ID and hash. Everything from the trail is data (alert names, labels,
// error texts): escaped so it can neither format the document nor hide in a link.
import { formatDuration } from '../duration.js';
import { formatState } from './describe.js';
import { MILESTONE_LABEL, MILESTONES, type Phase, type Timeline } from './types.js';

const HEADINGS: Record<Phase, string> = {
  detection: '1. Detection',
  response: '2. Response',
  recovery: '3. Recovery',
};

/** Inline text: no line breaks, no emphasis, links, code or HTML from the data. */
export function mdText(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*[\]<>|]/g, (c) => `\\${c}`);
}

const clock = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
const offset = (ms: number) => (ms < 0 ? `-${formatDuration(-ms)}` : `+${formatDuration(ms)}`);

export function timelineMarkdown(t: Timeline): string {
  const lines: string[] = [];
  const title = t.title ? mdText(t.title) : `incident ${t.incident}`;
  lines.push(`# Post-incident review (draft): ${title}`, '');
  lines.push(
    `Incident \`${t.incident}\`${t.playbook ? ` · playbook ${mdText(t.playbook)}` : ''} · drafted by perfbot from ${t.entries.length} audit entries at ${clock(t.chain.checkedAt)}`,
    '',
  );
  lines.push(`> ${t.chain.ok ? '✅' : '⚠️'} ${mdText(t.chain.summary)}`, '');

  lines.push('## Summary', '', '| | |', '|---|---|');
  const row = (k: string, v: string) => lines.push(`| ${k} | ${v} |`);
  if (t.startedAt) row('Opened by perfbot', clock(t.startedAt));
  row(
    'Acknowledged',
    t.acknowledgedBy
      ? `by ${mdText(t.acknowledgedBy)} at ${clock(t.milestones.acknowledged ?? '')}`
      : 'not recorded',
  );
  const last = t.diagnoses.at(-1);
  row('Bottleneck', last ? mdText(last.bottlenecks.join('; ') || 'none named') : 'not diagnosed');
  const applied = t.changes.filter((c) => c.status === 'applied' && !c.revertOf);
  row(
    'Changes',
    applied.length > 0
      ? applied
          .map(
            (c) =>
              `${mdText(c.preview)} (${c.proposal}${c.revertedBy ? `, reverted by ${c.revertedBy}` : ''})`,
          )
          .join('; ')
      : 'none applied',
  );
  const verified = t.changes.filter((c) => c.verification);
  if (verified.length > 0)
    row(
      'Verification',
      verified
        .map(
          (c) => `${c.verification?.passed ? 'passed' : 'failed'}: ${mdText(c.verification?.summary ?? '')}`,
        )
        .join('; '),
    );
  row('Resolved', t.milestones.resolved ? clock(t.milestones.resolved) : 'not resolved');
  if (t.firingMs !== undefined)
    row('Alerts fired for', `${formatDuration(t.firingMs)} (the alerts' own start and end times)`);
  lines.push('');

  lines.push(
    `| Time since perfbot opened it (${t.startedAt ? clock(t.startedAt) : 'the start'}) | |`,
    '|---|---|',
  );
  for (const m of MILESTONES) {
    const ms = t.durations[m];
    row(MILESTONE_LABEL[m], ms === undefined ? '—' : formatDuration(ms));
  }
  lines.push('');

  lines.push('## Performance Incident Response', '');
  for (const phase of Object.keys(HEADINGS) as Phase[]) {
    lines.push(`### ${HEADINGS[phase]}`, '');
    const items = t.entries.filter((e) => e.phase === phase);
    if (items.length === 0) lines.push('- nothing recorded');
    for (const e of items) lines.push(`- \`${clock(e.time)}\` (${offset(e.offsetMs)}) ${mdText(e.text)}`);
    lines.push('');
  }
  if (t.diagnoses.some((d) => d.keyValues.length > 0)) {
    lines.push('Key values of the last diagnosis:', '');
    for (const v of t.diagnoses.at(-1)?.keyValues ?? []) lines.push(`- ${mdText(v)}`);
    lines.push('');
  }
  const changed = t.changes.filter((c) => c.before !== undefined || c.after !== undefined);
  if (changed.length > 0) {
    lines.push('| Change | Before | After | Approved by | Undo |', '|---|---|---|---|---|');
    for (const c of changed) {
      lines.push(
        `| ${mdText(c.revertOf && !c.preview.includes(c.revertOf) ? `revert of ${c.revertOf}: ${c.preview}` : c.preview)} (${c.proposal}) | ${mdText(formatState(c.before))} | ${mdText(formatState(c.after))} | ${mdText(c.approvedBy.join(', ') || '—')} | ${mdText(c.revertedBy ? `reverted by ${c.revertedBy}` : (c.undo ?? '—'))} |`,
      );
    }
    lines.push('');
  }

  lines.push('### 4. Follow-ups', '');
  for (const f of t.followUps) lines.push(`- [ ] ${mdText(f)}`);
  lines.push('');

  lines.push(
    '## Audit entries',
    '',
    '| Time | Event | Actor | Proposal | Entry | Hash |',
    '|---|---|---|---|---|---|',
  );
  for (const e of t.entries) {
    lines.push(
      `| ${clock(e.time)} | ${mdText(e.event)} | ${mdText(e.actor)} | ${e.proposal ?? ''} | ${e.id} | ${e.hash.slice(0, 16)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
