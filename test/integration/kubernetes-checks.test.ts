// Every Kubernetes check kind, run through the real adapter (@kubernetes/client-node) against the
// HTTP-level fake API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import {
  createKubernetesClient,
  type KubernetesPort,
  kubernetesChecks,
} from '../../src/integrations/kubernetes/index.js';
import { checkContext } from '../fakes/kubernetes/contexts.js';
import {
  deployment,
  endpoints,
  type FakeKubernetes,
  hpa,
  pod,
  podMetrics,
  service,
  startFakeKubernetes,
} from '../fakes/kubernetes.js';

const NS = 'data-processing';
const norm = { app: 'normalization-service' };
let fake: FakeKubernetes;
let port: KubernetesPort;

beforeAll(async () => {
  fake = await startFakeKubernetes();
  port = createKubernetesClient(fake.kubeConfig());
  const app = (limits: { cpu?: string; memory?: string }) => [
    { name: 'app', requests: { cpu: '250m', memory: '256Mi' }, limits },
  ];
  for (const obj of [
    deployment({ namespace: NS, name: 'normalization-service', replicas: 3, labels: norm }),
    pod({ namespace: NS, name: 'norm-a', labels: norm, containers: app({ cpu: '1', memory: '1Gi' }) }),
    pod({
      namespace: NS,
      name: 'norm-b',
      labels: norm,
      containers: app({ cpu: '500m', memory: '512Mi' }),
      statuses: [{ name: 'app', restartCount: 4, lastTerminatedReason: 'OOMKilled' }],
    }),
    pod({
      namespace: NS,
      name: 'norm-c',
      labels: norm,
      containers: app({}),
      statuses: [{ name: 'app', restartCount: 1, waitingReason: 'CrashLoopBackOff', ready: false }],
      ready: false,
    }),
    // Quantities in the suffixes metrics-server really uses: nanocores and Ki.
    podMetrics({
      namespace: NS,
      name: 'norm-a',
      labels: norm,
      containers: [{ name: 'app', cpu: '900000000n', memory: '262144Ki' }],
    }),
    podMetrics({
      namespace: NS,
      name: 'norm-b',
      labels: norm,
      containers: [{ name: 'app', cpu: '250m', memory: '471859200000m' }],
    }),
    podMetrics({
      namespace: NS,
      name: 'norm-c',
      labels: norm,
      containers: [{ name: 'app', cpu: '5n', memory: '1Mi' }],
    }),
    pod({ namespace: NS, name: 'enrich-a', labels: { app: 'enrichment' }, containers: [{ name: 'app' }] }),
    hpa({
      namespace: NS,
      name: 'normalization-service',
      target: { kind: 'Deployment', name: 'normalization-service' },
      max: 6,
      current: 6,
      desired: 8,
      cpuCurrent: 95,
    }),
    hpa({
      namespace: NS,
      name: 'enrichment',
      target: { kind: 'Deployment', name: 'enrichment' },
      max: 10,
      current: 3,
    }),
    service({ namespace: NS, name: 'clickhouse', selector: { app: 'clickhouse' } }),
    endpoints({ namespace: NS, name: 'clickhouse', ready: ['10.0.0.5'] }),
    service({ namespace: NS, name: 'postgresql', selector: { app: 'postgresql' } }),
    endpoints({ namespace: NS, name: 'postgresql', notReady: ['10.0.0.9'] }),
    service({ namespace: NS, name: 'redis', selector: { app: 'redis' } }),
    service({ namespace: NS, name: 'external-db', type: 'ExternalName' }),
  ]) {
    fake.state.put(obj);
  }
});
afterAll(async () => {
  await fake.close();
});

describe('kubernetes.pod-resources', () => {
  it('reports the worst pod as a ratio of its limit, parsing metrics-server quantities', async () => {
    const ctx = checkContext('kubernetes.pod-resources', { resource: 'memory', selector: norm });
    const m = await kubernetesChecks['kubernetes.pod-resources'].run(ctx, port);
    // norm-b: 471859200000m bytes = 450Mi of a 512Mi limit.
    expect(m.value).toBeCloseTo(450 / 512, 5);
    expect(m.summary).toContain('worst pod norm-b');
    expect(m.summary).toContain('450Mi of 512Mi');
    expect(m.summary).toContain('1 pod(s) without a memory limit: norm-c');
    expect(m.evidence?.rows?.map((r) => r.pod)).toEqual(['norm-b', 'norm-a']);
    expect(m.evidence?.rows?.[1]).toMatchObject({ usage: '256Mi', limit: '1Gi', ratio: 0.25 });
  });

  it('measures CPU against requests when asked', async () => {
    const ctx = checkContext(
      'kubernetes.pod-resources',
      { resource: 'cpu', against: 'requests' },
      { selector: norm },
    );
    const m = await kubernetesChecks['kubernetes.pod-resources'].run(ctx, port);
    expect(m.value).toBeCloseTo(0.9 / 0.25, 5);
    expect(m.summary).toContain('worst pod norm-a');
    expect(m.evidence?.rows?.at(-1)).toMatchObject({ pod: 'norm-c', usage: '5n', request: '250m' });
  });

  it('sends the selector to both the pods list and metrics.k8s.io', async () => {
    const before = fake.calls.length;
    await kubernetesChecks['kubernetes.pod-resources'].run(
      checkContext('kubernetes.pod-resources', { resource: 'cpu', selector: norm }),
      port,
    );
    const mine = fake.calls.slice(before);
    expect(mine.map((c) => c.path).sort()).toEqual([
      `/api/v1/namespaces/${NS}/pods`,
      `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`,
    ]);
    for (const c of mine) expect(c.query.labelSelector).toBe('app=normalization-service');
  });

  it('reports no data when metrics.k8s.io is not served', async () => {
    fake.failNext({
      path: '/apis/metrics.k8s.io/',
      status: 404,
      message: 'the server could not find the requested resource',
    });
    const ctx = checkContext('kubernetes.pod-resources', { resource: 'cpu', selector: norm });
    const m = await kubernetesChecks['kubernetes.pod-resources'].run(ctx, port);
    expect(m.value).toBeUndefined();
    expect(m.summary).toContain('metrics-server');
  });

  it('has no value when no pod has the bound', async () => {
    const ctx = checkContext('kubernetes.pod-resources', {
      resource: 'cpu',
      selector: { app: 'enrichment' },
    });
    const m = await kubernetesChecks['kubernetes.pod-resources'].run(ctx, port);
    expect(m.value).toBeUndefined();
    expect(m.summary).toContain('without a cpu limit: enrich-a');
  });
});

describe('kubernetes.pod-health', () => {
  const run = (measure: string) =>
    kubernetesChecks['kubernetes.pod-health'].run(
      checkContext('kubernetes.pod-health', { measure }, { selector: norm }),
      port,
    );

  it('sums restarts', async () => {
    const m = await run('restarts');
    expect(m.value).toBe(5);
    expect(m.evidence?.rows?.[0]).toMatchObject({ pod: 'norm-b', restarts: 4, last: 'OOMKilled' });
  });

  it('counts OOMKilled containers and is critical whatever the thresholds', async () => {
    const m = await run('oomkilled');
    expect(m.value).toBe(1);
    expect(m.status).toBe('critical');
    expect(m.summary).toContain('norm-b/app');
  });

  it('counts not-ready pods with their reason', async () => {
    const m = await run('not-ready');
    expect(m.value).toBe(1);
    expect(m.summary).toContain('norm-c (CrashLoopBackOff)');
  });

  it('reports no data, not health, when nothing matches', async () => {
    const ctx = checkContext('kubernetes.pod-health', { measure: 'oomkilled', selector: { app: 'nope' } });
    const m = await kubernetesChecks['kubernetes.pod-health'].run(ctx, port);
    expect(m.value).toBeUndefined();
    expect(m.summary).toContain('no pods match app=nope');
  });
});

describe('kubernetes.hpa', () => {
  it('counts HPAs at maxReplicas', async () => {
    const m = await kubernetesChecks['kubernetes.hpa'].run(checkContext('kubernetes.hpa', {}), port);
    expect(m.value).toBe(1);
    expect(m.evidence?.rows?.[0]).toMatchObject({
      hpa: 'normalization-service',
      atMax: true,
      metrics: 'cpu 95%/70%',
    });
    expect(m.summary).toContain('normalization-service (6/6)');
  });

  it('gives the named HPA current/max', async () => {
    const m = await kubernetesChecks['kubernetes.hpa'].run(
      checkContext('kubernetes.hpa', { name: 'enrichment' }),
      port,
    );
    expect(m.value).toBeCloseTo(0.3);
  });
});

describe('kubernetes.endpoints', () => {
  it('counts services with zero ready addresses, skipping ExternalName', async () => {
    const m = await kubernetesChecks['kubernetes.endpoints'].run(
      checkContext('kubernetes.endpoints', {}),
      port,
    );
    expect(m.value).toBe(2);
    expect(m.summary).toContain('postgresql (1 not ready)');
    expect(m.evidence?.rows?.map((r) => r.service)).toEqual(['postgresql', 'redis', 'clickhouse']);
  });

  it('checks only the named service', async () => {
    const ctx = checkContext('kubernetes.endpoints', { service: 'clickhouse' });
    const m = await kubernetesChecks['kubernetes.endpoints'].run(ctx, port);
    expect(m.value).toBe(0);
  });
});

describe('name validation', () => {
  it('refuses an invalid namespace before any HTTP call', async () => {
    const before = fake.calls.length;
    const ctx = checkContext('kubernetes.hpa', {}, { namespace: 'Data_Processing/../x' });
    const err = await kubernetesChecks['kubernetes.hpa'].run(ctx, port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe('namespace');
    expect(fake.calls.length).toBe(before);
  });

  it('refuses a bad label value before any HTTP call', async () => {
    const before = fake.calls.length;
    const ctx = checkContext('kubernetes.pod-health', {
      measure: 'restarts',
      selector: { app: 'x,tier!=y' },
    });
    const err = await kubernetesChecks['kubernetes.pod-health'].run(ctx, port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe('selector.app');
    expect(fake.calls.length).toBe(before);
  });
});
