// The one audit policy for entries written beside other work: a failed append never fails the
// caller, is logged with what was lost, and is counted in perfbot_audit_append_failures_total —
// by the trail itself, so an append that throws to its caller is counted as well.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/audit/record.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { createMetrics } from '../../src/metrics.js';
import { testRedis } from '../support/redis.js';

describe('audit append failures', () => {
  const { redis, prefix } = testRedis();
  afterAll(() => redis.quit());

  it('recordAudit resolves, logs the lost entry, and the trail counts it in /metrics', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    );
    const metrics = createMetrics({ defaultMetrics: false });
    const trail = new AuditTrail({ redis, prefix, log, failures: metrics.auditAppendFailures });
    // A stream key that is not a stream: every append fails inside Redis (WRONGTYPE).
    await redis.set(`${prefix}audit`, 'not a stream');

    await expect(
      recordAudit(trail, { actor: 'U1', event: 'proposal.approved', proposal: 'p-1', incident: 'i-1' }, log),
    ).resolves.toBeUndefined();
    await expect(trail.append({ actor: 'system', event: 'job.started', proposal: 'p-1' })).rejects.toThrow(
      /WRONGTYPE/,
    );

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^perfbot_audit_append_failures_total 2$/m);
    const lost = lines.find((l) => String(l.msg).startsWith('audit append failed'));
    expect(lost).toMatchObject({ event: 'proposal.approved', proposal: 'p-1', incident: 'i-1', actor: 'U1' });
  });
});
