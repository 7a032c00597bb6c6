// `perfbot worker` as a process role, end to end on the repository's own playbooks: a proposal
// made on the "serve" side is approved; the worker (built from Config as the CLI builds it)
// scales the Deployment in the Kubernetes fake once, and its verification job re-runs the
// remediation's checks through the diagnostics engine; the results reach the serve side
// through the Redis outbox.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerCommand } from '../../commands/worker.js';
import { loadConfig } from '../../src/config.js';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import { createRegistry } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { consumeRemediationEvents } from '../../src/remediation/consume.js';
import type { RemediationEvent } from '../../src/remediation/events.js';
import { RemediationService } from '../../src/remediation/service.js';
import {
  deployment,
  type FakeKubernetes,
  pod,
  podMetrics,
  startFakeKubernetes,
} from '../fakes/kubernetes.js';
import { testRedisUrl } from '../support/redis.js';
import { until } from '../support/remediation-fixtures.js';

const NS = 'data-processing';
const APP = 'normalization-service';
const SCALE_PATH = `/apis/apps/v1/namespaces/${NS}/deployments/${APP}/scale`;

describe('perfbot worker (Config → worker → Kubernetes fake → verification)', () => {
  // The CLI uses the default key prefix, so this file gets a Redis database of its own.
  const url = `${testRedisUrl()}/13`;
  let redis: Redis;
  let kube: FakeKubernetes;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = new Redis(url);
    await redis.flushdb();
    const containers = [{ name: APP, limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } }];
    kube = await startFakeKubernetes({
      objects: [
        deployment({ namespace: NS, name: APP, replicas: 2, containers }),
        ...[0, 1].flatMap((i) => [
          pod({ namespace: NS, name: `${APP}-${i}`, labels: { app: APP }, containers }),
          podMetrics({
            namespace: NS,
            name: `${APP}-${i}`,
            labels: { app: APP },
            containers: [{ name: APP, cpu: '200m', memory: '300Mi' }],
          }),
        ]),
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'perfbot-worker-'));
    writeFileSync(join(dir, 'kubeconfig'), kube.kubeConfig().exportConfig());
    env = {
      REDIS_URL: url,
      KUBECONFIG: join(dir, 'kubeconfig'),
      PLAYBOOKS_DIR: 'playbooks',
      PERFBOT_APPROVERS: 'UAPPROVER1',
      PERFBOT_VERIFY_AFTER: '1s',
      LOG_LEVEL: 'silent',
    };
  });

  afterAll(async () => {
    await redis.flushdb();
    redis.disconnect();
    await kube.close();
  });

  it('scales once on approval and verifies afterwards with the engine', async () => {
    const config = loadConfig(env);
    const stopWorker = await workerCommand(config, silentLogger);

    const serveSide = new RemediationService({
      redis,
      redisUrl: url,
      config,
      backends: { kubernetes: createKubernetesClient(kube.kubeConfig()) },
      actions: createRegistry(),
      log: silentLogger,
    });
    const events: RemediationEvent[] = [];
    const abort = new AbortController();
    const consuming = consumeRemediationEvents({
      redis,
      group: 'chat',
      consumer: 'test',
      handler: (e) => {
        events.push(e);
      },
      signal: abort.signal,
      blockMs: 200,
    });
    try {
      const catalog = new PlaybookCatalog(await loadPlaybooksOrThrow('playbooks'));
      const playbook = catalog.get('data-pipeline');
      const remediation = playbook.remediations.find((r) => r.id === 'scale-normalization-6');
      if (!remediation) throw new Error('the playbook lost scale-normalization-6');
      const out = await serveSide.propose({
        playbook,
        remediation,
        incidentId: 'inc-cli',
        requester: 'UREQUESTER',
      });
      if (out.status !== 'created') throw new Error(`not created: ${out.status}`);
      expect(out.proposal.preview).toBe(`Deployment/${APP} replicas 2 → 6`);
      expect(out.proposal.verify).toEqual({
        checks: ['normalization-cpu', 'container-cpu', 'p95-latency'],
        afterMs: 1000,
      });

      const decided = await serveSide.decide({
        proposalId: out.proposal.id,
        userId: 'UAPPROVER1',
        decision: 'approve',
      });
      expect(decided).toMatchObject({ ok: true, result: 'approved' });

      await until(
        () => events.some((e) => e.type.startsWith('verification.') && e.type !== 'verification.scheduled'),
        'verification',
        30_000,
      );
      expect(events.map((e) => e.type)).toEqual([
        'job.started',
        'job.succeeded',
        'verification.scheduled',
        'verification.passed',
      ]);
      const verdict = events.at(-1);
      // normalization-cpu runs against the fake's metrics; the Prometheus checks are skipped.
      expect(verdict).toMatchObject({ summary: 'recovered: 1 check(s) ok, 2 could not run' });
      expect(kube.callsTo('PATCH', SCALE_PATH)).toHaveLength(1);
      expect(kube.state.get('Deployment', NS, APP)?.spec?.replicas).toBe(6);
      expect(await serveSide.audit.verifyTrail()).toMatchObject({ ok: true, count: 6 });
    } finally {
      abort.abort();
      await consuming;
      await serveSide.close();
      await stopWorker();
    }
  });
});
