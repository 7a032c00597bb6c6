// CloudWatch alarms beyond one metric: metric math (each metric's namespace, metric, stat and
// dimensions as labels triggers can use), composite alarms (rule and triggering children),
// INSUFFICIENT_DATA (neither firing nor resolving an open incident), and non-alarm messages.
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCloudWatchAlarm } from '../../src/alerts/cloudwatch.js';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { testCatalog, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';
import { readUpstream } from '../support/upstream.js';

const sns = { topicArn: 'arn:aws:sns:eu-west-1:123456789012:perfbot-alarms', messageId: 'm-1' };
const lambdaGo = (name: string) =>
  JSON.parse(
    readUpstream<{ Records: { Sns: { Message: string } }[] }>(`aws/lambda-go/${name}.json`).Records[0]?.Sns
      .Message as string,
  ) as Record<string, unknown> & { Trigger: Record<string, unknown> };

// An S3 error-rate alarm: 5xxErrors / AllRequests of one bucket, as metric math.
const errorRate = {
  ...lambdaGo('cloudwatch-alarm-sns-payload-multiple-metrics'),
  AlarmName: 's3-connector-error-rate',
  AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:s3-connector-error-rate',
  Trigger: {
    Period: 300,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 5,
    Metrics: [
      { Expression: '100 * errors / requests', Id: 'rate', Label: 'Error rate', ReturnData: true },
      {
        Id: 'errors',
        MetricStat: {
          Metric: {
            Dimensions: [
              { value: 'sentinel-connector-logs', name: 'BucketName' },
              { value: 'EntireBucket', name: 'FilterId' },
            ],
            MetricName: '5xxErrors',
            Namespace: 'AWS/S3',
          },
          Period: 300,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'requests',
        MetricStat: {
          Metric: {
            Dimensions: [
              { value: 'sentinel-connector-logs', name: 'BucketName' },
              { value: 'EntireBucket', name: 'FilterId' },
            ],
            MetricName: 'AllRequests',
            Namespace: 'AWS/S3',
          },
          Period: 300,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
    ],
  },
};

describe('metric-math alarms', () => {
  it('label every metric of the expression; shared values stay plain, others are listed', () => {
    const [alert] = parseCloudWatchAlarm(JSON.stringify(errorRate), sns).alerts;
    expect(alert?.labels).toEqual({
      alertname: 's3-connector-error-rate',
      account: 'EXAMPLE',
      region: 'eu-west-1',
      'errors.BucketName': 'sentinel-connector-logs',
      'errors.FilterId': 'EntireBucket',
      'errors.namespace': 'AWS/S3',
      'errors.metric': '5xxErrors',
      'errors.stat': 'Sum',
      'requests.BucketName': 'sentinel-connector-logs',
      'requests.FilterId': 'EntireBucket',
      'requests.namespace': 'AWS/S3',
      'requests.metric': 'AllRequests',
      'requests.stat': 'Sum',
      BucketName: 'sentinel-connector-logs',
      FilterId: 'EntireBucket',
      namespace: 'AWS/S3',
      metric: '5xxErrors,AllRequests',
      statistic: 'Sum',
    });
    expect(alert?.annotations).toMatchObject({
      expression: '100 * errors / requests',
      metrics:
        'rate = 100 * errors / requests (Error rate); errors = AWS/S3 5xxErrors Sum per 300 s (BucketName=sentinel-connector-logs, FilterId=EntireBucket); requests = AWS/S3 AllRequests Sum per 300 s (BucketName=sentinel-connector-logs, FilterId=EntireBucket)',
    });
  });

  it("a dimension named like one of a metric's labels does not replace it", () => {
    const alarm = structuredClone(errorRate) as typeof errorRate;
    const metrics = alarm.Trigger.Metrics as { MetricStat?: { Metric: { Dimensions: unknown[] } } }[];
    metrics[1]?.MetricStat?.Metric.Dimensions.push({ value: 'spoofed', name: 'namespace' });
    const [alert] = parseCloudWatchAlarm(JSON.stringify(alarm), sns).alerts;
    expect(alert?.labels['errors.namespace']).toBe('AWS/S3');
  });

  it('playbook triggers can match them: by namespace and bucket, by one metric of the expression', () => {
    const [alert] = parseCloudWatchAlarm(JSON.stringify(errorRate), sns).alerts;
    const byBucket = testCatalog(
      testPlaybook('s3', [{ labels: { namespace: 'AWS/S3', BucketName: 'sentinel-connector-logs' } }]),
    );
    const byMetric = testCatalog(testPlaybook('s3', [{ match_re: { metric: '(.*,)?5xxErrors(,.*)?' } }]));
    expect(routeAlert(alert as never, byBucket).playbook?.id).toBe('s3');
    expect(routeAlert(alert as never, byMetric).playbook?.id).toBe('s3');
  });
});

describe('composite alarms', () => {
  const composite = {
    AlarmName: 'connector-degraded',
    AWSAccountId: '123456789012',
    NewStateValue: 'ALARM',
    NewStateReason:
      'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:s3-connector-bucket-5xx transitioned to ALARM',
    StateChangeTime: '2024-05-03T16:05:12.345+0000',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:connector-degraded',
    OldStateValue: 'OK',
    AlarmRule: 'ALARM(s3-connector-bucket-5xx) OR ALARM(s3-connector-error-rate)',
  };

  it('keep the rule and the children that set them off, in either documented shape', () => {
    const objects = parseCloudWatchAlarm(
      JSON.stringify({
        ...composite,
        TriggeringChildren: [
          {
            Arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:s3-connector-bucket-5xx',
            State: { Value: 'ALARM', Timestamp: '2024-05-03T16:05:12.345+0000' },
          },
        ],
      }),
      sns,
    ).alerts[0];
    expect(objects).toMatchObject({
      status: 'firing',
      labels: { triggeringChildren: 's3-connector-bucket-5xx', region: 'eu-west-1' },
      annotations: {
        alarmRule: composite.AlarmRule,
        triggeringChildren: 's3-connector-bucket-5xx (ALARM since 2024-05-03T16:05:12.345+0000)',
      },
    });
    const strings = parseCloudWatchAlarm(
      JSON.stringify({ ...composite, TriggeringChildren: ['arn:aws:cloudwatch:eu-west-1:1:alarm:a', 'b'] }),
      sns,
    ).alerts[0];
    expect(strings?.labels.triggeringChildren).toBe('a,b');
  });
});

describe('INSUFFICIENT_DATA and other messages', () => {
  const clients: Redis[] = [];
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });

  it('INSUFFICIENT_DATA neither fires nor resolves: an open incident stays open', async () => {
    const { redis, prefix } = testRedis();
    clients.push(redis);
    const store = new IncidentStore({ redis, prefix });
    const catalog = testCatalog(testPlaybook('s3', [{ alertname: 's3-connector-error-rate' }]));
    const apply = (b: AlertBatch) =>
      store.apply(
        b,
        b.alerts.map((a) => routeAlert(a, catalog)),
      );
    const fired = parseCloudWatchAlarm(JSON.stringify(errorRate), sns);
    const { incidents } = await apply(fired);
    const unknown = parseCloudWatchAlarm(
      JSON.stringify({
        ...errorRate,
        NewStateValue: 'INSUFFICIENT_DATA',
        StateChangeTime: '2015-06-03T18:00:00.000+0000',
      }),
      sns,
    );
    expect(unknown).toMatchObject({ alerts: [], ignored: expect.stringContaining('INSUFFICIENT_DATA') });
    await apply(unknown);
    expect(await store.get(incidents[0] as string)).toMatchObject({ status: 'open', firingCount: 1 });
  });

  it('a message that is no alarm is ignored; one that means to be an alarm but is broken names the field', () => {
    for (const m of ['Hello world', '{"Records":[]}', '42', 'null']) {
      expect(parseCloudWatchAlarm(m, sns)).toMatchObject({ alerts: [], ignored: 'not a CloudWatch alarm' });
    }
    expect(() => parseCloudWatchAlarm('{"NewStateValue":"ALARM"}', sns)).toThrow(
      expect.objectContaining({ field: 'Message.AlarmName' }),
    );
  });
});
