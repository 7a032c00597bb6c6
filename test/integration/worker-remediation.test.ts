import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/diagnostics/types.js';
import { GuardViolationError, UpstreamError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { consumeRemediationEvents } from '../../src/remediation/consume.js';
import type { RemediationEvent } from '../../src/remediation/events.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import type { RerunChecksInput } from '../../src/remediation/verify-job.js';
import {
  approvedProposal,
  type Harness,
  jobFinished,
  remediationHarness,
  testPlaybook,
  until,
} from '../support/remediation-fixtures.js';

const okCheck = (checkId: string, status: CheckResult['status'] = 'ok'): CheckResult => ({
  checkId,
  kind: 'prometheus.query',
  title: checkId.toUpperCase(),
  status,
  summary: `${checkId} ${status}`,
  durationMs: 1,
});

const approved = (
  h: Harness,
  remediation: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
) => approvedProposal(h, { remediation, overrides });

const status = async (h: Harness, id: string) => (await h.service.getProposal(id))?.status;
const finished = jobFinished;
const types = (events: RemediationEvent[]) => events.map((e) => e.type);

describe('remediation worker (real Redis, real BullMQ)', () => {
  let h: Harness;
  const reruns: RerunChecksInput[] = [];
  let verifyResults: CheckResult[] = [okCheck('cpu')];
  const rerunChecks = async (input: RerunChecksInput) => {
    reruns.push(input);
    return verifyResults;
  };
  afterEach(async () => {
    reruns.length = 0;
    verifyResults = [okCheck('cpu')];
    await h.close();
  });

  it('runs an approved proposal exactly once, records the result and audits every step', async () => {
    h = remediationHarness();
    h.service.startWorker({ rerunChecks });
    const p = await approved(h);
    await until(finished(h, p.id), 'the job to finish');
    const done = (await h.service.getProposal(p.id)) as Proposal;
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({
      summary: 'Deployment/enrichment replicas 2 → 4',
      changed: true,
      rollout: 'Deployment/enrichment rolled out',
    });
    expect(done.attempts).toBe(1);
    expect(h.port.patches).toEqual([{ workload: 'Deployment/enrichment', from: 2, to: 4 }]);

    // A late duplicate enqueue (same job ID) does nothing.
    await h.service.queue.enqueueRun(p.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.port.patches).toHaveLength(1);

    expect(types(h.events)).toEqual(['job.started', 'job.succeeded', 'verification.scheduled']);
    const trail = await h.service.audit.readTrail({ proposal: p.id });
    expect(trail.map((e) => e.event)).toEqual([
      'proposal.created',
      'proposal.approved',
      'job.started',
      'job.succeeded',
      'verification.scheduled',
    ]);
    expect(trail.every((e) => e.incident === 'inc-7')).toBe(true);
    expect(await h.service.audit.verifyTrail()).toMatchObject({ ok: true });
  });

  it('refuses to run a proposal that was never approved', async () => {
    h = remediationHarness();
    h.service.startWorker({ rerunChecks });
    const playbook = testPlaybook();
    const out = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: 'inc-8',
      requester: 'UREQUESTER',
    });
    if (out.status !== 'created') throw new Error('not created');
    await h.service.queue.enqueueRun(out.proposal.id); // forged: a job without an approval
    const job = async () => h.service.queue.queue.getJob(out.proposal.id);
    await until(async () => (await (await job())?.isFailed()) ?? false, 'the forged job to fail');
    expect((await job())?.failedReason).toMatch(/is pending, not approved/);
    expect((await job())?.attemptsMade).toBe(1);
    expect(h.port.patches).toEqual([]);
    expect(await status(h, out.proposal.id)).toBe('pending');
    const events = (await h.service.audit.readTrail({ proposal: out.proposal.id })).map((e) => e.event);
    expect(events).toEqual(['proposal.created', 'job.refused']);
  });

  it('retries a retryable failure with backoff, then succeeds, changing the system once', async () => {
    h = remediationHarness();
    h.port.failures.push(new UpstreamError('kubernetes', 'service unavailable', { status: 503 }));
    h.service.startWorker({ rerunChecks });
    const p = await approved(h);
    await until(finished(h, p.id), 'the job to finish');
    expect(await status(h, p.id)).toBe('succeeded');
    expect(h.port.patches).toHaveLength(1);
    expect(types(h.events)).toEqual([
      'job.started',
      'job.retried',
      'job.started',
      'job.succeeded',
      'verification.scheduled',
    ]);
    expect(h.events[1]).toMatchObject({
      attempt: 1,
      retryInMs: 20,
      error: 'kubernetes: service unavailable',
    });
    // BullMQ counts finished attempts: one failed, one completed.
    const job = async () => h.service.queue.queue.getJob(p.id);
    await until(async () => (await (await job())?.isCompleted()) ?? false, 'the job to complete');
    expect((await job())?.attemptsMade).toBe(2);
    expect((await h.service.getProposal(p.id))?.attempts).toBe(2);
  });

  it('fails a guard violation at once, without retrying', async () => {
    h = remediationHarness();
    h.port.failures.push(new GuardViolationError('Deployment/enrichment: replicas 4 above a new limit'));
    h.service.startWorker({ rerunChecks });
    const p = await approved(h);
    await until(finished(h, p.id), 'the job to finish');
    const done = (await h.service.getProposal(p.id)) as Proposal;
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/above a new limit/);
    expect(types(h.events)).toEqual(['job.started', 'job.failed']);
    expect(h.events[1]).toMatchObject({ code: 'GUARD_VIOLATION' });
    const job = await h.service.queue.queue.getJob(p.id);
    expect(await job?.isFailed()).toBe(true);
    expect(job?.attemptsMade).toBe(1);
    expect(h.port.patches).toEqual([]);
  });

  it('gives up after the last attempt of a retryable failure', async () => {
    h = remediationHarness();
    for (let i = 0; i < 3; i++)
      h.port.failures.push(new UpstreamError('kubernetes', 'bad gateway', { status: 502 }));
    h.service.startWorker({ rerunChecks });
    const p = await approved(h);
    await until(finished(h, p.id), 'the job to finish');
    expect(await status(h, p.id)).toBe('failed');
    expect(types(h.events)).toEqual([
      'job.started',
      'job.retried',
      'job.started',
      'job.retried',
      'job.started',
      'job.failed',
    ]);
    expect(
      h.events.filter((e) => e.type === 'job.retried').map((e) => e.type === 'job.retried' && e.retryInMs),
    ).toEqual([20, 40]);
  });

  it('PERFBOT_DRY_RUN stops after the preview and says so', async () => {
    h = remediationHarness({ config: { approvers: ['UAPPROVER1'], dryRun: true, verifyAfterMs: 10 } });
    h.service.startWorker({ rerunChecks });
    const p = await approved(h);
    expect(p.dryRun).toBe(true);
    await until(finished(h, p.id), 'the job to finish');
    const done = (await h.service.getProposal(p.id)) as Proposal;
    expect(done.status).toBe('dry-run');
    expect(done.result?.summary).toBe(
      'dry run (PERFBOT_DRY_RUN=1): would apply Deployment/enrichment replicas 2 → 4',
    );
    expect(h.port.patches).toEqual([]);
    expect(types(h.events)).toEqual(['job.started', 'job.dry-run']);
    expect((await h.service.audit.readTrail({ proposal: p.id })).at(-1)?.event).toBe('job.dry-run');
  });

  it("a playbook's dryRun flag does the same", async () => {
    h = remediationHarness();
    h.service.startWorker({ rerunChecks });
    const p = await approved(h, {}, { dryRun: true });
    await until(finished(h, p.id), 'the job to finish');
    expect(await status(h, p.id)).toBe('dry-run');
    expect(h.events.at(-1)).toMatchObject({
      type: 'job.dry-run',
      reason: 'the playbook or remediation sets dryRun',
    });
    expect(h.port.patches).toEqual([]);
  });

  it('verifies after the delay with the checks that led to the remediation: passed', async () => {
    h = remediationHarness({ config: { approvers: ['UAPPROVER1'], dryRun: false, verifyAfterMs: 50 } });
    h.service.startWorker({ rerunChecks });
    const p = await approved(h);
    await until(
      () => h.events.some((e) => e.type.startsWith('verification.') && e.type !== 'verification.scheduled'),
      'verification',
    );
    expect(reruns).toEqual([
      {
        playbookId: 'pipeline',
        checkIds: ['cpu'],
        namespace: 'market-data',
        signal: expect.any(AbortSignal),
      },
    ]);
    expect(h.events.at(-1)).toMatchObject({
      type: 'verification.passed',
      summary: 'recovered: 1 check(s) ok',
    });
    expect((await h.service.getProposal(p.id))?.verification).toMatchObject({ passed: true });
    expect((await h.service.audit.readTrail({ proposal: p.id })).at(-1)?.event).toBe('verification.passed');
  });

  it("verification failure names the checks and mentions who approved; a remediation's verify list wins", async () => {
    h = remediationHarness({ config: { approvers: ['UAPPROVER1'], dryRun: false, verifyAfterMs: 50 } });
    verifyResults = [okCheck('lag', 'critical')];
    h.service.startWorker({ rerunChecks });
    const p = await approved(h, { verify: ['lag'] });
    await until(() => h.events.some((e) => e.type === 'verification.failed'), 'verification');
    expect(reruns[0]?.checkIds).toEqual(['lag']);
    expect(h.events.at(-1)).toMatchObject({
      type: 'verification.failed',
      summary: 'not recovered: LAG is critical',
      mention: ['UAPPROVER1'],
    });
    expect((await h.service.audit.readTrail({ proposal: p.id })).at(-1)?.event).toBe('verification.failed');
  });

  it('expires an unanswered proposal on time and tells the chat layer', async () => {
    h = remediationHarness();
    h.service.startWorker({ rerunChecks });
    const playbook = testPlaybook({}, { approval: { expiresAfter: '200ms' } });
    const out = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: 'inc-9',
      requester: 'UREQUESTER',
    });
    if (out.status !== 'created') throw new Error('not created');
    await until(() => h.events.some((e) => e.type === 'proposal.expired'), 'expiry');
    expect(await status(h, out.proposal.id)).toBe('expired');
    const click = await h.service.decide({
      proposalId: out.proposal.id,
      userId: 'UAPPROVER1',
      decision: 'approve',
    });
    expect(click).toMatchObject({
      ok: false,
      reason: 'already-decided',
      text: expect.stringContaining('already expired'),
    });
  });

  it('close() lets a running job finish', async () => {
    h = remediationHarness();
    let release = () => {};
    h.port.rolloutGate = new Promise<void>((r) => {
      release = r;
    });
    const worker = h.service.startWorker({ rerunChecks });
    const p = await approved(h);
    await until(() => h.port.patches.length === 1, 'the change to be applied');
    let closed = false;
    const closing = worker.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(await status(h, p.id)).toBe('succeeded');
  });

  it('the sweep enqueues an approved proposal whose job was never added', async () => {
    h = remediationHarness();
    const playbook = testPlaybook();
    const out = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: 'inc-10',
      requester: 'UREQUESTER',
    });
    if (out.status !== 'created') throw new Error('not created');
    // The approving replica died right after its transition: approved in Redis, no job.
    await h.service.store.decide(out.proposal.id, 'UAPPROVER1', 'approve', true, new Date());
    expect(await h.service.queue.queue.getJob(out.proposal.id)).toBeUndefined();
    h.service.startWorker({ rerunChecks });
    await until(finished(h, out.proposal.id), 'the swept job to finish');
    expect(h.port.patches).toHaveLength(1);
  });

  it('publishes events to the outbox for a consumer group in another process', async () => {
    h = remediationHarness();
    const seen: string[] = [];
    const abort = new AbortController();
    const { redis } = await import('../support/redis.js').then((m) => m.testRedis());
    const consuming = consumeRemediationEvents({
      redis,
      prefix: h.prefix,
      group: 'chat',
      consumer: 'replica-a',
      handler: (e) => {
        seen.push(`${e.type}:${e.streamId.length > 0}`);
      },
      signal: abort.signal,
      blockMs: 100,
      log: silentLogger,
    });
    h.service.startWorker({ rerunChecks });
    await approved(h);
    await until(() => seen.includes('job.succeeded:true'), 'the outbox event');
    abort.abort();
    await consuming;
    redis.disconnect();
    expect(seen.slice(0, 2)).toEqual(['job.started:true', 'job.succeeded:true']);
  });
});
