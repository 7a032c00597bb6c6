import { describe, expect, it } from 'vitest';
import { digestMessage, resolvedReply, rootMessage } from '../../src/chat/incident-message.js';
import { type ChatMessage, plainText } from '../../src/chat/message.js';
import { renderPlain } from '../../src/chat/plain.js';
import { proposalMessage } from '../../src/chat/proposal-message.js';
import { threadReply } from '../../src/chat/remediation-feed.js';
import type { DiagnosisReport } from '../../src/chat/report.js';
import { progressMessage, reportDetailsMessage, reportMessage } from '../../src/chat/report-message.js';
import { renderSlack } from '../../src/chat/slack/blocks.js';
import { renderReportText } from '../../src/chat/text.js';
import type { CheckResult } from '../../src/diagnostics/types.js';
import type { Incident, IncidentAlert } from '../../src/incidents/types.js';
import type { Proposal } from '../../src/remediation/proposal.js';

const now = new Date('2026-01-01T12:10:00.000Z');

function alert(i: number, over: Partial<IncidentAlert> = {}): IncidentAlert {
  return {
    source: 'alertmanager',
    name: 'KafkaConsumerLagHigh',
    status: 'firing',
    labels: {
      alertname: 'KafkaConsumerLagHigh',
      severity: i === 0 ? 'critical' : 'warning',
      namespace: 'data-processing',
      service: 'normalization-service',
      instance: `pod-${i}`,
    },
    annotations: { summary: 'Lag above 10,000', runbook_url: 'https://runbooks.example/lag' },
    startsAt: '2026-01-01T12:00:00.000Z',
    fingerprint: `fp-${i}`,
    repeats: i === 1 ? 3 : 0,
    firstSeenAt: '2026-01-01T12:00:00.000Z',
    lastNotifiedAt: '2026-01-01T12:05:00.000Z',
    ...over,
  };
}

function incident(over: Partial<Incident> = {}): Incident {
  const alerts = [alert(0), alert(1), alert(2, { status: 'resolved' })];
  return {
    id: 'inc-abc-123',
    source: 'alertmanager',
    group: '{}:{alertname="KafkaConsumerLagHigh"}',
    playbookId: null,
    trigger: null,
    title: 'KafkaConsumerLagHigh',
    status: 'open',
    openedAt: '2026-01-01T12:00:00.000Z',
    startedAt: '2026-01-01T12:00:00.000Z',
    updatedAt: '2026-01-01T12:05:00.000Z',
    alertCount: 3,
    firingCount: 2,
    repeats: 3,
    alerts,
    ...over,
  };
}

function proposal(over: Partial<Proposal> = {}): Proposal {
  return {
    id: 'prop-0123456789ab',
    incidentId: 'inc-abc-123',
    playbookId: 'data-pipeline',
    remediationId: 'scale-normalization-4',
    title: 'Scale normalization-service to 4 replicas',
    action: 'kubernetes.scale',
    namespace: 'data-processing',
    params: { replicas: 4 },
    preview: 'Deployment/normalization-service replicas 2 → 4',
    requester: 'system',
    policy: { approvers: ['U0BOB', 'S0ONCALL'], required: 2, allowSelfApproval: false },
    warnings: [],
    createdAt: '2026-01-01T12:00:00.000Z',
    expiresAt: '2026-01-01T12:30:00.000Z',
    dryRun: false,
    verify: { checks: [], afterMs: 300_000 },
    status: 'pending',
    approvals: [],
    updatedAt: '2026-01-01T12:00:00.000Z',
    attempts: 0,
    ...over,
  };
}

const check = (id: string, status: CheckResult['status'], value?: number): CheckResult => ({
  checkId: id,
  kind: 'prometheus.query',
  title: id,
  status,
  value,
  unit: 's',
  thresholds: { direction: 'above', warn: 0.1, critical: 0.5 },
  summary: `${id} summary`,
  durationMs: 5,
  ...(status === 'critical'
    ? { evidence: { rows: [{ pod: 'a', p95: 0.9 }], samples: ['timeout after 30s'] } }
    : {}),
});

describe('incident messages', () => {
  it('root: severity, alert, service, namespace, summary, runbook link and counters', () => {
    const text = renderPlain(rootMessage(incident(), undefined, now));
    expect(text).toContain('CRITICAL: KafkaConsumerLagHigh');
    expect(text).toMatch(/Service: +normalization-service/);
    expect(text).toMatch(/Namespace: +data-processing/);
    expect(text).toContain('Status:    open 10m · 2 of 3 alerts firing · 3 repeats');
    expect(text).toContain('Lag above 10,000');
    expect(text).toContain('Runbook: https://runbooks.example/lag');
    expect(text).toContain('Playbook:  no playbook matched');
  });

  it('root after resolution, and the reply', () => {
    const resolved = incident({ status: 'resolved', durationMs: 754_000, firingCount: 0 });
    expect(rootMessage(resolved, undefined, now).summary).toBe(
      'Resolved: KafkaConsumerLagHigh — resolved after 12m',
    );
    expect(resolvedReply(resolved).summary).toBe(
      'Resolved: KafkaConsumerLagHigh — all 3 alerts resolved after 12m.',
    );
  });

  it('digest: one line per incident with its counters', () => {
    const a = incident();
    const b = incident({ id: 'inc-def-456', title: 'NodeDown', alertCount: 40, firingCount: 40, repeats: 0 });
    const msg = digestMessage(
      [
        { incident: a, playbook: undefined },
        { incident: b, playbook: undefined },
      ],
      now,
    );
    expect(msg.summary).toBe('2 incidents (2 open, 43 alerts)');
    const text = renderPlain(msg);
    expect(text).toContain('inc-abc-123 · open 10m · 2 of 3 alerts firing · 3 repeats');
    expect(text).toContain('inc-def-456 · open 10m · 40 of 40 alerts firing');
  });
});

describe('proposal messages', () => {
  it('pending: preview, approvers, approvals needed, expiry and the two buttons carrying only the ID', () => {
    const slack = renderSlack(proposalMessage(proposal(), now));
    const json = JSON.stringify(slack.blocks);
    expect(json).toContain('Deployment/normalization-service replicas 2 → 4');
    expect(json).toContain('<@U0BOB>, <!subteam^S0ONCALL>');
    expect(json).toContain('0 of 2 needed · no self-approval');
    expect(json).toContain('2026-01-01T12:30:00.000Z (in 20m)');
    const actions = slack.blocks.find((b) => b.type === 'actions') as {
      elements: { action_id: string; value: string }[];
    };
    expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
      ['remediation.approve', 'prop-0123456789ab'],
      ['remediation.deny', 'prop-0123456789ab'],
    ]);
  });

  it('no buttons once expired (by the clock), approved, denied or done; says who decided', () => {
    const late = new Date('2026-01-01T12:31:00.000Z');
    for (const [p, at, line] of [
      [proposal(), late, 'Expired: Scale normalization-service to 4 replicas — the buttons no longer work'],
      [
        proposal({
          status: 'approved',
          decidedBy: 'U0BOB',
          approvals: [
            { userId: 'U0BOB', at: '' },
            { userId: 'U0CAROL', at: '' },
          ],
        }),
        now,
        'Approved by @U0BOB: Scale normalization-service to 4 replicas — queued (approved by @U0BOB, @U0CAROL)',
      ],
      [
        proposal({ status: 'denied', decidedBy: 'U0CAROL' }),
        now,
        'Denied by @U0CAROL: Scale normalization-service to 4 replicas',
      ],
      [
        proposal({
          status: 'succeeded',
          approvals: [{ userId: 'U0BOB', at: '' }],
          result: { summary: 'replicas 2 → 4', changed: true },
        }),
        now,
        'Done: Scale normalization-service to 4 replicas (approved by @U0BOB)',
      ],
    ] as const) {
      const msg = proposalMessage(p, at);
      expect(msg.parts.some((x) => x.kind === 'actions')).toBe(false);
      expect(renderPlain(msg)).toContain(line);
    }
  });

  it('thread replies for results and verification, mentioning the approvers as live mentions', () => {
    const p = proposal({ approvals: [{ userId: 'U0BOB', at: '' }] });
    const done = threadReply({
      type: 'job.succeeded',
      proposal: p,
      result: { summary: 'scaled', changed: true },
      rollout: '4/4 ready',
    });
    expect(plainText(done?.summary ?? '')).toBe(
      'Done: Deployment/normalization-service replicas 2 → 4 — scaled; 4/4 ready (approved by @U0BOB)',
    );
    expect(renderSlack(done as ChatMessage).text).toBe(
      'Done: Deployment/normalization-service replicas 2 → 4 — scaled; 4/4 ready (approved by <@U0BOB>)',
    );
    expect(
      plainText(
        threadReply({ type: 'job.failed', proposal: p, error: 'forbidden', code: undefined })?.summary ?? '',
      ),
    ).toContain('Failed:');
    const failed = threadReply({
      type: 'verification.failed',
      proposal: p,
      checks: [],
      summary: 'lag still high <!channel>',
      mention: ['U0BOB'],
    });
    expect(plainText(failed?.summary ?? '')).toBe(
      'Not recovered after Deployment/normalization-service replicas 2 → 4: lag still high <!channel> — @U0BOB',
    );
    // The check's own text is data; only the mention perfbot added is live.
    expect(renderSlack(failed as ChatMessage).text).toBe(
      'Not recovered after Deployment/normalization-service replicas 2 → 4: lag still high &lt;!channel&gt; — <@U0BOB>',
    );
    expect(threadReply({ type: 'job.started', proposal: p, attempt: 1 })).toBeUndefined();
  });
});

describe('diagnosis messages', () => {
  const report: DiagnosisReport = {
    playbook: { id: 'data-pipeline', title: 'Pipeline', runbook: 'https://runbooks.example/pipeline' },
    namespace: 'data-processing',
    startedAt: '2026-01-01T12:00:00.000Z',
    finishedAt: '2026-01-01T12:00:02.000Z',
    durationMs: 2000,
    checks: [
      check('ok-check', 'ok', 0.05),
      check('bad-check', 'critical', 0.9),
      { ...check('skip', 'skipped'), summary: 'skipped: set PROMETHEUS_URL' },
    ],
    diagnosis: {
      bottlenecks: [
        {
          id: 'b',
          name: 'Slow queries',
          summary: 'bad-check 900 ms',
          evidenceChecks: ['bad-check'],
          remediations: [],
          advice: [],
        },
      ],
      remediations: [],
      advice: [{ id: 'a', title: 'Add an index', text: 'Index the hot column.' }],
    },
    verification: { after: '5m', items: ['P95 back under 100 ms'] },
    counts: { ok: 1, warn: 0, critical: 1, unknown: 0, skipped: 1, error: 0 },
    status: 'critical',
    unconfigured: ['PROMETHEUS_URL'],
  };

  it('report: verdict first, then the evidence that decided it, advice; the rest collapsed', () => {
    const msg = reportMessage(report);
    const text = renderPlain(msg);
    expect(text.split('\n')[0]).toBe('🔴 Bottleneck: Slow queries');
    expect(text).toContain('Evidence:\n  🔴 bad-check: 900 ms (warn > 100 ms, critical > 500 ms)');
    expect(text).toContain('      pod=a p95=0.9\n      > timeout after 30s');
    expect(text).toContain('Add an index');
    expect(text).toContain('Verify after a fix (wait 5m)');
    expect(text).toContain('2 other checks: 1 ok · 1 skipped — full list below');
    expect(text).toContain('To measure, set PROMETHEUS_URL (1 check)');
    expect(text).not.toContain('ok-check');
    expect(plainText(msg.summary)).toBe('Pipeline: bottleneck Slow queries (1 critical, 1 ok, 1 skipped)');
    const slack = renderSlack(msg);
    expect(slack.blocks[0]).toMatchObject({ text: { text: ':red_circle: Bottleneck: Slow queries' } });
    // The terminal prints the same text as `perfbot diagnose`.
    expect(msg.terminal).toEqual({ show: 'full', text: renderReportText(report) });
  });

  it('report details: every collapsed check with its value, for Slack only', () => {
    const details = reportDetailsMessage(report) as ChatMessage;
    const text = renderPlain(details);
    expect(text).toContain('The other 2 checks of Pipeline (1 shown in the report above)');
    expect(text).toContain('✅ ok-check: 50 ms (warn > 100 ms, critical > 500 ms)');
    expect(text).toContain('⏭️ skip: skipped: set PROMETHEUS_URL');
    expect(details.terminal).toEqual({ show: 'none' });
  });

  it('report: nothing measured is never a green verdict, and has no second message', () => {
    const skipped: DiagnosisReport = {
      ...report,
      checks: report.checks.map((c) => ({
        ...c,
        status: 'skipped',
        value: undefined,
        summary: 'skipped: set KUBECONFIG',
      })),
      diagnosis: { bottlenecks: [], remediations: [], advice: report.diagnosis.advice },
      counts: { ok: 0, warn: 0, critical: 0, unknown: 0, skipped: 3, error: 0 },
      status: 'skipped',
    };
    const slack = renderSlack(reportMessage(skipped));
    const all = JSON.stringify(slack);
    expect(slack.blocks[0]).toMatchObject({
      text: { text: ':fast_forward: Nothing was measured: all 3 checks skipped' },
    });
    expect(all).toContain('To measure, set KUBECONFIG (3 checks)');
    for (const absent of ['No bottleneck', ':large_green_circle:', 'Add an index', 'Verify after'])
      expect(all).not.toContain(absent);
    expect(slack.text).toBe('Pipeline: nothing was measured: all 3 checks skipped (3 skipped)');
    expect(reportDetailsMessage(skipped)).toBeUndefined();
  });

  it('progress: one line with what is done, what is still running; a status line for the terminal', () => {
    const checks = report.checks.map((c) => ({ id: c.checkId, title: c.title }));
    const msg = progressMessage({
      playbookTitle: 'Pipeline',
      namespace: 'ns',
      checks,
      done: [report.checks[1] as CheckResult],
    });
    expect(msg.summary).toBe('Diagnosing Pipeline in ns: 1/3 checks');
    expect(renderPlain(msg)).toBe(
      '⏳ Running checks for Pipeline in ns: 1/3 done — 1 critical\n  (still running: ok-check, skip)',
    );
    expect(msg.terminal).toEqual({
      show: 'progress',
      line: 'Pipeline in ns: 1/3 checks (1 critical)',
      done: false,
    });
    const done = progressMessage({ playbookTitle: 'Pipeline', namespace: 'ns', checks, done: report.checks });
    expect(renderPlain(done)).toBe(
      '🔴 Checks finished for Pipeline in ns: 3/3 — 1 critical · 1 ok · 1 skipped',
    );
    expect(done.terminal).toMatchObject({ show: 'progress', done: true });
  });
});
