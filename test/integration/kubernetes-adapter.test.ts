// The adapter's error mapping, signal handling and configuration, and the fake API server's own
// wire behaviour (content types, patch flavours, Status bodies) that the other tests rely on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, UpstreamError } from '../../src/errors.js';
import {
  createKubernetesClient,
  createKubernetesClientFromConfig,
  type KubernetesPort,
} from '../../src/integrations/kubernetes/index.js';
import { configMap, deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';

const NS = 'data-processing';
const norm = { kind: 'Deployment', name: 'normalization-service' } as const;
let fake: FakeKubernetes;
let port: KubernetesPort;
let dir: string;

beforeAll(async () => {
  fake = await startFakeKubernetes({ token: 's3cr3t-token' });
  port = createKubernetesClient(fake.kubeConfig());
  fake.state.put(deployment({ namespace: NS, name: 'normalization-service', replicas: 2 }));
  fake.state.put(configMap({ namespace: NS, name: 'app-config', data: { a: '1' } }));
  dir = mkdtempSync(join(tmpdir(), 'perfbot-kube-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('error mapping', () => {
  it('maps 404 to a non-retryable error with the Status message', async () => {
    const err = await port.readWorkload(NS, { kind: 'Deployment', name: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe(ErrorCode.Upstream);
    expect((err as UpstreamError).retryable).toBe(false);
    expect((err as Error).message).toContain('deployments.apps "nope" not found');
  });

  it.each([429, 500, 503])('maps %i to a retryable error', async (status) => {
    fake.failNext({ path: `/apis/apps/v1/namespaces/${NS}/deployments`, status });
    const err = await port.readScale(NS, norm).catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe(ErrorCode.UpstreamRetryable);
    expect((err as UpstreamError).retryable).toBe(true);
  });

  it.each([403, 422])('maps %i to a non-retryable error', async (status) => {
    fake.failNext({
      path: `/apis/apps/v1/namespaces/${NS}/deployments`,
      status,
      message: 'denied by policy',
    });
    const err = await port.patchScale(NS, norm, 3).catch((e: unknown) => e);
    expect((err as UpstreamError).retryable).toBe(false);
    expect((err as Error).message).toContain('denied by policy');
  });

  it('maps a refused connection to a retryable error', async () => {
    const closed = await startFakeKubernetes();
    const kc = closed.kubeConfig();
    await closed.close();
    const err = await createKubernetesClient(kc)
      .listHpas(NS)
      .catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe(ErrorCode.UpstreamRetryable);
  });

  it('rejects with the abort reason when the signal is aborted', async () => {
    const controller = new AbortController();
    const reason = new UpstreamError('deadline', 'check deadline passed', { retryable: true });
    controller.abort(reason);
    await expect(port.listPods(NS, {}, controller.signal)).rejects.toBe(reason);
  });

  it('sends the kubeconfig bearer token (the fake answers 401 to any other)', async () => {
    expect(await port.readScale(NS, norm)).toBe(2);
    const wrong = new KubeConfig();
    wrong.loadFromString(fake.kubeConfig().exportConfig().replace('s3cr3t-token', 'other-token'));
    const err = await createKubernetesClient(wrong)
      .readScale(NS, norm)
      .catch((e: unknown) => e);
    expect((err as UpstreamError).details).toMatchObject({ status: 401 });
    expect((err as UpstreamError).retryable).toBe(false);
  });
});

describe('configuration', () => {
  it('builds the client from a KUBECONFIG file', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, fake.kubeConfig().exportConfig());
    const client = createKubernetesClientFromConfig({ kubeconfig: file, inCluster: false });
    expect(await client?.readScale(NS, norm)).toBe(2);
  });

  it('is absent without KUBECONFIG or in-cluster config', () => {
    expect(createKubernetesClientFromConfig({ kubeconfig: undefined, inCluster: false })).toBeUndefined();
  });

  it('reports an unreadable KUBECONFIG as a configuration error', () => {
    expect(() =>
      createKubernetesClientFromConfig({ kubeconfig: join(dir, 'missing'), inCluster: false }),
    ).toThrow(ConfigError);
  });
});

describe('the fake API server', () => {
  const patch = (path: string, contentType: string, body: unknown) =>
    fetch(`${fake.url}${path}`, {
      method: 'PATCH',
      headers: { 'content-type': contentType, authorization: 'Bearer s3cr3t-token' },
      body: JSON.stringify(body),
    });
  const CM = `/api/v1/namespaces/${NS}/configmaps/app-config`;

  it('refuses a PATCH with a plain JSON content type (415), leaving state alone', async () => {
    const res = await patch(CM, 'application/json', { data: { a: '2' } });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
    expect(fake.state.get('ConfigMap', NS, 'app-config')?.data).toEqual({ a: '1' });
  });

  it('applies a JSON patch', async () => {
    const res = await patch(CM, 'application/json-patch+json', [
      { op: 'test', path: '/data/a', value: '1' },
      { op: 'add', path: '/data/b', value: 'x' },
      { op: 'remove', path: '/data/a' },
    ]);
    expect(res.status).toBe(200);
    expect(fake.state.get('ConfigMap', NS, 'app-config')?.data).toEqual({ b: 'x' });
  });

  it('answers 401 to a wrong token', async () => {
    const res = await fetch(`${fake.url}${CM}`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
  });
});
