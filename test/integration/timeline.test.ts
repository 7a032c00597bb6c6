// A full incident through the real pieces — alert intake into the incident store, the audit
// recorder, a diagnosis, a proposal approved and run by the BullMQ worker against the
// Kubernetes fake, verification, resolution — then its timeline: it matches the audit trail
// entry by entry, says the chain verified, and `perfbot timeline` (the built CLI, a child
// process) prints the same. Acknowledgement is not part of this branch (the lifecycle issue adds
// `/perf ack`); the timeline recognises `incident.ack*` entries and says "not recorded" here.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { startIncidentRecorder } from '../../src/audit/incident-recorder.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { buildReport } from '../../src/chat/report.js';
import { timelineFile } from '../../src/chat/timeline-message.js';
import { runDiagnosis } from '../../src/diagnostics/engine.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import { createRegistry } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { type LoadedPlaybook, Playbook } from '../../src/playbooks/schema.js';
import { RemediationService } from '../../src/remediation/service.js';
import { timelineMarkdown } from '../../src/timeline/markdown.js';
import { readTimeline } from '../../src/timeline/read.js';
import { diagnosisAuditDetails } from '../../src/timeline/record.js';
import type { Timeline } from '../../src/timeline/types.js';
import { deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';
import { ensureBuilt } from '../support/perfbot-process.js';
import { testRedisUrl } from '../support/redis.js';
import { lagRecovered, until } from '../support/remediation-fixtures.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
// The CLI reads the default key prefix, so the scenario gets a Redis database of its own.
const url = `${testRedisUrl()}/9`;

const playbook: LoadedPlaybook = {
  ...Playbook.parse({
    id: 'pipeline',
    title: 'Market data pipeline',
    target: { namespace: 'market-data' },
    checks: [
      {
        id: 'lag',
        kind: 'prometheus.query',
        title: 'Consumer lag',
        params: { query: 'sum(kafka_consumergroup_lag)' },
        unit: 'messages',
        thresholds: { warn: 1000, critical: 10000 },
      },
    ],
    decision: [
      { id: 'lagging', when: { check: 'lag' }, bottleneck: 'Consumers are behind', remediations: ['scale'] },
    ],
    remediations: [
      {
        id: 'scale',
        title: 'Scale enrichment',
        action: 'kubernetes.scale',
        params: { workload: { kind: 'Deployment', name: 'enrichment' }, by: 2, max: 8 },
      },
    ],
  }),
  file: 'pipeline.yml',
};

const batch = (status: 'firing' | 'resolved'): AlertBatch => ({
  source: 'alertmanager',
  group: '{}:{alertname="KafkaConsumerLagHigh"}',
  meta: {},
  alerts: [
    {
      source: 'alertmanager',
      name: 'KafkaConsumerLagHigh',
      status,
      labels: { alertname: 'KafkaConsumerLagHigh', playbook: 'pipeline' },
      annotations: {},
      startsAt: '2026-11-22T10:00:00.000Z',
      ...(status === 'resolved' ? { endsAt: '2026-11-22T10:20:00.000Z' } : {}),
      fingerprint: 'fp-lag',
    },
  ],
});

let redis: Redis;
let kube: FakeKubernetes;
let trail: AuditTrail;
let incident: string;
let timeline: Timeline;

async function perfbot(args: string[]) {
  return run(process.execPath, ['bin/perfbot.js', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', REDIS_URL: url },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

beforeAll(async () => {
  redis = new Redis(url);
  await redis.flushdb();
  kube = await startFakeKubernetes({
    rolloutPolls: 1,
    objects: [deployment({ namespace: 'market-data', name: 'enrichment', replicas: 2 })],
  });
  trail = new AuditTrail({ redis });
  const store = new IncidentStore({ redis });
  const recorder = startIncidentRecorder({ redis, audit: trail, log: silentLogger });
  const service = new RemediationService({
    redis,
    redisUrl: url,
    config: { approvers: ['UAPPROVER1'], dryRun: false, verifyAfterMs: 200 },
    backends: { kubernetes: createKubernetesClient(kube.kubeConfig()) },
    actions: createRegistry(),
    log: silentLogger,
    audit: trail,
  });
  service.startWorker({ rerunChecks: lagRecovered });
  try {
    // Alert → incident (the recorder writes incident.opened and alert.received).
    const opened = await store.apply(batch('firing'), [
      { playbook, trigger: { index: 0, description: 'label playbook' } },
    ]);
    incident = opened.events[0]?.incidentId as string;
    const events = async () => (await trail.readTrail({ incident })).map((e) => e.event);
    await until(async () => (await events()).includes('alert.received'), 'the alert in the trail');

    // Diagnosis, recorded as the response layer records it.
    const report = buildReport(
      playbook,
      await runDiagnosis({
        playbook,
        backends: { prometheus: {} },
        checks: {
          'prometheus.query': {
            kind: 'prometheus.query',
            backend: 'prometheus',
            run: async () => ({ value: 25_000 }),
          },
        },
        log: silentLogger,
      }),
    );
    await trail.append({
      actor: 'system',
      event: 'diagnosis.done',
      incident,
      details: diagnosisAuditDetails(report),
    });

    // Proposal → approval → fix → verification.
    const [proposed] = await service.proposeFromDiagnosis({
      playbook,
      incidentId: incident,
      requester: 'system',
      diagnosis: report.diagnosis,
    });
    if (proposed?.outcome?.status !== 'created') throw new Error(`not proposed: ${JSON.stringify(proposed)}`);
    await service.decide({
      proposalId: proposed.outcome.proposal.id,
      userId: 'UAPPROVER1',
      decision: 'approve',
    });
    await until(async () => (await events()).includes('verification.passed'), 'verification', 30_000);

    // Resolution.
    await store.apply(batch('resolved'), [
      { playbook, trigger: { index: 0, description: 'label playbook' } },
    ]);
    await until(async () => (await events()).includes('incident.resolved'), 'the resolution in the trail');
  } finally {
    await recorder.stop();
    await service.close();
  }
  timeline = (await readTimeline(trail, incident)) as Timeline;
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await kube?.close();
});

describe('timeline of a full incident', () => {
  it('matches the audit trail entry by entry and says the chain verified', async () => {
    const entries = await trail.readTrail({ incident });
    expect(timeline.entries.map((e) => [e.id, e.time, e.event, e.actor, e.proposal, e.hash])).toEqual(
      entries.map((e) => [e.id, e.time, e.event, e.actor, e.proposal, e.hash]),
    );
    expect(entries.map((e) => e.event)).toEqual([
      'incident.opened',
      'alert.received',
      'diagnosis.done',
      'proposal.created',
      'proposal.approved',
      'job.started',
      'job.succeeded',
      'verification.scheduled',
      'verification.passed',
      'alert.received',
      'incident.resolved',
    ]);
    expect(timeline.entries.map((e) => e.phase)).toEqual([
      'detection',
      'detection',
      'response',
      'response',
      'response',
      'response',
      'response',
      'recovery',
      'recovery',
      'recovery',
      'recovery',
    ]);
    const verified = await trail.verifyTrail();
    expect(timeline.chain).toMatchObject({ ok: true, count: verified.count, entriesChecked: 11 });
    expect(timeline.chain.summary).toMatch(
      /^Audit chain verified at \S+: \d+ entries intact, including the 11 of this incident\.$/,
    );
  });

  it('names the bottleneck with its key value, the change with before/after, and every duration it can', () => {
    expect(timeline.diagnoses).toEqual([
      expect.objectContaining({
        bottlenecks: ['Consumers are behind'],
        keyValues: [
          'Consumer lag 25,000 messages (warn > 1,000 messages, critical > 10,000 messages) — critical',
        ],
      }),
    ]);
    expect(timeline.changes).toEqual([
      expect.objectContaining({
        status: 'applied',
        preview: 'Deployment/enrichment replicas 2 → 4',
        before: { replicas: 2 },
        after: { replicas: 4 },
        approvedBy: ['UAPPROVER1'],
        undo: 'yes',
        verification: { passed: true, summary: 'recovered: 1 check(s) ok' },
      }),
    ]);
    const d = timeline.durations;
    expect(d.acknowledged).toBeUndefined(); // no acknowledgement in this branch
    for (const m of ['diagnosed', 'approved', 'fixed', 'verified', 'resolved'] as const)
      expect(d[m]).toBeGreaterThanOrEqual(0);
    expect(d.diagnosed as number).toBeLessThanOrEqual(d.approved as number);
    expect(d.approved as number).toBeLessThanOrEqual(d.fixed as number);
    expect(d.fixed as number).toBeLessThanOrEqual(d.verified as number);
    expect(d.verified as number).toBeLessThanOrEqual(d.resolved as number);
    expect(timeline.followUps[0]).toMatch(
      /^Keep or revert Deployment\/enrichment replicas 2 → 4 \(prop-[0-9a-f]{12}\)/,
    );
  });

  it('the Markdown draft has the runbook headings and every audit entry; the thread file is that draft', () => {
    const md = timelineMarkdown(timeline);
    const headings = md.split('\n').filter((l) => l.startsWith('#'));
    expect(headings).toEqual([
      '# Post-incident review (draft): KafkaConsumerLagHigh',
      '## Summary',
      '## Performance Incident Response',
      '### 1. Detection',
      '### 2. Response',
      '### 3. Recovery',
      '### 4. Follow-ups',
      '## Audit entries',
    ]);
    expect(md).toContain('> ✅ Audit chain verified');
    expect(md).toContain('| Time to fix |');
    expect(md).toContain('| Deployment/enrichment replicas 2 → 4 (prop-');
    for (const e of timeline.entries) expect(md).toContain(`| ${e.id} | ${e.hash.slice(0, 16)} |`);
    const file = timelineFile(timeline);
    expect(file.filename).toBe(`post-incident-${incident}.md`);
    expect(file.data.toString('utf8')).toBe(md);
  });

  it('perfbot timeline prints the same, as Markdown or JSON (a child process)', async () => {
    await ensureBuilt();
    const json = await perfbot(['timeline', incident, '--format', 'json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as Timeline;
    expect(parsed.entries.map((e) => e.id)).toEqual(timeline.entries.map((e) => e.id));
    expect(parsed.chain.ok).toBe(true);
    const md = await perfbot(['timeline', incident]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('### 2. Response');
    expect((await perfbot(['timeline', incident, '--format', 'yaml'])).code).toBe(2);
    expect(await perfbot(['timeline', 'inc-none'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No audit entries for inc-none'),
    });
  }, 240_000);

  it('says so, and exits 1, when the chain it reads is broken', async () => {
    const entries = await trail.readTrail({ incident });
    await redis.xdel(trail.streamKey, entries[2]?.id as string); // the diagnosis entry vanishes
    const broken = (await readTimeline(trail, incident)) as Timeline;
    expect(broken.chain.ok).toBe(false);
    expect(broken.chain.summary).toMatch(
      /^Audit chain BROKEN at entry \S+ \(\S+\): its prevHash does not match/,
    );
    expect(timelineMarkdown(broken)).toContain('> ⚠️ Audit chain BROKEN');
    await ensureBuilt();
    const cli = await perfbot(['timeline', incident]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('⚠️ Audit chain BROKEN');
    expect(cli.stderr).toContain('AUDIT CHAIN BROKEN');
  }, 240_000);
});
