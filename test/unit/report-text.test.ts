import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/chat/report.js';
import { worstStatus } from '../../src/diagnostics/status.js';
import { renderProgressLine, renderReportText } from '../../src/chat/text.js';
import { decide } from '../../src/diagnostics/decide.js';
import type { DiagnosisRun } from '../../src/diagnostics/engine.js';
import type { CheckResult } from '../../src/diagnostics/types.js';
import { Playbook } from '../../src/playbooks/schema.js';

const playbook = Playbook.parse({
  id: 'sentinel-connector',
  title: 'S3 to Sentinel connector',
  target: { namespace: 'sentinel' },
  checks: [
    { id: 'p95', kind: 'prometheus.query', title: 'P95 latency', params: { query: 'x' } },
    { id: 'mem', kind: 'prometheus.query', title: 'Memory', params: { query: 'x' } },
    { id: 's3-5xx', kind: 'prometheus.query', title: 'S3 5xx errors', params: { query: 'x' } },
    { id: 'hit', kind: 'prometheus.query', title: 'Cache hit rate', params: { query: 'x' } },
    { id: 'logs', kind: 'prometheus.query', title: 'Throttling in logs', params: { query: 'x' } },
    { id: 'ingest', kind: 'prometheus.query', title: 'Sentinel ingestion', params: { query: 'x' } },
  ],
  remediations: [
    {
      id: 'smaller-batches',
      title: 'Halve the Sentinel batch size',
      action: 'kubernetes.configmap.set',
      params: {
        configMap: 'connector-config',
        key: 'config.yaml',
        path: 'sentinel.batch_size',
        value: 500,
        restart: { kind: 'Deployment', name: 'connector' },
      },
    },
  ],
  advice: [{ id: 'backoff', title: 'Back off on S3', text: 'Retry with exponential backoff.\nCap at 30 s.' }],
  decision: [
    {
      id: 's3',
      when: { check: 's3-5xx' },
      bottleneck: 'S3 throttling',
      remediations: ['smaller-batches'],
      advice: ['backoff'],
    },
    {
      id: 'memory',
      when: { check: 'mem' },
      bottleneck: 'Memory pressure',
      summary: 'Batches are too large.',
    },
  ],
  verification: { after: '10m', items: ['No new throttling'] },
});

const base = { kind: 'prometheus.query', durationMs: 12 } as const;
const checks: CheckResult[] = [
  {
    ...base,
    checkId: 'p95',
    title: 'P95 latency',
    status: 'ok',
    value: 0.042,
    unit: 's',
    thresholds: { direction: 'above', warn: 0.1, critical: 0.5 },
    summary: 'P95 latency 42 ms (warn > 100 ms, critical > 500 ms)',
    evidence: { samples: ['quiet-sample'] },
  },
  {
    ...base,
    checkId: 'mem',
    title: 'Memory',
    status: 'warn',
    value: 1610612736,
    unit: 'bytes',
    thresholds: { direction: 'above', warn: 1073741824, critical: 2147483648 },
    summary: 'Memory 1.5 GiB (…)',
    detail: 'worst pod connector-7f9',
    evidence: { rows: [{ pod: 'connector-7f9', bytes: 1610612736 }] },
  },
  {
    ...base,
    checkId: 's3-5xx',
    title: 'S3 5xx errors',
    status: 'critical',
    value: 1234,
    unit: 'count',
    thresholds: { direction: 'above', warn: 10, critical: 100 },
    summary: 'S3 5xx errors 1,234 (warn > 10, critical > 100)',
    evidence: {
      counts: { SlowDown: 7 },
      samples: ['2025-01-01 ERROR SlowDown: Please reduce your request rate'],
      series: [{ name: '5xxErrors', points: [1, 5, 3].map((v, i) => ({ t: i * 1000, v })) }],
    },
  },
  {
    ...base,
    checkId: 'hit',
    title: 'Cache hit rate',
    status: 'ok',
    value: 0.91,
    unit: 'ratio',
    thresholds: { direction: 'below', warn: 0.9 },
    summary: 'x',
  },
  {
    ...base,
    checkId: 'logs',
    title: 'Throttling in logs',
    status: 'skipped',
    summary: 'skipped: set KUBECONFIG',
  },
  {
    ...base,
    checkId: 'ingest',
    title: 'Sentinel ingestion',
    status: 'error',
    summary: 'error: timed out after 10s',
  },
];

const run: DiagnosisRun = {
  playbookId: playbook.id,
  namespace: 'sentinel',
  startedAt: new Date('2025-01-01T00:00:00Z'),
  finishedAt: new Date('2025-01-01T00:00:01.5Z'),
  durationMs: 1500,
  checks,
  diagnosis: decide(playbook, checks),
};

describe('buildReport', () => {
  const report = buildReport(playbook, run);

  it('summarises counts, the worst status and the variables to set', () => {
    expect(report.counts).toEqual({ ok: 2, warn: 1, critical: 1, unknown: 0, skipped: 1, error: 1 });
    expect(report.status).toBe('critical');
    expect(report.unconfigured).toEqual(['KUBECONFIG']);
    expect(report.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(report.verification).toEqual({ after: '10m', items: ['No new throttling'] });
  });

  it('is plain data that survives JSON', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('ranks statuses: critical over warn over error, skipped below ok', () => {
    expect(worstStatus(['ok', 'skipped'])).toBe('ok');
    expect(worstStatus(['error', 'warn'])).toBe('warn');
    expect(worstStatus(['unknown', 'error'])).toBe('error');
    expect(worstStatus([])).toBe('ok');
    expect(worstStatus(['skipped', 'skipped'])).toBe('skipped');
  });
});

describe('renderReportText', () => {
  const text = renderReportText(buildReport(playbook, run));
  const lines = text.split('\n');
  const line = (start: string) => lines.find((l) => l.trimStart().startsWith(start)) ?? '';

  it('heads the report with playbook, namespace, duration and counts', () => {
    expect(lines[0]).toBe('S3 to Sentinel connector (sentinel-connector) · namespace sentinel');
    expect(lines[1]).toBe(
      '2025-01-01T00:00:00.000Z · took 2s · 6 checks: 1 critical, 1 warn, 1 error, 2 ok, 1 skipped',
    );
  });

  it('marks every check by status and formats values against thresholds with units', () => {
    expect(line('✔ P95 latency')).toMatch(/✔ P95 latency\s+42 ms {2}\(warn > 100 ms, critical > 500 ms\)$/);
    expect(line('▲ Memory')).toMatch(/1\.5 GiB {2}\(warn > 1 GiB, critical > 2 GiB\)$/);
    expect(line('✖ S3 5xx errors')).toMatch(/1,234 {2}\(warn > 10, critical > 100\)$/);
    expect(line('✔ Cache hit rate')).toMatch(/91% {2}\(warn < 90%\)$/);
    expect(line('– Throttling in logs')).toMatch(/skipped: set KUBECONFIG$/);
    expect(line('! Sentinel ingestion')).toMatch(/error: timed out after 10s$/);
  });

  it('shows the integration detail and the evidence of bad checks only', () => {
    const trimmed = (start: string) => line(start).trim();
    expect(text).not.toContain('quiet-sample');
    expect(trimmed('worst pod')).toBe('worst pod connector-7f9');
    expect(trimmed('pod=connector-7f9')).toBe('pod=connector-7f9 bytes=1610612736');
    expect(trimmed('SlowDown: 7')).toBe('SlowDown: 7');
    expect(trimmed('> 2025-01-01')).toBe('> 2025-01-01 ERROR SlowDown: Please reduce your request rate');
    expect(trimmed('5xxErrors:')).toBe('5xxErrors: last 3, min 1, max 5 over 3 points');
  });

  it('names the bottleneck with its evidence, the remediation with its key params, advice and verification', () => {
    expect(text).toContain(
      'Bottlenecks (2)\n' +
        '  ✖ S3 throttling\n      ✖ S3 5xx errors: 1,234\n' +
        '  ▲ Memory pressure\n      Batches are too large.\n      ▲ Memory: 1.5 GiB\n\n',
    );
    expect(text).toContain(
      '  1. Halve the Sentinel batch size\n' +
        '     kubernetes.configmap.set configMap=connector-config key=config.yaml path=sentinel.batch_size value=500 restart=Deployment/connector',
    );
    expect(text).toContain(
      'Advice\n  • Back off on S3\n    Retry with exponential backoff.\n    Cap at 30 s.',
    );
    expect(text).toContain('Verify after a fix (wait 10m)\n  • No new throttling');
  });

  it('says what to set when nothing could be measured', () => {
    const skipped = checks.map(
      (c): CheckResult => ({
        ...c,
        status: 'skipped',
        value: undefined,
        summary:
          c.checkId === 'ingest' ? 'skipped: set AZURE_MONITOR_METRICS_ENDPOINT' : 'skipped: set KUBECONFIG',
      }),
    );
    const out = renderReportText(
      buildReport(playbook, { ...run, checks: skipped, diagnosis: decide(playbook, skipped) }),
    );
    expect(out).toContain(
      'Nothing was measured — no back end is configured: set KUBECONFIG, AZURE_MONITOR_METRICS_ENDPOINT',
    );
    expect(out).not.toContain('Proposed remediations');
  });

  it('says so when every measured check is fine', () => {
    const fine = checks.filter((c) => c.status === 'ok');
    const out = renderReportText(
      buildReport(playbook, { ...run, checks: fine, diagnosis: decide(playbook, fine) }),
    );
    expect(out).toContain('No bottleneck found: every measured check is within its thresholds');
  });
});

describe('renderProgressLine', () => {
  it('shows the position, the mark, the title and how long it took', () => {
    expect(renderProgressLine(checks[2] as CheckResult, 3, 12)).toBe('[ 3/12] ✖ S3 5xx errors (12ms)');
    expect(renderProgressLine(checks[4] as CheckResult, 10, 12)).toBe('[10/12] – Throttling in logs');
  });
});
