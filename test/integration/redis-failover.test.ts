// Redis behind Sentinel, for real: redis-server primary + replica and three redis-sentinel on
// loopback. The primary is SIGKILLed while alerts stream in over HTTP; perfbot (one process,
// never restarted) follows the failover, every alert it answered 202 is in Redis afterwards,
// the BullMQ remediation worker runs jobs before and after, and the keyed audit trail verifies
// against the last checkpoint logged (replicated) before the kill. Figures: bench/failover.ts.
import { describe, expect, it } from 'vitest';
import { runFailover } from '../support/failover.js';
import { haBinariesMissing } from '../support/redis-ha.js';

const missing = haBinariesMissing();
if (missing) console.warn(`skipping the Sentinel failover test: ${missing}`);

describe.skipIf(missing)('Sentinel failover (real redis-server + redis-sentinel)', () => {
  it('loses no acknowledged alert, answers 503 meanwhile, recovers without restart, BullMQ continues', {
    timeout: 240_000,
  }, async () => {
    // The replica falls behind for 400 ms just before the kill: what the primary took in that
    // window dies with it, so only WAIT keeps every 202 true.
    const r = await runFailover({ waitReplicas: 1, replicaLagMs: 400 });
    expect(r.newPrimaryIsOldReplica).toBe(true);
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(r.lost).toBe(0);
    expect(r.responses503).toBeGreaterThan(0); // the outage was seen, and answered honestly
    expect(r.otherErrors).toBe(0);
    expect(Number.isFinite(r.recoverySeconds)).toBe(true);
    expect(r.jobsBefore).toBe(true);
    expect(r.jobsAfter).toBe(true);
    // The keyed audit trail, appended to throughout, verifies against the last logged anchor.
    expect(r.auditProblem).toBeUndefined();
    expect(r.auditVerified).toBe(true);
  });
});
