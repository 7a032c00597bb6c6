// The Sentinel failover scenario, shared by test/integration/redis-failover.test.ts and
// bench/failover.ts (so no vitest imports here): a real perfbot app (createApp + buildServer on
// loopback) on Redis behind three Sentinels, a remediation worker on BullMQ, alerts streaming in
// from several senders that retry a 503 like Alertmanager does, and the primary killed
// (SIGKILL) mid-stream. Reports every alert answered 202 that is missing afterwards, the 503s,
// the seconds from the kill to the first 202, and whether BullMQ ran jobs before and after.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { Playbook } from '../../src/playbooks/schema.js';
import { RemediationService } from '../../src/remediation/service.js';
import type { ActionDefinition } from '../../src/remediation/types.js';
import { buildServer } from '../../src/server.js';
import { type SentinelSet, startSentinelSet } from './redis-ha.js';

export interface FailoverOptions {
  /** PERFBOT_REDIS_WAIT_REPLICAS: 1 (default) waits for the replica, 0 is the unprotected baseline. */
  waitReplicas?: number;
  senders?: number;
  /** Stream this long before killing the primary. */
  killAfterMs?: number;
  /** Keep streaming this long after the first 202 that follows the kill. */
  afterRecoveryMs?: number;
  /**
   * Let the replica fall behind for this long before the kill (SIGSTOP, SIGCONT right after):
   * the writes acknowledged meanwhile exist only on the primary that dies. 0: no lag.
   */
  replicaLagMs?: number;
}

export interface FailoverResult {
  sent: number;
  acknowledged: number;
  /** Acknowledged (202) but not in Redis after the failover. */
  lost: number;
  responses503: number;
  otherErrors: number;
  /** Kill → first 202 afterwards. */
  recoverySeconds: number;
  /** Alerts acknowledged per second while the primary was up (the cost of WAIT shows here). */
  ratePerSecond: number;
  jobsBefore: boolean;
  jobsAfter: boolean;
  newPrimaryIsOldReplica: boolean;
  /**
   * The keyed audit trail, appended to throughout, verifies after the failover against the last
   * checkpoint logged before the kill (with WAIT: the last one logged `replicated: true`).
   */
  auditVerified: boolean;
  /** Why not, when it did not. */
  auditProblem?: string;
}

/** Counts runs; the action the worker executes for an approved proposal. */
const countingScale: ActionDefinition<'kubernetes.scale', { runs: number }> = {
  kind: 'kubernetes.scale',
  backend: 'kubernetes',
  plan: async (ctx) => ({ params: ctx.params, preview: 'scale', noop: false }),
  execute: async (_ctx, port) => {
    port.runs++;
    return { summary: 'scaled', changed: true };
  },
};

const playbook = Playbook.parse({
  id: 'failover',
  title: 'Failover',
  target: { namespace: 'default' },
  triggers: [{ alertname: 'FailoverProbe' }],
  checks: [{ id: 'hpa', kind: 'kubernetes.hpa', title: 'HPA' }],
  remediations: [
    {
      id: 'scale',
      title: 'Scale',
      action: 'kubernetes.scale',
      params: { workload: { kind: 'Deployment', name: 'x' }, replicas: 2, max: 4 },
      approval: { approvers: ['UAPPROVER'] },
      // The scenario scales the same Deployment before and after the failover, on purpose.
      guardrails: { cooldown: '0s', maxChangesPerIncident: 100 },
    },
  ],
});

function alertPayload(n: number): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="FailoverProbe",n="${n}"}`,
    status: 'firing',
    receiver: 'perfbot',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    truncatedAlerts: 0,
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'FailoverProbe', n: String(n) },
        annotations: {},
        startsAt: '2026-01-01T00:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: `fp-${n}`,
      },
    ],
  });
}

/** A logger that keeps the `checkpoint` of every "audit checkpoint" line (the outside anchor). */
function anchorLog(anchors: { sig: string; replicated?: boolean }[]) {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).trim().split('\n')) {
        const l = JSON.parse(line) as { msg?: string; checkpoint?: { sig: string; replicated?: boolean } };
        if (l.msg === 'audit checkpoint' && l.checkpoint) anchors.push(l.checkpoint);
      }
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

export async function runFailover(options: FailoverOptions = {}): Promise<FailoverResult> {
  const set: SentinelSet = await startSentinelSet();
  const keyFile = join(mkdtempSync(join(tmpdir(), 'perfbot-failover-key-')), 'audit.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const waitReplicas = options.waitReplicas ?? 1;
  const config = loadConfig({
    REDIS_SENTINELS: set.addresses,
    REDIS_SENTINEL_NAME: set.name,
    PERFBOT_REDIS_WAIT_REPLICAS: String(waitReplicas),
    PERFBOT_AUDIT_KEY: keyFile,
    PERFBOT_AUDIT_CHECKPOINT_EVERY: '25',
  });
  const anchors: { sig: string; replicated?: boolean }[] = [];
  const app = await createApp({
    config,
    log: anchorLog(anchors),
    redisUrl: config.redisUrl,
    catalog: new PlaybookCatalog([{ ...playbook, file: 'failover.yml' }]),
    backends: {},
    metrics: createMetrics({ defaultMetrics: false }),
  });
  const server = await buildServer(app);
  const base = await server.listen({ port: 0, host: '127.0.0.1' });
  const port = { runs: 0 };
  const service = new RemediationService({
    redis: app.redis,
    redisUrl: config.redisUrl,
    prefix: 'failover:',
    config: { approvers: ['UAPPROVER'], dryRun: false, verifyAfterMs: 3_600_000 },
    backends: { kubernetes: port },
    actions: { 'kubernetes.scale': countingScale as ActionDefinition<'kubernetes.scale', unknown> },
    log: process.env.FAILOVER_DEBUG ? createLogger({ level: 'debug', pretty: false }) : silentLogger,
    attempts: 20,
    backoffMs: 200,
  });
  service.startWorker({ rerunChecks: async () => [] });

  /** Propose, approve, and wait until the worker ran it (retrying while Redis is unsettled). */
  const jobRuns = async (incidentId: string): Promise<boolean> => {
    const before = port.runs;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const remediation = playbook.remediations[0] as (typeof playbook.remediations)[0];
        const out = await service.propose({
          playbook,
          remediation,
          incidentId,
          requester: 'UREQ',
        });
        if (out.status === 'created')
          await service.decide({ proposalId: out.proposal.id, userId: 'UAPPROVER', decision: 'approve' });
        while (Date.now() < deadline) {
          if (port.runs > before) return true;
          await new Promise((r) => setTimeout(r, 50));
        }
      } catch (err) {
        if (process.env.FAILOVER_DEBUG) process.stderr.write(`jobRuns: ${String(err)}\n`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return false;
  };

  const result: FailoverResult = {
    sent: 0,
    acknowledged: 0,
    lost: 0,
    responses503: 0,
    otherErrors: 0,
    recoverySeconds: Number.NaN,
    ratePerSecond: 0,
    jobsBefore: false,
    jobsAfter: false,
    newPrimaryIsOldReplica: false,
    auditVerified: false,
  };
  try {
    result.jobsBefore = await jobRuns('inc-before-failover');
    const acked = new Map<number, string>();
    let next = 0;
    let killedAt = 0;
    let recoveredAt = 0;
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const n = next++;
        result.sent++;
        // Like Alertmanager: the same notification again until it is accepted.
        while (!stop) {
          const startedAt = performance.now();
          const res = await fetch(`${base}/alerts/alertmanager`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: alertPayload(n),
          }).catch(() => undefined);
          if (res?.status === 202) {
            const body = (await res.json()) as { incidents: string[] };
            acked.set(n, body.incidents[0] as string);
            // Recovered: a request sent after the kill was accepted (not one already in flight).
            if (killedAt && startedAt > killedAt && !recoveredAt) recoveredAt = performance.now();
            break;
          }
          await res?.arrayBuffer();
          if (res?.status === 503) result.responses503++;
          else result.otherErrors++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const senders = Array.from({ length: options.senders ?? 4 }, sender);
    // The audit trail grows meanwhile (as the incident recorder would make it), checkpoints and all.
    const auditor = (async () => {
      for (let i = 0; !stop; i++) {
        await app.audit.append({ actor: 'system', event: 'alert.received', details: { i } }).catch(() => {});
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const progress = process.env.FAILOVER_DEBUG
      ? setInterval(() => {
          const state = { ...result, acked: acked.size, redis: app.redis.status };
          process.stderr.write(`progress ${new Date().toISOString()} ${JSON.stringify(state)}\n`);
        }, 1000)
      : undefined;
    const streamStart = performance.now();
    const lag = options.replicaLagMs ?? 0;
    await new Promise((r) => setTimeout(r, (options.killAfterMs ?? 1500) - lag));
    if (lag > 0) {
      set.replica.signal('SIGSTOP');
      await new Promise((r) => setTimeout(r, lag));
    }
    // The anchor an operator would take from the log: the last checkpoint logged before the
    // kill that a replica acknowledged (without WAIT there is no such mark: the last one).
    await app.audit.checkpoint().catch(() => undefined);
    const anchor = anchors.filter((a) => waitReplicas === 0 || a.replicated === true).at(-1)?.sig;
    killedAt = performance.now();
    result.ratePerSecond = acked.size / ((killedAt - streamStart) / 1000);
    await set.primary.kill('SIGKILL');
    if (lag > 0) set.replica.signal('SIGCONT');
    const deadline = Date.now() + 60_000;
    while (!recoveredAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, options.afterRecoveryMs ?? 1500));
    stop = true;
    await Promise.all([...senders, auditor]);
    clearInterval(progress);
    if (process.env.FAILOVER_DEBUG) process.stderr.write('senders stopped\n');
    result.recoverySeconds = recoveredAt ? (recoveredAt - killedAt) / 1000 : Number.NaN;
    result.acknowledged = acked.size;
    const incidents = app.incidents;
    for (const id of acked.values()) {
      // Redis may still be settling (a reconnect): retry the read, never count an error as lost.
      for (let attempt = 0; ; attempt++) {
        try {
          if (!(await incidents?.get(id))) result.lost++;
          break;
        } catch (err) {
          if (attempt > 100) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    result.jobsAfter = await jobRuns('inc-after-failover');
    result.newPrimaryIsOldReplica = (await set.currentPrimaryPort()) === set.replica.port;
    await app.audit.checkpoint();
    const verified = await app.audit.verifyTrail({ sinceCheckpoint: anchor ?? 'no checkpoint was logged' });
    result.auditVerified = verified.ok;
    if (!verified.ok) result.auditProblem = `${verified.problem.id}: ${verified.problem.reason}`;
  } finally {
    // Bounded: a close that waits on a Redis that is gone must not hang the run.
    for (const close of [() => service.close(), () => server.close(), () => app.close()]) {
      await Promise.race([close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    await set.stop();
  }
  return result;
}
