// kubernetes.configmap.set through the real adapter against the fake API server: YAML round trip
// keeps comments, JSON keeps its format, optimistic concurrency, restart idempotent by proposal.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InvalidInputError, UpstreamError } from '../../src/errors.js';
import {
  createKubernetesClient,
  type KubernetesPort,
  kubernetesActions,
  RESTART_ID,
} from '../../src/integrations/kubernetes/index.js';
import { actionContext } from '../fakes/kubernetes/contexts.js';
import { configMap, deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';

const NS = 'data-processing';
const CM = `/api/v1/namespaces/${NS}/configmaps/sentinel-connector-config`;
const CONFIG_YAML = `# Sentinel connector settings (owned by the data platform team)
sentinel:
  workspace_id: "abc-123"
  batch_size: 1000 # rows per upload; the runbook's first lever
  # flush at least this often
  flush_interval: 5s
s3:
  bucket: logs-prod
`;
const CONFIG_JSON = '{\n  "sentinel": {\n    "batch_size": 1000,\n    "retries": 3\n  }\n}\n';
const connector = { kind: 'Deployment', name: 'sentinel-connector' } as const;
const setAction = kubernetesActions['kubernetes.configmap.set'];
let fake: FakeKubernetes;
let port: KubernetesPort;

beforeEach(async () => {
  await fake?.close();
  fake = await startFakeKubernetes();
  port = createKubernetesClient(fake.kubeConfig());
  fake.state.put(
    configMap({
      namespace: NS,
      name: 'sentinel-connector-config',
      data: { 'config.yaml': CONFIG_YAML, 'settings.json': CONFIG_JSON, LOG_LEVEL: 'info' },
    }),
  );
  fake.state.put(deployment({ namespace: NS, name: 'sentinel-connector', replicas: 2 }));
});
afterAll(async () => {
  await fake.close();
});

const params = (extra: Record<string, unknown> = {}) => ({
  configMap: 'sentinel-connector-config',
  key: 'config.yaml',
  path: 'sentinel.batch_size',
  value: 500,
  ...extra,
});

describe('kubernetes.configmap.set', () => {
  it('previews the change and writes YAML back with every comment intact', async () => {
    const ctx = actionContext('kubernetes.configmap.set', params());
    const plan = await setAction.plan(ctx, port);
    expect(plan.preview).toBe(
      'ConfigMap sentinel-connector-config (config.yaml): sentinel.batch_size 1000 → 500',
    );
    expect(plan.noop).toBe(false);

    const result = await setAction.execute(ctx, port, 'prop-1');
    expect(result.changed).toBe(true);
    const patches = fake.callsTo('PATCH', CM);
    expect(patches).toHaveLength(1);
    expect(patches[0]?.contentType).toBe('application/merge-patch+json');
    const data = fake.state.get('ConfigMap', NS, 'sentinel-connector-config')?.data;
    expect(data['config.yaml']).toBe(CONFIG_YAML.replace('batch_size: 1000', 'batch_size: 500'));
    expect(data['settings.json']).toBe(CONFIG_JSON);
    expect(data.LOG_LEVEL).toBe('info');
  });

  it('keeps JSON as JSON with its indentation', async () => {
    const ctx = actionContext('kubernetes.configmap.set', params({ key: 'settings.json' }));
    await setAction.execute(ctx, port, 'prop-1');
    const text = fake.state.get('ConfigMap', NS, 'sentinel-connector-config')?.data['settings.json'];
    expect(text).toBe(CONFIG_JSON.replace('1000', '500'));
  });

  it('restarts the workload once per proposal, even when re-executed', async () => {
    const ctx = actionContext('kubernetes.configmap.set', params({ restart: connector }));
    expect((await setAction.plan(ctx, port)).preview).toContain(
      ', then rollout restart Deployment/sentinel-connector',
    );
    const first = await setAction.execute(ctx, port, 'prop-7');
    const again = await setAction.execute(ctx, port, 'prop-7');
    expect(first.changed).toBe(true);
    expect(again).toMatchObject({ changed: false });
    expect(fake.callsTo('PATCH', CM)).toHaveLength(1);
    expect(
      fake.callsTo('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/sentinel-connector`),
    ).toHaveLength(1);
    const annotations = fake.state.get('Deployment', NS, 'sentinel-connector')?.spec.template.metadata
      .annotations;
    expect(annotations[RESTART_ID]).toBe('prop-7');
    expect(await setAction.waitForRollout?.(ctx, port)).toContain('Deployment/sentinel-connector rolled out');
  });

  it('finishes the restart on a retry after a crash between write and restart', async () => {
    const ctx = actionContext('kubernetes.configmap.set', params({ restart: connector }));
    // First attempt: the value is written, the restart request fails.
    fake.failNext({ method: 'PATCH', path: '/apis/apps/v1/', status: 503 });
    const err = await setAction.execute(ctx, port, 'prop-8').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).retryable).toBe(true);
    const retry = await setAction.execute(ctx, port, 'prop-8');
    expect(retry.changed).toBe(true);
    expect(retry.details).toMatchObject({ restarted: true });
    expect(fake.callsTo('PATCH', CM)).toHaveLength(1);
  });

  it('is a noop when the value is already set', async () => {
    const plan = await setAction.plan(
      actionContext('kubernetes.configmap.set', params({ value: 1000 })),
      port,
    );
    expect(plan.noop).toBe(true);
    expect(plan.preview).toContain('already 1000');
  });

  it('fails with a conflict instead of overwriting a concurrent edit', async () => {
    // Someone edits the ConfigMap between our read and our write.
    const racing: KubernetesPort = {
      ...port,
      async readConfigMap(ns, name, signal) {
        const cm = await port.readConfigMap(ns, name, signal);
        const edited = fake.state.get('ConfigMap', NS, 'sentinel-connector-config');
        if (edited) fake.state.put({ ...edited, data: { ...edited.data, LOG_LEVEL: 'debug' } });
        return cm;
      },
    };
    const err = await setAction
      .execute(actionContext('kubernetes.configmap.set', params()), racing, 'p')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).details).toMatchObject({ status: 409 });
    expect((err as UpstreamError).retryable).toBe(false);
    const data = fake.state.get('ConfigMap', NS, 'sentinel-connector-config')?.data;
    expect(parse(data['config.yaml']).sentinel.batch_size).toBe(1000);
    expect(data.LOG_LEVEL).toBe('debug');
  });

  it('names a missing key or path', async () => {
    const missingKey = actionContext('kubernetes.configmap.set', params({ key: 'nope.yaml' }));
    await expect(setAction.plan(missingKey, port)).rejects.toThrow(/has no key nope.yaml/);
    const missingPath = actionContext('kubernetes.configmap.set', params({ path: 'kafka.batch_size' }));
    const err = await setAction.plan(missingPath, port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe('params.path');
  });
});
