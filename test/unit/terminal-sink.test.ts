// The terminal as incident channel, rendered for a person at a TTY (an injected status line and
// writer, and a tiny terminal emulator that applies "\r" + erase-line the way a terminal does).
import { describe, expect, it } from 'vitest';
import { resolvedReply, rootMessage } from '../../src/chat/incident-message.js';
import type { ChatMessage } from '../../src/chat/message.js';
import { notProposedMessage, proposalMessage } from '../../src/chat/proposal-message.js';
import type { DiagnosisReport } from '../../src/chat/report.js';
import { progressMessage, reportDetailsMessage, reportMessage } from '../../src/chat/report-message.js';
import { type PrintMeta, serveTerminalOutput, TerminalSink } from '../../src/chat/terminal-sink.js';
import type { CheckResult } from '../../src/diagnostics/types.js';
import type { Incident } from '../../src/incidents/types.js';
import { silentLogger } from '../../src/log.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import { TtyScreen } from '../../src/tty.js';

const now = new Date('2026-01-01T12:10:00.000Z');

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-abc-123',
    source: 'alertmanager',
    group: 'g',
    playbookId: 'sentinel-connector',
    trigger: null,
    title: 'S3SentinelProcessingLatencyHigh',
    status: 'open',
    openedAt: '2026-01-01T12:00:00.000Z',
    startedAt: '2026-01-01T12:00:00.000Z',
    updatedAt: '2026-01-01T12:00:00.000Z',
    alertCount: 1,
    firingCount: 1,
    repeats: 0,
    alerts: [
      {
        source: 'alertmanager',
        name: 'S3SentinelProcessingLatencyHigh',
        status: 'firing',
        labels: { alertname: 'S3SentinelProcessingLatencyHigh', severity: 'critical' },
        annotations: { summary: 'Processing latency exceeded threshold' },
        startsAt: '2026-01-01T12:00:00.000Z',
        fingerprint: 'fp',
        repeats: 0,
        firstSeenAt: '2026-01-01T12:00:00.000Z',
        lastNotifiedAt: '2026-01-01T12:00:00.000Z',
      },
    ],
    ...over,
  };
}

const skipped = (id: string): CheckResult => ({
  checkId: id,
  kind: 'prometheus.query',
  title: `Check ${id}`,
  status: 'skipped',
  summary: 'skipped: set PROMETHEUS_URL',
  durationMs: 0,
});
const checks = ['a', 'b', 'c'].map(skipped);
const report: DiagnosisReport = {
  playbook: { id: 'sentinel-connector', title: 'S3 to Sentinel' },
  namespace: 'default',
  startedAt: '2026-01-01T12:00:00.000Z',
  finishedAt: '2026-01-01T12:00:00.010Z',
  durationMs: 10,
  checks,
  diagnosis: { bottlenecks: [], remediations: [], advice: [] },
  findings: [],
  verification: { after: '5m', items: [] },
  counts: { ok: 0, warn: 0, critical: 0, unknown: 0, skipped: 3, error: 0 },
  status: 'skipped',
  unconfigured: ['PROMETHEUS_URL'],
};
const progress = (done: number) =>
  progressMessage({
    playbookTitle: 'S3 to Sentinel',
    namespace: 'default',
    checks: checks.map((c) => ({ id: c.checkId, title: c.title })),
    done: checks.slice(0, done),
  });

function recorder() {
  const printed: { text: string; meta: PrintMeta }[] = [];
  const statuses: string[] = [];
  const sink = new TerminalSink({
    write: (text, meta) => printed.push({ text, meta }),
    status: (line) => statuses.push(line),
    now: () => now,
  });
  return { sink, printed, statuses };
}

/** Carriage return + erase line, as the screen writes it. */
const ERASE = `\r${String.fromCharCode(27)}[2K`;

/** A terminal: ERASE clears the line being written; "\n" ends it. */
function emulate(out: string): { lines: string[]; current: string } {
  const lines: string[] = [];
  let current = '';
  for (const piece of out.split(new RegExp(`(${ERASE.replace('[', '\\[')}|\n)`))) {
    if (piece === ERASE) current = '';
    else if (piece === '\n') {
      lines.push(current);
      current = '';
    } else current += piece;
  }
  return { lines, current };
}

describe('terminal incident channel', () => {
  it('prints one line per incident event, progress only on the status line, the report once', async () => {
    const { sink, printed, statuses } = recorder();
    const root = await sink.post('terminal', undefined, () => rootMessage(incident(), undefined, now));
    const bar = await sink.post('terminal', root.ts, () => progress(0));
    for (const n of [1, 2, 3]) await sink.update(bar, () => progress(n));
    await sink.post('terminal', root.ts, () => reportMessage(report));
    const details = reportDetailsMessage(report);
    if (details) await sink.post('terminal', root.ts, () => details);
    // An edit that changes nothing a person reads (the age) prints nothing.
    await sink.update(root, () => rootMessage(incident(), undefined, new Date(now.getTime() + 60_000)));
    await sink.update(root, () =>
      rootMessage(incident({ repeats: 1, alertCount: 2, firingCount: 2 }), undefined, now),
    );
    const resolved = incident({ status: 'resolved', durationMs: 300_000, firingCount: 0 });
    await sink.update(root, () => rootMessage(resolved, undefined, now));
    await sink.post('terminal', root.ts, () => resolvedReply(resolved));

    const label = 'S3SentinelProcessingLatencyHigh (inc-abc-123)';
    expect(printed.map((p) => p.text)).toEqual([
      '🔴 CRITICAL: S3SentinelProcessingLatencyHigh — Processing latency exceeded threshold — 1 of 1 alert firing · no playbook matched · inc-abc-123',
      `── ${label} ──\n– Nothing was measured: all 3 checks skipped\n  S3 to Sentinel (sentinel-connector) · namespace default · 3 checks in 10ms: 3 skipped\n\nTo measure, set PROMETHEUS_URL (3 checks)`,
      '🔴 CRITICAL: S3SentinelProcessingLatencyHigh — Processing latency exceeded threshold — 2 of 2 alerts firing · 1 repeat · no playbook matched · inc-abc-123',
      '✅ Resolved: S3SentinelProcessingLatencyHigh — after 5m · no playbook matched · inc-abc-123',
    ]);
    expect(printed.every((p) => p.meta.label === label)).toBe(true);
    expect(printed[1]?.meta.thread).toBe(root.ts);
    expect(statuses).toEqual([
      `⏳ ${label}: S3 to Sentinel in default: 0/3 checks`,
      `⏳ ${label}: S3 to Sentinel in default: 1/3 checks (1 skipped)`,
      `⏳ ${label}: S3 to Sentinel in default: 2/3 checks (2 skipped)`,
      '',
    ]);
  });

  it('shows several running diagnoses on the one status line', async () => {
    const { sink, statuses } = recorder();
    const a = await sink.post('terminal', undefined, () => rootMessage(incident(), undefined, now));
    const b = await sink.post('terminal', undefined, () =>
      rootMessage(incident({ id: 'inc-abc-456', title: 'Other' }), undefined, now),
    );
    await sink.post('terminal', a.ts, () => progress(1));
    await sink.post('terminal', b.ts, () => progress(2));
    expect(statuses.at(-1)).toBe(
      '⏳ 2 diagnoses running — S3SentinelProcessingLatencyHigh (inc-abc-123): S3 to Sentinel in default: 1/3 checks (1 skipped) · Other (inc-abc-456): S3 to Sentinel in default: 2/3 checks (2 skipped)',
    );
  });

  it('without a status line (not a TTY) prints no progress at all', async () => {
    const printed: string[] = [];
    const sink = new TerminalSink({ write: (t) => printed.push(t) });
    const root = await sink.post('terminal', undefined, () => rootMessage(incident(), undefined, now));
    const bar = await sink.post('terminal', root.ts, () => progress(0));
    await sink.update(bar, () => progress(3));
    expect(printed).toHaveLength(1);
  });

  it('prints a proposal in full once, then a line per change of state; notes name their incident', async () => {
    const { sink, printed } = recorder();
    const root = await sink.post('terminal', undefined, () => rootMessage(incident(), undefined, now));
    const p: Proposal = {
      id: 'prop-0123456789ab',
      incidentId: 'inc-abc-123',
      remediationId: 'r',
      playbookId: 'sentinel-connector',
      title: 'Halve the batch size',
      action: 'kubernetes.scale',
      namespace: 'default',
      params: {},
      preview: 'Deployment/connector replicas 2 → 4',
      warnings: [],
      requester: 'system',
      createdAt: '2026-01-01T12:00:00.000Z',
      expiresAt: '2026-01-01T12:40:00.000Z',
      policy: { approvers: ['U0BOB'], required: 1, allowSelfApproval: false },
      evidenceChecks: [],
      dryRun: false,
      verify: { checks: [], afterMs: 300_000 },
      status: 'pending',
      approvals: [],
      updatedAt: '2026-01-01T12:00:00.000Z',
      attempts: 0,
    } as unknown as Proposal;
    const msg = await sink.post('terminal', root.ts, () => proposalMessage(p, now));
    await sink.update(msg, () => proposalMessage(p, now));
    await sink.update(msg, () =>
      proposalMessage(
        { ...p, status: 'approved', decidedBy: 'U0BOB', approvals: [{ userId: 'U0BOB', at: '' }] },
        now,
      ),
    );
    await sink.post('terminal', root.ts, () => notProposedMessage('Raise memory', 'set KUBECONFIG'));
    const texts = printed.slice(1).map((x) => x.text);
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(
      /^── S3SentinelProcessingLatencyHigh \(inc-abc-123\) ──\nℹ️ Proposed: Halve the batch size\n/,
    );
    expect(texts[0]).toMatch(/May approve: +@U0BOB/);
    expect(texts[1]).toBe(
      '✅ Approved by @U0BOB: Halve the batch size — queued (approved by @U0BOB): Deployment/connector replicas 2 → 4 · S3SentinelProcessingLatencyHigh (inc-abc-123)',
    );
    expect(texts[2]).toBe(
      '⚠️ Not proposed: Raise memory — set KUBECONFIG · S3SentinelProcessingLatencyHigh (inc-abc-123)',
    );
  });

  it('forgets old threads so a long-running serve does not grow without bound', async () => {
    const { sink } = recorder();
    for (let i = 0; i < 2100; i++)
      await sink.post('terminal', undefined, () =>
        rootMessage(incident({ id: `inc-a-${i}` }), undefined, now),
      );
    const inner = sink as unknown as { labels: Map<string, string>; lastLine: Map<string, string> };
    expect(inner.labels.size).toBeLessThanOrEqual(2000);
    expect(inner.lastLine.size).toBeLessThanOrEqual(2000);
  });
});

describe('TtyScreen', () => {
  it('keeps the status line below everything printed, redraws it in place, erases it when done', () => {
    let out = '';
    const screen = new TtyScreen({ write: (s) => (out += s), columns: 60 });
    screen.print('[12:00:00] INFO: perfbot serving');
    screen.setStatus('⏳ diagnosing: 1/18 checks');
    screen.setStatus('⏳ diagnosing: 2/18 checks');
    screen.print('12:00:01 🔴 CRITICAL: a log line arrives mid-diagnosis');
    screen.setStatus('⏳ diagnosing: 18/18 checks');
    screen.setStatus('');
    screen.print('12:00:02 ── report ──\nline 2');
    expect(emulate(out)).toEqual({
      lines: [
        '[12:00:00] INFO: perfbot serving',
        '12:00:01 🔴 CRITICAL: a log line arrives mid-diagnosis',
        '12:00:02 ── report ──',
        'line 2',
      ],
      current: '',
    });
    // The status line never took a line of its own.
    expect(out.split('\n')).toHaveLength(5);
  });

  it('cuts the status line to the terminal width so it never wraps', () => {
    let out = '';
    const screen = new TtyScreen({ write: (s) => (out += s), columns: 40 });
    screen.setStatus(`⏳ ${'x'.repeat(100)}\nsecond line`);
    const { current } = emulate(out);
    expect([...current].length).toBeLessThanOrEqual(36);
    expect(current.endsWith('…')).toBe(true);
    expect(out).not.toContain('\n');
  });

  it('serve output: a TTY gets timed text and the status line; a pipe gets one JSON log line per print', () => {
    let out = '';
    const screen = new TtyScreen({ write: (s) => (out += s), columns: 80 });
    const tty = serveTerminalOutput(silentLogger, screen, () => new Date(2026, 0, 1, 9, 5, 7));
    tty.write('🔴 CRITICAL: x', { channel: 'terminal' });
    tty.status?.('⏳ running');
    expect(emulate(out)).toEqual({ lines: ['09:05:07 🔴 CRITICAL: x'], current: '⏳ running' });

    // Outside text cannot drive the terminal: an escape sequence in an alert name, a bell, a
    // carriage return, a bidi override are shown as codes; line breaks stay.
    out = '';
    tty.write('🔴 CRITICAL: Evil\x1b[2J\x1b[31mRED \x07 a\rb \u202eabc\nnext line', { channel: 'terminal' });
    tty.status?.('⏳ Evil\x1b[2J');
    for (const raw of ['\x1b[2J', '\x1b[31m', '\x07', '\u202e']) expect(out).not.toContain(raw);
    expect(emulate(out).lines).toEqual([
      '09:05:07 🔴 CRITICAL: Evil\\x1b[2J\\x1b[31mRED \\x07 a\\x0db \\u202eabc',
      'next line',
    ]);

    const logged: unknown[] = [];
    const log = { info: (...args: unknown[]) => logged.push(args) } as unknown as typeof silentLogger;
    const pipe = serveTerminalOutput(log, undefined);
    expect(pipe.status).toBeUndefined();
    pipe.write('🔴 CRITICAL: x', { channel: 'terminal', thread: '1.2', label: 'x (inc-1)' });
    expect(logged).toEqual([
      [
        { channel: 'terminal', thread: '1.2', about: 'x (inc-1)', text: '🔴 CRITICAL: x' },
        'incident channel',
      ],
    ]);
  });
});

// Keeps the type import honest: a ChatMessage without a terminal view prints in full.
const _plain: ChatMessage = { summary: 's', parts: [] };
void _plain;
