// The timeline built from hand-made audit entries: acknowledgement, reverts, guardrail blocks,
// no-undo changes, unknown events, hostile text from alerts, and a damaged entry.
import { describe, expect, it } from 'vitest';
import { hashRecord } from '../../src/audit/hash.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { GENESIS_HASH } from '../../src/audit/types.js';
import { renderPlain } from '../../src/chat/plain.js';
import { timelineMessage } from '../../src/chat/timeline-message.js';
import { buildTimeline } from '../../src/timeline/build.js';
import { mdText, timelineMarkdown } from '../../src/timeline/markdown.js';
import { chainCheck } from '../../src/timeline/read.js';

const T0 = Date.parse('2026-03-01T03:00:00Z');

/** A correctly chained trail of `[event, actor, secondsAfterT0, proposal?, details?]`. */
function trail(rows: [string, string, number, string?, Record<string, unknown>?][]): AuditEntry[] {
  let prev = GENESIS_HASH;
  return rows.map(([event, actor, s, proposal, details = {}], i) => {
    const record = {
      time: new Date(T0 + s * 1000).toISOString(),
      actor,
      event,
      incident: 'inc-1',
      ...(proposal ? { proposal } : {}),
      details,
    };
    const hash = hashRecord(prev, record);
    const entry: AuditEntry = { ...record, id: `${T0 + i}-0`, prevHash: prev, hash };
    prev = hash;
    return entry;
  });
}
const ok = (entries: AuditEntry[]) =>
  chainCheck(entries, { ok: true, count: entries.length }, new Date(T0 + 3_600_000));

const scenario = trail([
  [
    'incident.opened',
    'alertmanager',
    0,
    undefined,
    { title: 'Lag <!channel> [click](http://evil) | x\ny', playbook: 'pipeline' },
  ],
  ['alert.received', 'alertmanager', 1, undefined, { alert: 'KafkaConsumerLagHigh', status: 'firing' }],
  ['incident.acknowledged', 'U0ONCALL', 60],
  [
    'diagnosis.done',
    'system',
    90,
    undefined,
    {
      bottlenecks: ['Consumers behind'],
      keyValues: [{ check: 'lag', status: 'critical', summary: 'Lag 25,000' }],
    },
  ],
  [
    'proposal.created',
    'system',
    95,
    'prop-a',
    { preview: 'Deployment/x replicas 2 → 4', required: 1, undo: 'yes' },
  ],
  [
    'proposal.blocked',
    'system',
    95,
    'prop-b',
    { preview: 'Deployment/x cpu 1 → 16', reasons: ['bounds: cpu limit 16 is above the ceiling 8'] },
  ],
  [
    'proposal.created',
    'system',
    96,
    'prop-k',
    { preview: 'market-data partitions 6 → 12', required: 2, undo: 'no: Kafka cannot remove partitions' },
  ],
  ['proposal.approved', 'U0APPROVER', 300, 'prop-a', { approvals: '1/1', complete: true }],
  [
    'job.succeeded',
    'system',
    320,
    'prop-a',
    { summary: 'replicas 2 → 4', before: { replicas: 2 }, after: { replicas: 4 } },
  ],
  ['proposal.approved', 'U0APPROVER', 330, 'prop-k', { approvals: '2/2', complete: true }],
  [
    'job.succeeded',
    'system',
    340,
    'prop-k',
    { summary: 'partitions 6 → 12', before: { partitions: 6 }, after: { partitions: 12 } },
  ],
  ['verification.failed', 'system', 620, 'prop-a', { summary: 'not recovered: Lag is critical' }],
  [
    'proposal.created',
    'U0APPROVER',
    700,
    'prop-r',
    { preview: 'Deployment/x replicas 4 → 2 (revert of prop-a)', revertOf: 'prop-a', required: 1 },
  ],
  ['proposal.approved', 'U0OTHER', 710, 'prop-r', { approvals: '1/1', complete: true }],
  [
    'job.succeeded',
    'system',
    720,
    'prop-r',
    { summary: 'replicas 4 → 2', before: { replicas: 4 }, after: { replicas: 2 } },
  ],
  ['silence.created', 'U0ONCALL', 800],
  ['incident.resolved', 'alertmanager', 1800, undefined, { durationMs: 1_800_000 }],
]);

describe('buildTimeline', () => {
  const t = buildTimeline('inc-1', scenario, ok(scenario));

  it('has one entry per audit entry, each with its phase', () => {
    expect(t.entries.map((e) => [e.event, e.phase, e.offsetMs / 1000])).toEqual(
      scenario.map((e) => [e.event, expect.any(String), (Date.parse(e.time) - T0) / 1000]),
    );
    const phase = (event: string, proposal?: string) =>
      t.entries.find((e) => e.event === event && (proposal === undefined || e.proposal === proposal))?.phase;
    expect(phase('alert.received')).toBe('detection');
    expect(phase('incident.acknowledged')).toBe('response');
    expect(phase('job.succeeded', 'prop-a')).toBe('response');
    expect(phase('job.succeeded', 'prop-r')).toBe('recovery');
    expect(t.entries.find((e) => e.event === 'silence.created')?.text).toBe('silence.created by U0ONCALL');
  });

  it('acknowledgement, milestones and durations from the first alert', () => {
    expect(t.acknowledgedBy).toBe('U0ONCALL');
    expect(t.durations).toEqual({
      acknowledged: 60_000,
      diagnosed: 90_000,
      approved: 300_000,
      fixed: 320_000,
      resolved: 1_800_000,
    });
  });

  it('changes with before/after, the revert linked both ways, and follow-ups from the record', () => {
    const a = t.changes.find((c) => c.proposal === 'prop-a');
    expect(a).toMatchObject({
      status: 'applied',
      revertedBy: 'prop-r',
      approvedBy: ['U0APPROVER'],
      before: { replicas: 2 },
    });
    expect(t.changes.find((c) => c.proposal === 'prop-r')).toMatchObject({
      revertOf: 'prop-a',
      status: 'applied',
    });
    expect(t.followUps.slice(0, 3)).toEqual([
      'Not recovered after Deployment/x replicas 2 → 4 (prop-a): not recovered: Lag is critical. The cause may lie elsewhere.',
      'A guardrail blocked Deployment/x cpu 1 → 16 (prop-b): bounds: cpu limit 16 is above the ceiling 8. Decide whether the fix or the guardrail should change.',
      'market-data partitions 6 → 12 (prop-k) stays for good (no: Kafka cannot remove partitions): record it where the service is documented.',
    ]);
    expect(t.followUps.some((f) => f.startsWith('Keep or revert Deployment/x'))).toBe(false);
  });

  it('Markdown: text from alerts cannot format the document or make links', () => {
    const md = timelineMarkdown(t);
    expect(md.split('\n')[0]).toBe(
      '# Post-incident review (draft): Lag \\<!channel\\> \\[click\\](http://evil) \\| x y',
    );
    expect(md).not.toContain('[click](http://evil)');
    expect(md).not.toContain('<!channel>');
    expect(mdText('a\r\n  b*c*`d`')).toBe('a b\\*c\\*\\`d\\`');
    expect(md).toContain('| Acknowledged | by U0ONCALL at 2026-03-01 03:01:00Z |');
    expect(md).toContain('| Time to acknowledge | 1m |');
  });

  it("Markdown: perfbot's own span and the alerts' firing time are each named for what they are", () => {
    // The alerts fired 2h (their startsAt to endsAt); perfbot heard of them 30m before the end.
    const late = scenario.map((e) =>
      e.event === 'incident.resolved' ? { ...e, details: { durationMs: 7_200_000 } } : e,
    );
    const lt = buildTimeline('inc-1', late, ok(late));
    expect(lt.firingMs).toBe(7_200_000);
    expect(lt.durations.resolved).toBe(1_800_000);
    const md = timelineMarkdown(lt);
    expect(md).toContain('| Opened by perfbot | 2026-03-01 03:00:00Z |');
    expect(md).toContain("| Alerts fired for | 2h (the alerts' own start and end times) |");
    expect(md).toContain('| Time since perfbot opened it (2026-03-01 03:00:00Z) | |');
    expect(md).toContain('| Time to resolve | 30m |');
    // Resolved by hand: no alert duration to give, so no row pretending one.
    const byHand = late.filter((e) => e.event !== 'incident.resolved');
    expect(timelineMarkdown(buildTimeline('inc-1', byHand, ok(byHand)))).not.toContain('Alerts fired for');
  });

  it('the chat message says the chain verdict and the durations', () => {
    const text = renderPlain(timelineMessage(t));
    expect(text).toContain('✅ Audit chain verified');
    expect(text).toMatch(/Time to diagnose: +1m30s/);
    expect(text).toMatch(/Opened by perfbot: +2026-03-01 03:00:00Z/);
    expect(text).toMatch(/Alerts fired for: +30m/);
    expect(text).toContain('2. Response:');
  });
});

describe('chainCheck', () => {
  it('an edited entry of the incident is found even when the caller passes a verified chain', () => {
    const edited = scenario.map((e, i) =>
      i === 4 ? { ...e, details: { ...e.details, preview: 'nothing to see' } } : e,
    );
    const c = chainCheck(edited, { ok: true, count: edited.length }, new Date(T0));
    expect(c).toMatchObject({ ok: false, problem: { id: scenario[4]?.id } });
    expect(c.summary).toBe(
      `Audit entry ${scenario[4]?.id} of this incident is damaged (its content does not match its hash: the entry was edited); this record may be altered.`,
    );
  });

  it('a broken trail is said first, with how far it verified', () => {
    const c = chainCheck(
      scenario,
      { ok: false, count: 7, problem: { id: '9-0', time: 't', reason: 'gone' } },
      new Date(T0),
    );
    expect(c.summary).toBe(
      'Audit chain BROKEN at entry 9-0 (t): gone. 7 entries before it verified; this record may be incomplete or altered.',
    );
    const t = buildTimeline('inc-1', scenario, c);
    expect(timelineMarkdown(t)).toContain('> ⚠️ Audit chain BROKEN at entry 9-0');
    expect(t.followUps[0]).toBe(
      'Find out why the audit chain is broken (gone) before relying on this record.',
    );
  });
});
