import { describe, expect, it } from 'vitest';
import { parseAlertmanager } from '../../src/alerts/alertmanager.js';
import { parseAzureMonitor } from '../../src/alerts/azure-monitor.js';
import { parseCloudWatchAlarm } from '../../src/alerts/cloudwatch.js';
import { Alert } from '../../src/alerts/schema.js';
import { InvalidInputError } from '../../src/errors.js';
import { payload } from '../support/intake.js';

const now = () => new Date('2024-05-03T18:00:00Z');
const opts = { now };

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.field;
    throw err;
  }
  return undefined;
}

describe('Alertmanager webhook v4', () => {
  it('parses a firing group: every alert, groupKey, value, generator URL, zero endsAt dropped', () => {
    const batch = parseAlertmanager(payload('alertmanager-firing'), opts);
    expect(batch.source).toBe('alertmanager');
    expect(batch.group).toBe(
      '{}/{severity=~"warning|critical"}:{alertname="HighLatency", namespace="market-data"}',
    );
    expect(batch.meta).toMatchObject({
      receiver: 'perfbot',
      truncatedAlerts: 0,
      groupAlertname: 'HighLatency',
    });
    expect(batch.alerts).toHaveLength(2);
    const [first] = batch.alerts;
    expect(first).toEqual({
      source: 'alertmanager',
      name: 'HighLatency',
      status: 'firing',
      labels: {
        alertname: 'HighLatency',
        namespace: 'market-data',
        pod: 'normalizer-7d9f8b6c5-x2k4p',
        service: 'normalizer',
        severity: 'warning',
      },
      annotations: expect.objectContaining({ summary: 'High request latency on normalizer' }),
      startsAt: '2024-05-03T12:01:30.123Z',
      fingerprint: '5e4c1a2b3d4f6a7b',
      generatorURL: expect.stringContaining('http://prometheus-0:9090/graph'),
      value: 0.142,
    });
    for (const a of batch.alerts) expect(Alert.parse(a)).toEqual(a);
  });

  it('parses resolved alerts with their end times', () => {
    const batch = parseAlertmanager(payload('alertmanager-resolved'), opts);
    expect(batch.alerts.map((a) => [a.status, a.endsAt])).toEqual([
      ['resolved', '2024-05-03T12:19:30.500Z'],
      ['resolved', '2024-05-03T12:21:00.000Z'],
    ]);
  });

  it('keeps truncatedAlerts and mixed firing/resolved alerts of a large group', () => {
    const batch = parseAlertmanager(payload('alertmanager-truncated'), opts);
    expect(batch.meta.truncatedAlerts).toBe(5);
    expect(batch.alerts.map((a) => a.status)).toEqual(['firing', 'firing', 'resolved']);
    expect(batch.alerts.every((a) => a.value === undefined)).toBe(true);
  });

  it('a resolved alert without an end time ended when it was received', () => {
    const body = payload<{ alerts: Record<string, unknown>[] }>('alertmanager-resolved');
    (body.alerts[0] as Record<string, unknown>).endsAt = '0001-01-01T00:00:00Z';
    expect(parseAlertmanager(body, opts).alerts[0]?.endsAt).toBe('2024-05-03T18:00:00.000Z');
  });

  it('derives a stable fingerprint from the labels when the sender gave none', () => {
    const body = payload<{ alerts: Record<string, unknown>[] }>('alertmanager-firing');
    delete body.alerts[0]?.fingerprint;
    const a = parseAlertmanager(body, opts).alerts[0];
    const b = parseAlertmanager(body, opts).alerts[0];
    expect(a?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(a?.fingerprint).toBe(b?.fingerprint);
  });

  it('names the JSON path of a missing or ill-typed required field', () => {
    const bad = (mutate: (b: Record<string, unknown> & { alerts: Record<string, unknown>[] }) => void) => {
      const body = payload<Record<string, unknown> & { alerts: Record<string, unknown>[] }>(
        'alertmanager-truncated',
      );
      mutate(body);
      return fieldOf(() => parseAlertmanager(body, opts));
    };
    expect(bad((b) => delete b.alerts[2]?.status)).toBe('alerts[2].status');
    expect(bad((b) => ((b.alerts[1] as Record<string, unknown>).status = 'pending'))).toBe(
      'alerts[1].status',
    );
    expect(bad((b) => ((b.alerts[0] as Record<string, unknown>).startsAt = 'yesterday'))).toBe(
      'alerts[0].startsAt',
    );
    expect(bad((b) => ((b.alerts[0] as Record<string, unknown>).labels = { pod: 3 }))).toBe(
      'alerts[0].labels.pod',
    );
    expect(bad((b) => (b.alerts[1] = [] as unknown as Record<string, unknown>))).toBe('alerts[1]');
    expect(bad((b) => delete b.groupKey)).toBe('groupKey');
    expect(bad((b) => (b.alerts = {} as never))).toBe('alerts');
    expect(bad((b) => (b.version = '3'))).toBe('version');
    expect(fieldOf(() => parseAlertmanager('[]', opts))).toBe('body');
  });

  it('a "__proto__" label from JSON is dropped, never turned into a prototype', () => {
    const body = payload<{ alerts: Record<string, unknown>[] }>('alertmanager-firing');
    (body.alerts[0] as Record<string, unknown>).labels = JSON.parse('{"alertname":"X","__proto__":"y"}');
    (body.alerts[0] as Record<string, unknown>).annotations = JSON.parse('{"summary":"s","__proto__":"y"}');
    const alert = parseAlertmanager(body, opts).alerts[0];
    expect(alert?.labels).toEqual({ alertname: 'X' });
    expect(Object.getPrototypeOf(alert?.labels)).toBe(Object.prototype);
    expect(Object.keys(alert?.annotations ?? {})).toEqual(['summary']);
  });

  it('tolerates harmless oddities: non-string annotations, missing version and generatorURL', () => {
    const body = payload<Record<string, unknown> & { alerts: Record<string, unknown>[] }>(
      'alertmanager-firing',
    );
    delete body.version;
    const first = body.alerts[0] as Record<string, unknown>;
    first.annotations = { summary: 'x', runbook: { url: 'nested' }, count: 3 };
    delete first.generatorURL;
    const alert = parseAlertmanager(body, opts).alerts[0];
    expect(alert?.annotations).toEqual({ summary: 'x', count: '3' });
    expect(alert?.generatorURL).toBeUndefined();
  });
});

describe('Azure Monitor common alert schema', () => {
  it('parses a fired metric alert: rule, dimensions, custom properties, value, link', () => {
    const batch = parseAzureMonitor(payload('azure-metric-fired'), opts);
    expect(batch.source).toBe('azure-monitor');
    // No rule id in this payload: the rule name within its subscription groups the alerts.
    expect(batch.group).toBe(
      'rule:/subscriptions/11111111-2222-3333-4444-555555555555/sentinel-connector-ingestion-latency',
    );
    const [alert] = batch.alerts;
    expect(alert).toMatchObject({
      name: 'sentinel-connector-ingestion-latency',
      status: 'firing',
      startsAt: '2024-05-03T14:02:24.371Z',
      value: 412.5,
      fingerprint: expect.stringContaining('/alerts/b9569717'),
      labels: {
        alertname: 'sentinel-connector-ingestion-latency',
        severity: 'warning',
        azureSeverity: 'Sev2',
        signalType: 'Metric',
        resource: 'sentinel-ws',
        DataType: 'CommonSecurityLog',
        team: 'secops',
      },
      annotations: { metricName: 'IngestionLatencyInSeconds', operator: 'GreaterThan', threshold: '300' },
    });
    expect(alert?.generatorURL).toMatch(/^https:\/\/portal\.azure\.com/);
    expect(Alert.parse(alert)).toEqual(alert);
  });

  it('parses the resolved notification of the same alert (same fingerprint)', () => {
    const fired = parseAzureMonitor(payload('azure-metric-fired'), opts).alerts[0];
    const resolved = parseAzureMonitor(payload('azure-metric-resolved'), opts).alerts[0];
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.endsAt).toBe('2024-05-03T14:17:16.224Z');
    expect(resolved?.fingerprint).toBe(fired?.fingerprint);
  });

  it('parses a log search alert and groups by the alert rule id', () => {
    const batch = parseAzureMonitor(payload('azure-log-search-fired'), opts);
    expect(batch.group).toMatch(/scheduledqueryrules\/sentinel-connector-parse-errors$/);
    const [alert] = batch.alerts;
    expect(alert?.value).toBe(61);
    expect(alert?.labels).toMatchObject({
      signalType: 'Log',
      Computer: 's3-connector-0',
      targetResourceGroup: 'sentinel-rg',
    });
    expect(alert?.annotations.searchQuery).toContain('S3ConnectorLogs_CL');
  });

  it('names the field of a bad required value', () => {
    const bad = (mutate: (e: Record<string, unknown>) => void) => {
      const body = payload<{ data: { essentials: Record<string, unknown> } }>('azure-metric-fired');
      mutate(body.data.essentials);
      return fieldOf(() => parseAzureMonitor(body, opts));
    };
    expect(bad((e) => (e.monitorCondition = 'Maybe'))).toBe('data.essentials.monitorCondition');
    expect(bad((e) => delete e.alertId)).toBe('data.essentials.alertId');
    expect(bad((e) => (e.firedDateTime = 17))).toBe('data.essentials.firedDateTime');
    expect(fieldOf(() => parseAzureMonitor({ schemaId: 'Microsoft.Insights/activityLogs' }, opts))).toBe(
      'schemaId',
    );
    expect(fieldOf(() => parseAzureMonitor({ schemaId: 'azureMonitorCommonAlertSchema' }, opts))).toBe(
      'data',
    );
  });
});

describe('CloudWatch alarm in an SNS notification', () => {
  const sns = { topicArn: 'arn:aws:sns:eu-west-1:123456789012:perfbot-alarms', messageId: 'm-1' };

  it('ALARM is firing, with dimensions as labels, the datapoint as value, a console link', () => {
    const env = payload<{ Message: string; Subject: string }>('sns-cloudwatch-alarm');
    const batch = parseCloudWatchAlarm(env.Message, { ...sns, subject: env.Subject });
    expect(batch.group).toBe('arn:aws:cloudwatch:eu-west-1:123456789012:alarm:s3-connector-bucket-5xx');
    const [alert] = batch.alerts;
    expect(alert).toMatchObject({
      source: 'cloudwatch',
      name: 's3-connector-bucket-5xx',
      status: 'firing',
      startsAt: '2024-05-03T16:05:12.345Z',
      value: 87,
      labels: {
        region: 'eu-west-1',
        namespace: 'AWS/S3',
        metric: '5xxErrors',
        BucketName: 'sentinel-connector-logs',
      },
      annotations: { summary: 'ALARM: "s3-connector-bucket-5xx" in EU (Ireland)', threshold: '50' },
    });
    expect(alert?.generatorURL).toContain('region=eu-west-1#alarmsV2:alarm/s3-connector-bucket-5xx');
    expect(Alert.parse(alert)).toEqual(alert);
  });

  it('OK is resolved at the state change time, same fingerprint as the ALARM', () => {
    const alarm = parseCloudWatchAlarm(payload<{ Message: string }>('sns-cloudwatch-alarm').Message, sns);
    const ok = parseCloudWatchAlarm(payload<{ Message: string }>('sns-cloudwatch-ok').Message, sns);
    expect(ok.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2024-05-03T16:35:12.345Z', value: 12 });
    expect(ok.alerts[0]?.fingerprint).toBe(alarm.alerts[0]?.fingerprint);
  });

  it('INSUFFICIENT_DATA yields no alert; a non-alarm message is ignored; a broken alarm names the field', () => {
    const message = JSON.parse(payload<{ Message: string }>('sns-cloudwatch-alarm').Message) as Record<
      string,
      unknown
    >;
    expect(
      parseCloudWatchAlarm(JSON.stringify({ ...message, NewStateValue: 'INSUFFICIENT_DATA' }), sns).alerts,
    ).toEqual([]);
    expect(parseCloudWatchAlarm('not json', sns)).toMatchObject({
      alerts: [],
      ignored: 'not a CloudWatch alarm',
    });
    expect(fieldOf(() => parseCloudWatchAlarm(JSON.stringify({ ...message, AlarmName: '' }), sns))).toBe(
      'Message.AlarmName',
    );
    expect(
      fieldOf(() => parseCloudWatchAlarm(JSON.stringify({ ...message, NewStateValue: 'BAD' }), sns)),
    ).toBe('Message.NewStateValue');
  });
});
