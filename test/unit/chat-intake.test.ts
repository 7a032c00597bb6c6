// What people see of the senders' real payloads: an incident made from each through the real
// store (Redis) rendered as the root message — Azure severities as perfbot's, Azure kinds that
// never resolve marked as such, a truncated Alertmanager group saying how much is not shown.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlertmanager } from '../../src/alerts/alertmanager.js';
import { parseAzureMonitor } from '../../src/alerts/azure-monitor.js';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { digestMessage, eventLine, rootMessage } from '../../src/chat/incident-message.js';
import { renderPlain } from '../../src/chat/plain.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { testRedis } from '../support/redis.js';
import { readUpstream } from '../support/upstream.js';

const now = () => new Date('2026-01-01T00:00:00Z');
let redis: Redis;
let store: IncidentStore;

beforeAll(() => {
  const t = testRedis();
  redis = t.redis;
  store = new IncidentStore({ redis, prefix: t.prefix, now });
});
afterAll(() => redis?.disconnect());

async function incidentOf(...batches: AlertBatch[]) {
  let id = '';
  for (const b of batches)
    id =
      (
        await store.apply(
          b,
          b.alerts.map(() => ({})),
        )
      ).incidents[0] ?? id;
  const incident = await store.get(id);
  if (!incident) throw new Error('no incident');
  return incident;
}

async function shown(...batches: AlertBatch[]): Promise<string> {
  return renderPlain(rootMessage(await incidentOf(...batches), undefined, now()));
}

type Azure = { data: { essentials: Record<string, unknown> } };

describe('root messages of real payloads', () => {
  it('an Azure Sev1 alert is shown as critical, not as info', async () => {
    const body = readUpstream<Azure>(
      'azure-monitor/payload-samples/test-action-metric-static-threshold.json',
    );
    body.data.essentials.severity = 'Sev1';
    const text = await shown(parseAzureMonitor(body, { now }));
    expect(text).toContain('🔴 CRITICAL: test-metricAlertRule');
    expect(text).toMatch(/Severity: +critical/);
  });

  it('an activity log alert says no resolution will be sent', async () => {
    const body = readUpstream('azure-monitor/payload-samples/test-action-activity-log.json');
    const text = await shown(parseAzureMonitor(body, { now }));
    expect(text).toContain(
      '(no resolution will be sent: Azure Monitor does not resolve activity log alerts; resolve it by hand)',
    );
  });

  it('a truncated Alertmanager group whose listed alerts resolved says 3 more are not shown', async () => {
    const text = await shown(
      parseAlertmanager(readUpstream('alertmanager/debian/truncated-firing.json'), { now }),
      parseAlertmanager(readUpstream('alertmanager/debian/truncated-visible-resolved.json'), { now }),
    );
    expect(text).toContain('0 of 2 alerts firing · 3 more not shown by Alertmanager (max_alerts)');
    expect(text).not.toContain('Resolved');
  });

  it('the digest line and the terminal line say it too; a resolved incident no longer does', async () => {
    const body = readUpstream<Azure>('azure-monitor/payload-samples/test-action-activity-log.json');
    body.data.essentials.alertRule = 'digest-activityLogAlertRule';
    const incident = await incidentOf(parseAzureMonitor(body, { now }));
    const mark = 'no resolution will be sent: Azure Monitor does not resolve activity log alerts';
    const digest = renderPlain(digestMessage([{ incident, playbook: undefined }], now()));
    expect(digest).toContain(mark);
    expect(eventLine(incident, undefined)).toContain(`1 of 1 alert firing · ${mark}; resolve it by hand`);
    const closed = { ...incident, status: 'resolved' as const };
    expect(renderPlain(rootMessage(closed, undefined, now()))).not.toContain(mark);
    expect(eventLine(closed, undefined)).not.toContain(mark);
  });

  it('the terminal line of a truncated group says how many are not shown', async () => {
    const truncated = readUpstream<{ groupKey: string }>('alertmanager/debian/truncated-firing.json');
    const resolved = readUpstream<{ groupKey: string }>(
      'alertmanager/debian/truncated-visible-resolved.json',
    );
    truncated.groupKey = resolved.groupKey = 'terminal-line-truncated';
    const incident = await incidentOf(
      parseAlertmanager(truncated, { now }),
      parseAlertmanager(resolved, { now }),
    );
    expect(eventLine(incident, undefined)).toContain(
      '0 of 2 alerts firing · 3 more not shown by Alertmanager (max_alerts)',
    );
  });
});
