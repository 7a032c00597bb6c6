// Guardrail fields and namespace bounds in the playbook format: defaults, validation with line
// numbers, and the pure checks built on them.
import { describe, expect, it } from 'vitest';
import { parsePlaybookText } from '../../src/playbooks/loader.js';
import { allowedNamespace, playbookNamespaces } from '../../src/playbooks/namespaces.js';
import { Playbook, Remediation } from '../../src/playbooks/schema.js';
import {
  boundsViolations,
  cooldownReason,
  describeTarget,
  targetsOf,
} from '../../src/remediation/guardrails.js';

const base = {
  id: 'pb',
  title: 'PB',
  target: { namespace: 'data-processing' },
  checks: [{ id: 'q', kind: 'prometheus.query', title: 'Q', params: { query: 'up' } }],
};

describe('guardrail fields', () => {
  it('every remediation gets the defaults', () => {
    const r = Remediation.parse({ id: 'r', title: 'R', action: 'kubernetes.restart', params: {} });
    expect(r.guardrails).toEqual({
      cooldown: '30m',
      maxChangesPerIncident: 3,
      bounds: { replicas: { min: 1, max: 20 }, cpu: '8', memory: '16Gi', batchSize: { min: 1, max: 10_000 } },
    });
  });

  it('a playbook overrides what it names and keeps the other defaults', () => {
    const r = Remediation.parse({
      id: 'r',
      title: 'R',
      action: 'kubernetes.scale',
      params: {},
      guardrails: { cooldown: '0s', bounds: { replicas: { max: 40 }, value: { max: 10 } } },
    });
    expect(r.guardrails).toMatchObject({
      cooldown: '0s',
      maxChangesPerIncident: 3,
      bounds: { replicas: { min: 1, max: 40 }, cpu: '8', value: { max: 10 } },
    });
  });

  it('bad guardrails are reported on their line, all at once', () => {
    const text = `id: pb
title: PB
target: { namespace: data-processing }
checks: [{ id: q, kind: prometheus.query, title: Q, params: { query: up } }]
remediations:
  - id: r
    title: R
    action: kubernetes.restart
    params: { workload: { kind: Deployment, name: x } }
    guardrails:
      cooldown: soon
      maxChangesPerIncident: 0
      bounds: { replicas: { min: 5, max: 2 }, cpu: lots, typo: 1 }
`;
    const { problems } = parsePlaybookText(text, 'pb.yml');
    expect(problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '11: remediations.0.guardrails.cooldown: expected a duration such as 30s or 5m',
      '12: remediations.0.guardrails.maxChangesPerIncident: Too small: expected number to be >=1',
      '13: remediations.0.guardrails.bounds.replicas: min must not exceed max',
      '13: remediations.0.guardrails.bounds.cpu: expected a Kubernetes quantity',
      '13: remediations.0.guardrails.bounds: Unrecognized key: "typo"',
    ]);
  });
});

describe('namespace bounds', () => {
  it('default to the target namespace', () => {
    const pb = Playbook.parse(base);
    expect(playbookNamespaces(pb)).toEqual(['data-processing']);
    expect(allowedNamespace(pb)).toEqual({ ok: true, namespace: 'data-processing' });
    expect(allowedNamespace(pb, 'kube-system')).toEqual({
      ok: false,
      namespace: 'kube-system',
      reason:
        'namespace "kube-system" is outside playbook pb\'s namespaces (data-processing): perfbot neither diagnoses nor changes anything there',
    });
  });

  it('a listed namespace is allowed; the list must contain the target namespace', () => {
    const pb = Playbook.parse({ ...base, namespaces: ['data-processing', 'data-staging'] });
    expect(allowedNamespace(pb, 'data-staging').ok).toBe(true);
    const text = `id: pb
title: PB
target: { namespace: data-processing }
namespaces: [data-staging, Bad_NS]
checks: [{ id: q, kind: prometheus.query, title: Q, params: { query: up } }]
`;
    expect(parsePlaybookText(text, 'pb.yml').problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '4: namespaces.1: expected a DNS-1123 label (a Kubernetes namespace)',
    ]);
    const missing = parsePlaybookText(text.replace(', Bad_NS', ''), 'pb.yml').problems;
    expect(missing.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '4: namespaces must include target.namespace "data-processing" (the namespace the playbook diagnoses by default)',
    ]);
  });

  it('a long requested name is cut in the message', () => {
    const r = allowedNamespace(Playbook.parse(base), 'x'.repeat(300));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeLessThan(220);
  });
});

describe('guardrail checks', () => {
  const bounds = Remediation.parse({ id: 'r', title: 'R', action: 'kubernetes.restart', params: {} })
    .guardrails.bounds;

  it('targets: the workload, or the ConfigMap and the workload it restarts, or the topic', () => {
    const w = { kind: 'Deployment', name: 'enrichment' };
    expect(targetsOf('kubernetes.scale', { workload: w }, 'ns')).toEqual(['ns/Deployment/enrichment']);
    expect(targetsOf('kubernetes.configmap.set', { configMap: 'cfg', restart: w }, 'ns')).toEqual([
      'ns/ConfigMap/cfg',
      'ns/Deployment/enrichment',
    ]);
    expect(targetsOf('kafka.partitions', { topic: 'market-data' }, 'ns')).toEqual([
      'kafka/topic/market-data',
    ]);
    expect(describeTarget('ns/Deployment/enrichment')).toBe('Deployment/enrichment in ns');
    expect(describeTarget('kafka/topic/market-data')).toBe('topic market-data');
  });

  it('bounds compare quantities by value and batch sizes by key path', () => {
    expect(
      boundsViolations('kubernetes.resources', { limits: { cpu: '8000m', memory: '16Gi' } }, bounds),
    ).toEqual([]);
    expect(boundsViolations('kubernetes.resources', { requests: { cpu: '8001m' } }, bounds)).toEqual([
      { guardrail: 'bounds', reason: 'bounds: cpu request 8001m is above the ceiling 8' },
    ]);
    expect(boundsViolations('kubernetes.configmap.set', { path: 'aws.batchSize', value: 0 }, bounds)).toEqual(
      [{ guardrail: 'bounds', reason: 'bounds: aws.batchSize 0 is outside the allowed 1..10000' }],
    );
    // Other numeric keys are free unless `bounds.value` is set.
    expect(
      boundsViolations('kubernetes.configmap.set', { path: 'aws.rate_limit', value: 1e9 }, bounds),
    ).toEqual([]);
    expect(
      boundsViolations(
        'kubernetes.configmap.set',
        { path: 'aws.rate_limit', value: 20 },
        { ...bounds, value: { max: 10 } },
      ),
    ).toEqual([{ guardrail: 'bounds', reason: 'bounds: aws.rate_limit 20 is outside the allowed −∞..10' }]);
    expect(boundsViolations('kubernetes.scale', { replicas: 0 }, bounds)).toHaveLength(1);
  });

  it('the cooldown reason says what, when, by which proposal and until when', () => {
    expect(
      cooldownReason({
        target: 'ns/Deployment/x',
        proposal: 'prop-1',
        atMs: Date.parse('2026-01-01T10:00:00Z'),
        cooldownMs: 30 * 60_000,
        nowMs: Date.parse('2026-01-01T10:05:00Z'),
      }),
    ).toBe(
      'cooldown: Deployment/x in ns was changed 5m ago by prop-1 (cooldown 30m, next change from 2026-01-01T10:30:00.000Z); approvers may override with --override-cooldown, which needs one more approval',
    );
  });
});
