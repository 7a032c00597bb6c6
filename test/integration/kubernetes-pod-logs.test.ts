// kubernetes.pod-logs through the real adapter against the fake API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import {
  createKubernetesClient,
  type KubernetesPort,
  kubernetesChecks,
} from '../../src/integrations/kubernetes/index.js';
import { checkContext } from '../fakes/kubernetes/contexts.js';
import { type FakeKubernetes, pod, startFakeKubernetes } from '../fakes/kubernetes.js';

const NS = 'data-processing';
const labels = { app: 'sentinel-connector' };
let fake: FakeKubernetes;
let port: KubernetesPort;

const run = (params: Record<string, unknown>) =>
  kubernetesChecks['kubernetes.pod-logs'].run(
    checkContext('kubernetes.pod-logs', params, { selector: labels }),
    port,
  );

beforeAll(async () => {
  fake = await startFakeKubernetes();
  port = createKubernetesClient(fake.kubeConfig());
  fake.state.put(pod({ namespace: NS, name: 'connector-a', labels }));
  fake.state.put(
    pod({ namespace: NS, name: 'connector-b', labels, containers: [{ name: 'app' }, { name: 'sidecar' }] }),
  );
  const old = Array.from({ length: 50 }, (_, i) => `old line ${i} SlowDown`).join('\n');
  const recent = [
    'INFO batch sent rows=1000',
    'WARN S3 SlowDown: reduce your request rate',
    'ERROR Sentinel ingestion 429 Too Many Requests',
    'warn s3 slowdown again',
  ].join('\n');
  fake.state.setLog(NS, 'connector-a', `${old}\n${recent}\n`);
  fake.state.setLog(NS, 'connector-b', 'ERROR Sentinel ingestion 429 Too Many Requests\n', 'app');
  fake.state.setLog(NS, 'connector-b', Array.from({ length: 20 }, () => 'sidecar 429').join('\n'), 'sidecar');
});
afterAll(async () => {
  await fake.close();
});

describe('kubernetes.pod-logs', () => {
  it('counts matches per pattern over the tail of every container, with samples', async () => {
    const m = await run({ patterns: { throttled: '(?i)slowdown', ingest429: '429' }, tailLines: 4 });
    // connector-a: the last 4 lines only; connector-b: both containers, 4 lines each.
    expect(m.evidence?.counts).toEqual({ throttled: 2, ingest429: 1 + 1 + 4 });
    expect(m.value).toBe(8);
    expect(m.evidence?.samples).toContain(
      '[throttled] connector-a: WARN S3 SlowDown: reduce your request rate',
    );
    expect(m.evidence?.samples).toContain(
      '[ingest429] connector-b/app: ERROR Sentinel ingestion 429 Too Many Requests',
    );
    const logCalls = fake
      .callsTo('GET', `/api/v1/namespaces/${NS}/pods/`)
      .filter((c) => c.path.endsWith('/log'));
    expect(logCalls.map((c) => c.query.container ?? '-').sort()).toEqual(['-', 'app', 'sidecar']);
    for (const c of logCalls) expect(c.query.tailLines).toBe('4');
  });

  it('keeps at most ten samples per pattern', async () => {
    const m = await run({ patterns: { old: 'old line' }, tailLines: 500 });
    expect(m.value).toBe(50);
    expect(m.evidence?.samples).toHaveLength(10);
  });

  it('passes since as sinceSeconds', async () => {
    const before = fake.calls.length;
    await run({ patterns: { any: '.' }, since: '15m' });
    const logCall = fake.calls.slice(before).find((c) => c.path.endsWith('/log'));
    expect(logCall?.query.sinceSeconds).toBe('900');
  });

  it('refuses a catastrophic pattern before any HTTP call', async () => {
    const before = fake.calls.length;
    const err = await run({ patterns: { evil: '(a+)+$' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe('params.patterns.evil');
    expect(fake.calls.length).toBe(before);
  });

  it('refuses an invalid regex naming the pattern', async () => {
    const err = await run({ patterns: { broken: '([' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe('params.patterns.broken');
  });

  it('still reports the readable logs when one pod log fails', async () => {
    fake.failNext({
      method: 'GET',
      path: `/api/v1/namespaces/${NS}/pods/connector-a/log`,
      status: 400,
      message: 'container "app" in pod "connector-a" is waiting to start',
    });
    const m = await run({ patterns: { ingest429: '429' }, tailLines: 4 });
    expect(m.value).toBe(5);
    expect(m.summary).toContain('1 log(s) unreadable');
  });
});
