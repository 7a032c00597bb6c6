import { describe, expect, it } from 'vitest';
import { buildReport, type Finding } from '../../src/chat/report.js';
import { renderProgressLine, renderReportText } from '../../src/chat/text.js';
import { decide } from '../../src/diagnostics/decide.js';
import type { DiagnosisRun } from '../../src/diagnostics/engine.js';
import type { CheckResult } from '../../src/diagnostics/types.js';
import { Playbook } from '../../src/playbooks/schema.js';

const q = (id: string, title: string) => ({
  id,
  kind: 'prometheus.query',
  title,
  params: { query: 'x' },
});

const REMEDIATION = {
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
};

/** Slow processing → S3 throttling, and (in `twoFindings`) memory pressure beside it. */
function playbookWith(memoryNode: boolean) {
  return Playbook.parse({
    id: 'sentinel-connector',
    title: 'S3 to Sentinel connector',
    target: { namespace: 'sentinel' },
    checks: [
      q('p95', 'P95 latency'),
      q('batch', 'Batch time'),
      q('mem', 'Memory'),
      q('s3-5xx', 'S3 5xx errors'),
      q('hit', 'Cache hit rate'),
      q('logs', 'Throttling in logs'),
      q('ingest', 'Sentinel ingestion'),
    ],
    remediations: [REMEDIATION],
    advice: [
      {
        id: 'backoff',
        title: 'Back off on S3',
        text: 'Retry with exponential backoff:\n  1. start at 1 s\n     and double\nCap at 30 s.\n',
      },
    ],
    decision: [
      {
        id: 'slow',
        when: { check: 'batch' },
        bottleneck: 'Slow processing',
        branches: [
          {
            id: 's3',
            when: { check: 's3-5xx' },
            bottleneck: 'S3 throttling',
            summary: 'S3 answers SlowDown.',
            remediations: ['smaller-batches'],
            advice: ['backoff'],
          },
        ],
      },
      ...(memoryNode
        ? [
            {
              id: 'memory',
              when: { check: 'mem' },
              bottleneck: 'Memory pressure',
              summary: 'Batches are too large.',
            },
          ]
        : []),
    ],
    verification: { after: '10m', items: ['No new throttling'] },
  });
}

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
    checkId: 'batch',
    title: 'Batch time',
    status: 'warn',
    value: 12,
    unit: 's',
    thresholds: { direction: 'above', warn: 5, critical: 30 },
    summary: 'Batch time 12 s (warn > 5 s, critical > 30 s) — P95 batch time 12 s',
    detail: 'P95 batch time 12 s',
    evidence: { rows: [{ job: 'connector', value: 12 }], counts: { series: 1 } },
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

function report(memoryNode: boolean, results: CheckResult[] = checks) {
  const playbook = playbookWith(memoryNode);
  const run: DiagnosisRun = {
    playbookId: playbook.id,
    namespace: 'sentinel',
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:00:01.5Z'),
    durationMs: 1500,
    checks: results,
    diagnosis: decide(playbook, results),
  };
  return buildReport(playbook, run);
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('buildReport', () => {
  const r = report(true);

  it('summarises counts, the worst status and the variables to set', () => {
    expect(r.counts).toEqual({ ok: 2, warn: 2, critical: 1, unknown: 0, skipped: 1, error: 1 });
    expect(r.status).toBe('critical');
    expect(r.unconfigured).toEqual(['KUBECONFIG']);
    expect(r.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(r.verification).toEqual({ after: '10m', items: ['No new throttling'] });
  });

  it('names each bottleneck as its path down the decision tree, with the evidence top first', () => {
    expect(r.findings).toEqual([
      {
        id: 's3',
        path: ['Slow processing', 'S3 throttling'],
        evidenceChecks: ['batch', 's3-5xx'],
        note: 'S3 answers SlowDown.',
      },
      { id: 'memory', path: ['Memory pressure'], evidenceChecks: ['mem'], note: 'Batches are too large.' },
    ]);
  });

  it('is plain data that survives JSON', () => {
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('is "skipped", never "ok", when nothing was measured', () => {
    const skipped = checks.map((c): CheckResult => ({ ...c, status: 'skipped', value: undefined }));
    expect(report(true, skipped).status).toBe('skipped');
  });
});

describe('renderReportText, verdict first', () => {
  const text = renderReportText(report(false), { moreHint: '--verbose lists them' });
  const lines = text.split('\n');

  it('starts with the bottleneck as a path, then playbook, namespace, duration and counts', () => {
    expect(lines[0]).toBe('✖ Bottleneck: Slow processing → S3 throttling');
    expect(lines[1]).toBe(
      '  S3 to Sentinel connector (sentinel-connector) · namespace sentinel · 7 checks in 2s: 1 critical · 2 warn · 1 error · 2 ok · 1 skipped',
    );
  });

  it('then the evidence that decided it, each value once with its unit and thresholds', () => {
    expect(text).toContain(
      '  S3 answers SlowDown.\nEvidence\n' +
        '  ▲ Batch time     12 s (warn > 5 s, critical > 30 s)\n' +
        '      job=connector\n' +
        '  ✖ S3 5xx errors  1,234 (warn > 10, critical > 100)\n' +
        '      SlowDown: 7\n' +
        '      > 2025-01-01 ERROR SlowDown: Please reduce your request rate\n' +
        '      5xxErrors: 1 → 3, min 1, max 5 over 3 points\n',
    );
    // The integration's line that only restates the value is left out.
    expect(text).not.toContain('P95 batch time');
    expect(count(text, '12 s')).toBe(1);
    expect(count(text, '1,234')).toBe(1);
    expect(count(text, '1.5 GiB')).toBe(1);
  });

  it('then the fixes, what else is out of range, advice with its own indentation, verification', () => {
    expect(text).toContain(
      'Proposed fixes (each runs only after approval)\n' +
        '  1. Halve the Sentinel batch size\n' +
        '     kubernetes.configmap.set configMap=connector-config key=config.yaml path=sentinel.batch_size value=500 restart=Deployment/connector',
    );
    expect(text).toContain(
      'Also out of range\n  ▲ Memory  1.5 GiB (warn > 1 GiB, critical > 2 GiB)\n      worst pod connector-7f9\n      pod=connector-7f9 bytes=1610612736',
    );
    expect(text).toContain(
      'Advice\n  • Back off on S3\n    Retry with exponential backoff:\n      1. start at 1 s\n         and double\n    Cap at 30 s.',
    );
    expect(text).toContain('Verify after a fix (wait 10m)\n  • No new throttling');
    const order = [
      'Evidence',
      'Proposed fixes',
      'Also out of range',
      'Advice',
      'Verify after',
      'other checks',
    ];
    const at = order.map((s) => text.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('collapses the rest into a count, listed with --verbose', () => {
    expect(text).toContain('4 other checks: 1 error · 2 ok · 1 skipped — --verbose lists them');
    expect(text).toContain('To measure, set KUBECONFIG (1 check)');
    expect(text).not.toContain('P95 latency');
    expect(text).not.toContain('quiet-sample');
    const verbose = renderReportText(report(false), { verbose: true });
    expect(verbose).not.toContain('--verbose');
    expect(verbose).toMatch(/! Sentinel ingestion\s+error: timed out after 10s/);
    expect(verbose).toMatch(/✔ P95 latency\s+42 ms \(warn > 100 ms, critical > 500 ms\)/);
    expect(verbose).toMatch(/✔ Cache hit rate\s+91% \(warn < 90%\)/);
    expect(verbose).toMatch(/– Throttling in logs\s+skipped: set KUBECONFIG/);
    expect(count(verbose, '42 ms')).toBe(1);
  });

  it('has no Slack syntax', () => {
    expect(text).not.toMatch(/:[a-z_]+:|<[@!h]|\*[A-Z]/);
  });

  it('lists several bottlenecks each with its path', () => {
    const two = renderReportText(report(true)).split('\n');
    expect(two[0]).toBe('✖ 2 bottlenecks: S3 throttling; Memory pressure');
    expect(two).toContain('  ✖ Slow processing → S3 throttling');
    expect(two).toContain('  ▲ Memory pressure');
    expect(two).toContain('      Batches are too large.');
    expect(two.join('\n')).not.toContain('Also out of range');
  });

  it('prints a check that decided two bottlenecks once, and refers to it the second time', () => {
    const r = report(true);
    const [first, second] = r.findings ?? [];
    const shared = renderReportText({
      ...r,
      findings: [first as Finding, { ...(second as Finding), evidenceChecks: ['mem', 'batch'] }],
    });
    expect(count(shared, '12 s (warn > 5 s, critical > 30 s)')).toBe(1);
    expect(shared).toContain('      also: Batch time (above)');
  });
});

describe('renderReportText, honest when there is no bottleneck', () => {
  it('says nothing was measured, and what to set, when every check was skipped', () => {
    const skipped = checks.map(
      (c): CheckResult => ({
        ...c,
        status: 'skipped',
        value: undefined,
        summary:
          c.checkId === 'ingest' ? 'skipped: set AZURE_MONITOR_METRICS_ENDPOINT' : 'skipped: set KUBECONFIG',
      }),
    );
    const out = renderReportText(report(false, skipped));
    expect(out.split('\n')[0]).toBe('– Nothing was measured: all 7 checks skipped');
    expect(out).toContain('To measure, set KUBECONFIG (6 checks), AZURE_MONITOR_METRICS_ENDPOINT (1 check)');
    for (const absent of ['No bottleneck', '✔', 'Proposed fixes', 'Advice', 'Verify after'])
      expect(out).not.toContain(absent);
  });

  it('says nothing was measured when every check failed', () => {
    const failed = checks
      .slice(0, 2)
      .map((c): CheckResult => ({ ...c, status: 'error', value: undefined, summary: 'error: refused' }));
    expect(renderReportText(report(false, failed)).split('\n')[0]).toBe(
      '! Nothing was measured: of 2 checks, 2 failed',
    );
  });

  it('says no bottleneck only about what was measured', () => {
    const fine = checks.filter((c) => c.status === 'ok');
    expect(renderReportText(report(false, fine)).split('\n')[0]).toBe(
      '✔ No bottleneck: all 2 checks within their thresholds',
    );
    const some = checks.filter((c) => c.status === 'ok' || c.status === 'skipped');
    expect(renderReportText(report(false, some)).split('\n')[0]).toBe(
      '✔ No bottleneck: 2 of 3 checks measured, all within their thresholds',
    );
  });

  it('names checks out of range that no branch of the tree explains', () => {
    const unexplained = checks.filter((c) => c.checkId !== 'batch');
    const out = renderReportText(report(false, unexplained));
    expect(out.split('\n')[0]).toBe(
      '✖ No bottleneck named by the decision tree, but 2 checks are out of range',
    );
    expect(out).toContain('Also out of range\n  ✖ S3 5xx errors');
  });
});

describe('renderProgressLine', () => {
  it('shows the position, the mark, the title and how long it took', () => {
    expect(renderProgressLine(checks[3] as CheckResult, 3, 12)).toBe('[ 3/12] ✖ S3 5xx errors (12ms)');
    expect(renderProgressLine(checks[5] as CheckResult, 10, 12)).toBe('[10/12] – Throttling in logs');
  });
});
