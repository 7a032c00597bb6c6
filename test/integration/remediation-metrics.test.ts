// perfbot_remediation_jobs_total over the real remediation worker (real Redis, real BullMQ): each
// job attempt is counted once by action kind and outcome, as the worker of this process ends it.
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics.js';
import { instrumentRemediations } from '../../src/metrics-hooks.js';
import {
  approvedProposal,
  type Harness,
  jobFinished,
  remediationHarness,
  until,
} from '../support/remediation-fixtures.js';

const approved = (h: Harness) => approvedProposal(h, { incidentId: 'inc-m' });
const finished = jobFinished;

describe('perfbot_remediation_jobs_total', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  /** A fresh harness (the guardrails' cooldown allows one change of a target per incident window). */
  function start() {
    const metrics = createMetrics({ defaultMetrics: false });
    instrumentRemediations(metrics, h.service.events);
    h.service.startWorker({ rerunChecks: async () => [] });
    return metrics;
  }

  it('counts a success by action kind', async () => {
    h = remediationHarness();
    const metrics = start();
    const p = await approved(h);
    await until(finished(h, p.id), 'the job to finish');
    const text = await metrics.registry.metrics();
    expect(text).toContain('perfbot_remediation_jobs_total{action="kubernetes.scale",outcome="succeeded"} 1');
    expect(text).not.toContain('outcome="failed"');
  });

  it('counts each retried attempt, then the failure', async () => {
    h = remediationHarness();
    const metrics = start();
    // Upstream 503s are retryable: attempts 1 and 2 are retried, the third (the harness allows
    // three) fails for good.
    h.port.failures.push(
      new UpstreamError('kubernetes', 'service unavailable', { status: 503 }),
      new UpstreamError('kubernetes', 'service unavailable', { status: 503 }),
      new UpstreamError('kubernetes', 'service unavailable', { status: 503 }),
    );
    const p = await approved(h);
    await until(finished(h, p.id), 'the failing job to finish');
    const text = await metrics.registry.metrics();
    expect(text).toContain('perfbot_remediation_jobs_total{action="kubernetes.scale",outcome="retried"} 2');
    expect(text).toContain('perfbot_remediation_jobs_total{action="kubernetes.scale",outcome="failed"} 1');
    expect(text).not.toContain('outcome="succeeded"');
  });

  it('counts a dry run as such', async () => {
    h = remediationHarness({ config: { approvers: ['UAPPROVER1'], dryRun: true, verifyAfterMs: 10 } });
    const metrics = start();
    const p = await approved(h);
    await until(finished(h, p.id), 'the dry run to finish');
    expect(await metrics.registry.metrics()).toContain(
      'perfbot_remediation_jobs_total{action="kubernetes.scale",outcome="dry-run"} 1',
    );
  });
});
