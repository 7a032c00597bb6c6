// kubernetes.scale, kubernetes.restart and kubernetes.resources through the real adapter against
// the fake API server: previews, guard rails, idempotent re-execution, rollout waits.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { GuardViolationError, InvalidInputError, TimeoutError } from '../../src/errors.js';
import {
  createKubernetesClient,
  type KubernetesPort,
  kubernetesActions,
  RESTART_ID,
  RESTARTED_AT,
} from '../../src/integrations/kubernetes/index.js';
import { actionContext, NOW } from '../fakes/kubernetes/contexts.js';
import { deployment, type FakeKubernetes, startFakeKubernetes, statefulSet } from '../fakes/kubernetes.js';

const NS = 'data-processing';
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/normalization-service`;
const norm = { kind: 'Deployment', name: 'normalization-service' } as const;
let fake: FakeKubernetes;
let port: KubernetesPort;

beforeEach(async () => {
  await fake?.close();
  fake = await startFakeKubernetes({ rolloutPolls: 2 });
  port = createKubernetesClient(fake.kubeConfig());
  fake.state.put(
    deployment({
      namespace: NS,
      name: 'normalization-service',
      replicas: 2,
      containers: [
        { name: 'app', requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        { name: 'metrics-sidecar', limits: { cpu: '100m' } },
      ],
    }),
  );
  fake.state.put(statefulSet({ namespace: NS, name: 'clickhouse', replicas: 1 }));
});
afterAll(async () => {
  await fake.close();
});

describe('kubernetes.scale', () => {
  const scale = kubernetesActions['kubernetes.scale'];

  it('plans `by` as absolute replicas with a preview', async () => {
    const plan = await scale.plan(actionContext('kubernetes.scale', { workload: norm, by: 2, max: 6 }), port);
    expect(plan.preview).toBe('Deployment/normalization-service replicas 2 → 4');
    expect(plan.params).toMatchObject({ replicas: 4, min: 1, max: 6 });
    expect(plan.params.by).toBeUndefined();
    expect(plan.noop).toBe(false);
  });

  it('refuses to plan past the guard rails', async () => {
    const ctx = actionContext('kubernetes.scale', { workload: norm, by: 5, max: 6 });
    await expect(scale.plan(ctx, port)).rejects.toBeInstanceOf(GuardViolationError);
    expect(fake.callsTo('PATCH', '/')).toHaveLength(0);
  });

  it('is a noop when already at the target', async () => {
    const plan = await scale.plan(
      actionContext('kubernetes.scale', { workload: norm, replicas: 2, max: 6 }),
      port,
    );
    expect(plan.noop).toBe(true);
  });

  it('executes once with a merge patch on the scale subresource, then finds it done', async () => {
    const ctx = actionContext('kubernetes.scale', { workload: norm, replicas: 4, max: 6 });
    const first = await scale.execute(ctx, port, 'p-1');
    const again = await scale.execute(ctx, port, 'p-1');
    expect(first).toMatchObject({
      changed: true,
      summary: 'Deployment/normalization-service replicas 2 → 4',
    });
    expect(again.changed).toBe(false);
    const patches = fake.callsTo('PATCH', '/');
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      path: `${DEPLOY}/scale`,
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 4 } },
    });
    const stored = fake.state.get('Deployment', NS, 'normalization-service');
    expect(stored?.spec.replicas).toBe(4);
    expect(stored?.metadata.generation).toBe(2);
  });

  it('scales a StatefulSet and waits for its rollout', async () => {
    const ref = { kind: 'StatefulSet', name: 'clickhouse' };
    const ctx = actionContext('kubernetes.scale', { workload: ref, replicas: 3, max: 3 });
    await scale.execute(ctx, port, 'p-2');
    const line = await scale.waitForRollout?.(ctx, port);
    expect(line).toBe('StatefulSet/clickhouse rolled out: 3/3 updated, 3/3 ready');
    // Two polls saw the rollout in progress, the third saw it done.
    expect(
      fake
        .callsTo('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/clickhouse`)
        .filter((c) => !c.path.endsWith('/scale')),
    ).toHaveLength(3);
  });

  it('will not execute an unresolved `by`', async () => {
    const ctx = actionContext('kubernetes.scale', { workload: norm, by: 1, max: 6 });
    await expect(scale.execute(ctx, port, 'p-3')).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses an invalid workload name before any HTTP call', async () => {
    const ctx = actionContext('kubernetes.scale', { workload: norm, replicas: 3, max: 6 });
    ctx.params.workload = { kind: 'Deployment', name: '../secrets' };
    const err = await scale.plan(ctx, port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe('workload.name');
    expect(fake.calls).toHaveLength(0);
  });
});

describe('kubernetes.restart', () => {
  const restart = kubernetesActions['kubernetes.restart'];

  it('patches restartedAt and the proposal ID once, strategic-merge', async () => {
    const ctx = actionContext('kubernetes.restart', { workload: norm });
    const plan = await restart.plan(ctx, port);
    expect(plan.preview).toContain('rollout restart Deployment/normalization-service');
    const first = await restart.execute(ctx, port, 'prop-42');
    const again = await restart.execute(ctx, port, 'prop-42');
    expect(first.changed).toBe(true);
    expect(again.changed).toBe(false);
    const patches = fake.callsTo('PATCH', DEPLOY);
    expect(patches).toHaveLength(1);
    expect(patches[0]?.contentType).toBe('application/strategic-merge-patch+json');
    const stored = fake.state.get('Deployment', NS, 'normalization-service');
    expect(stored?.spec.template.metadata.annotations).toEqual({
      [RESTARTED_AT]: NOW.toISOString(),
      [RESTART_ID]: 'prop-42',
    });
    expect(stored?.spec.template.spec.containers).toHaveLength(2);
    expect(await restart.waitForRollout?.(ctx, port)).toBe(
      'Deployment/normalization-service rolled out: 2/2 updated, 2/2 ready',
    );
  });

  it('restarts again for a different proposal', async () => {
    const ctx = actionContext('kubernetes.restart', { workload: norm });
    await restart.execute(ctx, port, 'prop-1');
    const second = await restart.execute(ctx, port, 'prop-2');
    expect(second.changed).toBe(true);
    expect(fake.callsTo('PATCH', DEPLOY)).toHaveLength(2);
  });

  it('gives up waiting on a stuck rollout when the signal aborts, saying where it stuck', async () => {
    fake.state.stallRollout('Deployment', NS, 'normalization-service');
    const controller = new AbortController();
    const ctx = actionContext('kubernetes.restart', { workload: norm }, { signal: controller.signal });
    await restart.execute(ctx, port, 'prop-9');
    const waiting = restart.waitForRollout?.(ctx, port);
    // Abort once the wait has polled the stuck status at least twice.
    const polls = () => fake.callsTo('GET', DEPLOY).length;
    while (polls() < 2) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const err = await waiting?.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toContain('Deployment/normalization-service: rolling out, 1/2 updated');
  });
});

describe('kubernetes.resources', () => {
  const resources = kubernetesActions['kubernetes.resources'];

  it('previews, patches one container by strategic merge, and is idempotent', async () => {
    const ctx = actionContext('kubernetes.resources', {
      workload: norm,
      container: 'app',
      requests: { memory: '1Gi' },
      limits: { cpu: '2000m', memory: '2Gi' },
    });
    const plan = await resources.plan(ctx, port);
    expect(plan.preview).toBe(
      'Deployment/normalization-service container app: cpu limit 1 → 2000m, memory limit 1Gi → 2Gi, memory request 512Mi → 1Gi',
    );
    expect((await resources.execute(ctx, port, 'r-1')).changed).toBe(true);
    expect((await resources.execute(ctx, port, 'r-1')).changed).toBe(false);
    const patches = fake.callsTo('PATCH', DEPLOY);
    expect(patches).toHaveLength(1);
    expect(patches[0]?.contentType).toBe('application/strategic-merge-patch+json');
    const containers = fake.state.get('Deployment', NS, 'normalization-service')?.spec.template.spec
      .containers;
    expect(containers[0].resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '2000m', memory: '2Gi' },
    });
    expect(containers[1]).toMatchObject({ name: 'metrics-sidecar', resources: { limits: { cpu: '100m' } } });
  });

  it('treats equal quantities as no change', async () => {
    const ctx = actionContext('kubernetes.resources', {
      workload: norm,
      container: 'app',
      limits: { cpu: '1000m' },
    });
    expect((await resources.plan(ctx, port)).noop).toBe(true);
  });

  it('refuses a request above the limit', async () => {
    const ctx = actionContext('kubernetes.resources', {
      workload: norm,
      container: 'app',
      requests: { cpu: '1500m' },
    });
    await expect(resources.plan(ctx, port)).rejects.toBeInstanceOf(GuardViolationError);
  });

  it('names an unknown container', async () => {
    const ctx = actionContext('kubernetes.resources', {
      workload: norm,
      container: 'nope',
      limits: { cpu: '2' },
    });
    await expect(resources.plan(ctx, port)).rejects.toThrow(/no container nope \(app, metrics-sidecar\)/);
  });
});
