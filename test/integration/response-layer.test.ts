// The response layer does the bot's job with no chat at all: an alert arrives → the incident is
// diagnosed, its fixes are proposed, and the audit trail has the diagnosis and proposal entries.
// Two replicas sharing Redis do it once. A second surface (a minimal "console" renderer) is one
// more subscriber, attached without touching the response layer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { subscribe } from '../../src/chat/subscribe.js';
import { loadConfig } from '../../src/config.js';
import type { Measurement } from '../../src/diagnostics/types.js';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import type { CheckKind } from '../../src/playbooks/kinds.js';
import { buildServer } from '../../src/server.js';
import { type Service, startResponse } from '../../src/services.js';
import { deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';
import { testRedis } from '../support/redis.js';
import { ALL_BACKENDS, alertmanagerPayload, fakeChecks, waitUntil } from './slack-harness.js';

/** The pipeline falling behind: P95 latency and consumer lag up, everything else fine. */
function lagging(kind: CheckKind, params: Record<string, unknown>): Measurement {
  const text = JSON.stringify(params);
  if (kind === 'prometheus.query' && text.includes('request_duration_seconds') && text.includes('0.95'))
    return { value: 0.3, summary: 'P95 300 ms' };
  if (kind === 'kafka.consumer-lag') return { value: 50_000, summary: 'lag 50,000' };
  return { value: 1, status: 'ok' };
}

let k8s: FakeKubernetes;
const apps: App[] = [];
const services: Service[] = [];
let prefix: string;

async function replica(name: string): Promise<App> {
  const { redis: probe, url, prefix: p } = testRedis();
  probe.disconnect();
  prefix ??= p;
  const app = await createApp({
    config: loadConfig({ PLAYBOOKS_DIR: 'playbooks', PERFBOT_APPROVERS: 'U0BOB' }),
    log: silentLogger,
    redisUrl: url,
    prefix,
    backends: { ...ALL_BACKENDS, kubernetes: createKubernetesClient(k8s.kubeConfig()) },
    checks: fakeChecks(lagging),
    metrics: createMetrics({ defaultMetrics: false }),
  });
  apps.push(app);
  services.push(startResponse(app, name));
  return app;
}

beforeAll(async () => {
  k8s = await startFakeKubernetes({ rolloutPolls: 1 });
  k8s.state.put(deployment({ namespace: 'data-processing', name: 'normalization-service', replicas: 2 }));
  k8s.state.put(deployment({ namespace: 'data-processing', name: 'enrichment-service', replicas: 2 }));
});

afterAll(async () => {
  for (const s of services) await s.stop();
  for (const a of apps) await a.close();
  await k8s?.close();
});

const latency = (group: string) =>
  alertmanagerPayload({
    groupKey: `{}:{alertname="HighLatency",group="${group}"}`,
    status: 'firing',
    alerts: [{ alertname: 'HighLatency', fingerprint: `fp-${group}`, labels: { playbook: 'data-pipeline' } }],
  });

describe('response layer without any chat', () => {
  it('diagnoses a routed incident, proposes its fixes and audits both — exactly once across two replicas', async () => {
    const [a, b] = [await replica('replica-a'), await replica('replica-b')];
    // A minimal second surface: what it sees, in order, with no change to the response layer.
    const seen: string[] = [];
    const abort = new AbortController();
    const loops = subscribe(
      { redis: a.redis, prefix, log: silentLogger, signal: abort.signal },
      {
        group: 'console',
        consumer: 'console-1',
        onIncident: (e) => {
          seen.push(`incident.${e.type}`);
        },
        onResponse: (e) => {
          seen.push(e.type);
        },
      },
    );
    const servers = await Promise.all([buildServer(a), buildServer(b)]);
    // The same notification reaches both replicas (an HA Alertmanager pair does this).
    const answers = await Promise.all(
      servers.map((s) => s.inject({ method: 'POST', url: '/alerts/alertmanager', payload: latency('g1') })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202]);
    const incidentId = (answers[0] as (typeof answers)[0]).json<{ incidents: string[] }>()
      .incidents[0] as string;

    const trail = async () => (await a.audit.readTrail({ incident: incidentId })).map((e) => e.event);
    await waitUntil(
      async () => (await trail()).includes('proposal.created'),
      'a proposal in the audit trail',
    );
    await Promise.all(apps.map((x) => x.response.idle()));
    const events = await trail();
    expect(events.filter((e) => e === 'diagnosis.started')).toHaveLength(1);
    expect(events.filter((e) => e === 'diagnosis.done')).toHaveLength(1);
    const created = (await a.audit.readTrail({ incident: incidentId })).filter(
      (e) => e.event === 'proposal.created',
    );
    expect(created.length).toBeGreaterThan(0);
    // One proposal per distinct fix, stored and approvable.
    const ids = created.map((e) => e.proposal as string);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect((await b.remediation.getProposal(id))?.status).toBe('pending');

    await waitUntil(() => seen.includes('proposal.created'), 'the console renderer to see the proposal');
    // Each stream in order; the two streams interleave as they please.
    const response = seen.filter((e) => !e.startsWith('incident.'));
    expect(response.slice(0, 1)).toEqual(['diagnosis.started']);
    expect(response.indexOf('diagnosis.done')).toBeLessThan(response.indexOf('proposal.created'));
    expect(seen).toContain('incident.opened');
    expect(seen.filter((e) => e === 'diagnosis.started')).toHaveLength(1);
    abort.abort();
    await Promise.allSettled(loops);
    await Promise.all(servers.map((s) => s.close()));
  });

  it('diagnoses again when a new alert name joins after the diagnosis settled, once', async () => {
    const { redis: probe, url, prefix: own } = testRedis();
    probe.disconnect();
    const clock = { t: Date.now() };
    const app = await createApp({
      config: loadConfig({ PLAYBOOKS_DIR: 'playbooks', PERFBOT_APPROVERS: 'U0BOB' }),
      log: silentLogger,
      redisUrl: url,
      prefix: own,
      now: () => new Date(clock.t),
      backends: { ...ALL_BACKENDS, kubernetes: createKubernetesClient(k8s.kubeConfig()) },
      checks: fakeChecks(lagging),
      metrics: createMetrics({ defaultMetrics: false }),
    });
    apps.push(app);
    services.push(startResponse(app, 'rediagnose-1'));
    const server = await buildServer(app);
    const post = (names: string[]) =>
      server.inject({
        method: 'POST',
        url: '/alerts/alertmanager',
        payload: alertmanagerPayload({
          groupKey: '{}:{group="g-rediagnose"}',
          status: 'firing',
          alerts: names.map((alertname) => ({
            alertname,
            fingerprint: `fp-${alertname}`,
            labels: { playbook: 'data-pipeline' },
          })),
        }),
      });
    const first = await post(['HighLatency']);
    const incidentId = first.json<{ incidents: string[] }>().incidents[0] as string;
    const done = async () =>
      (await app.audit.readTrail({ incident: incidentId })).filter((e) => e.event === 'diagnosis.done');
    await waitUntil(async () => (await done()).length === 1, 'the first diagnosis');
    await app.response.idle();

    // Past the playbook's settle time (2 min), a new firing alert name: diagnose again.
    clock.t += 5 * 60_000;
    expect((await post(['HighLatency', 'HighErrorRate'])).statusCode).toBe(202);
    await waitUntil(async () => (await done()).length === 2, 'a second diagnosis');
    // The same notification again (Alertmanager repeats it): nothing new, no third diagnosis.
    clock.t += 60_000;
    expect((await post(['HighLatency', 'HighErrorRate'])).statusCode).toBe(202);
    await app.response.idle();
    const trail = await app.audit.readTrail({ incident: incidentId });
    expect(trail.filter((e) => e.event === 'incident.rediagnose')).toHaveLength(1);
    expect(trail.filter((e) => e.event === 'diagnosis.started').map((e) => e.details.origin)).toEqual([
      'incident',
      'rerun',
    ]);
    await server.close();
  });
});
