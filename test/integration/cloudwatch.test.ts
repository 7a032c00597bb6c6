// cloudwatch.metric through the real AWS SDK against an HTTP fake speaking AWS JSON 1.0.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import {
  type CloudWatchPortClient,
  cloudwatchChecks,
  createCloudWatchClient,
} from '../../src/integrations/cloudwatch/index.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS } from '../../src/playbooks/kinds.js';
import { FakeCloudWatch } from '../fakes/cloudwatch.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const HOUR_AGO = NOW.getTime() - 3_600_000;
const S3_5XX = {
  namespace: 'AWS/S3',
  metricName: '5xxErrors',
  dimensions: { BucketName: 'logs', FilterId: 'all' },
};
const check = cloudwatchChecks['cloudwatch.metric'];

let fake: FakeCloudWatch;
let client: CloudWatchPortClient;

function ctx(
  params: Record<string, unknown>,
  signal = new AbortController().signal,
): CheckContext<'cloudwatch.metric'> {
  return {
    params: CHECK_PARAMS['cloudwatch.metric'].parse(params),
    namespace: 'connectors',
    target: { namespace: 'connectors', selector: {}, workloads: [] },
    signal,
    now: () => NOW,
    log: silentLogger,
  };
}

const s3Params = {
  namespace: 'AWS/S3',
  metric: '5xxErrors',
  dimensions: { BucketName: 'logs', FilterId: 'all' },
};

function connect(maxAttempts = 3): CloudWatchPortClient {
  return createCloudWatchClient({
    region: 'eu-west-1',
    endpoint: fake.url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts,
  });
}

beforeAll(async () => {
  fake = await FakeCloudWatch.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  client?.close();
  client = connect();
});

describe('cloudwatch.metric', () => {
  it('sends a signed JSON 1.0 GetMetricData for the window and sums every page', async () => {
    const f = await FakeCloudWatch.start();
    try {
      f.pageSize = 5;
      // one sample in each of twelve 5-minute periods: 1, 2, …, 12
      f.putSamples(
        S3_5XX,
        Array.from({ length: 12 }, (_, i) => ({ timestamp: HOUR_AGO + i * 300_000 + 1000, value: i + 1 })),
      );
      // another bucket's errors must not count
      f.putSamples({ ...S3_5XX, dimensions: { BucketName: 'other', FilterId: 'all' } }, [
        { timestamp: HOUR_AGO + 1000, value: 500 },
      ]);
      const c = createCloudWatchClient({
        region: 'eu-west-1',
        endpoint: f.url,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      });
      const m = await check.run(ctx(s3Params), c);
      c.close();

      expect(m.value).toBe(78);
      const calls = f.callsOf('GetMetricData');
      expect(calls).toHaveLength(3);
      const first = calls[0];
      expect(first?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
      expect(first?.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(first?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/monitoring\/aws4_request, /,
      );
      expect(first?.body).toMatchObject({
        StartTime: HOUR_AGO / 1000,
        EndTime: NOW.getTime() / 1000,
        MetricDataQueries: [
          {
            Id: 'm0',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/S3',
                MetricName: '5xxErrors',
                Dimensions: [
                  { Name: 'BucketName', Value: 'logs' },
                  { Name: 'FilterId', Value: 'all' },
                ],
              },
              Period: 300,
              Stat: 'Sum',
            },
          },
        ],
      });
      expect(first?.body.NextToken).toBeUndefined();
      expect(calls[1]?.body.NextToken).toEqual(expect.any(String));

      const points = m.evidence?.series?.[0]?.points ?? [];
      expect(points).toHaveLength(12);
      expect(points[0]).toEqual({ t: HOUR_AGO, v: 1 }); // oldest first, epoch ms
      expect(points.at(-1)).toEqual({ t: HOUR_AGO + 11 * 300_000, v: 12 });
      expect(m.summary).toBe(
        'Sum of AWS/S3 5xxErrors {BucketName=logs, FilterId=all} over 1h: 78 (12 datapoints of 300s; highest 12 at 2026-01-01T11:55:00.000Z)',
      );
    } finally {
      await f.close();
    }
  });

  it('reduces by the statistic: Maximum, Minimum, Average', async () => {
    const metric = {
      namespace: 'Connector',
      metricName: 'BatchSeconds',
      dimensions: { Service: 'sentinel' },
    };
    fake.putSamples(metric, [
      { timestamp: HOUR_AGO + 60_000, value: 2 },
      { timestamp: HOUR_AGO + 120_000, value: 4 },
      { timestamp: HOUR_AGO + 400_000, value: 9 },
    ]);
    const params = { namespace: 'Connector', metric: 'BatchSeconds', dimensions: { Service: 'sentinel' } };
    expect((await check.run(ctx({ ...params, statistic: 'Maximum' }), client)).value).toBe(9);
    expect((await check.run(ctx({ ...params, statistic: 'Minimum' }), client)).value).toBe(2);
    // per-period averages 3 and 9 → mean 6
    expect((await check.run(ctx({ ...params, statistic: 'Average' }), client)).value).toBe(6);
    expect((await check.run(ctx({ ...params, statistic: 'SampleCount' }), client)).value).toBe(3);
  });

  it('counts an empty window of a known metric as 0 for Sum', async () => {
    const metric = { namespace: 'AWS/S3', metricName: '4xxErrors', dimensions: { BucketName: 'quiet' } };
    fake.putSamples(metric, [{ timestamp: HOUR_AGO - 86_400_000, value: 3 }]); // yesterday only
    const m = await check.run(
      ctx({ namespace: 'AWS/S3', metric: '4xxErrors', dimensions: { BucketName: 'quiet' } }),
      client,
    );
    expect(m.value).toBe(0);
    expect(m.summary).toContain('no datapoints: CloudWatch omits periods with nothing recorded');
    expect(fake.callsOf('ListMetrics').at(-1)?.body).toEqual({
      Namespace: 'AWS/S3',
      MetricName: '4xxErrors',
      Dimensions: [{ Name: 'BucketName', Value: 'quiet' }],
    });
  });

  it('has no value when the metric does not exist or the statistic is not a count', async () => {
    const unknown = await check.run(ctx({ namespace: 'AWS/S3', metric: 'NoSuchMetric' }), client);
    expect(unknown.value).toBeUndefined();
    expect(unknown.summary).toContain('no datapoints and CloudWatch lists no such metric');

    const listed = fake.callsOf('ListMetrics').length;
    const avg = await check.run(
      ctx({ namespace: 'AWS/S3', metric: 'NoSuchMetric', statistic: 'Average' }),
      client,
    );
    expect(avg.value).toBeUndefined();
    expect(avg.summary).toBe('Average of AWS/S3 NoSuchMetric over 1h: no datapoints');
    expect(fake.callsOf('ListMetrics')).toHaveLength(listed);
  });

  it('rides out a throttled request through the SDK retry', async () => {
    fake.putSamples({ namespace: 'T', metricName: 'M' }, [{ timestamp: HOUR_AGO + 1000, value: 5 }]);
    const before = fake.callsOf('GetMetricData').length;
    fake.throttleNext(1);
    const m = await check.run(ctx({ namespace: 'T', metric: 'M' }), client);
    expect(m.value).toBe(5);
    expect(fake.callsOf('GetMetricData').length - before).toBe(2);
  });

  it('reports persistent throttling as a retryable error and a bad request as not retryable', async () => {
    const once = connect(1);
    try {
      fake.throttleNext(1);
      await expect(check.run(ctx({ namespace: 'T', metric: 'M' }), once)).rejects.toMatchObject({
        code: ErrorCode.UpstreamRetryable,
        retryable: true,
        message: expect.stringContaining('Throttling'),
      });
      fake.failNext(400, 'InvalidParameterValue', 'The parameter Period must be a multiple of 60');
      await expect(check.run(ctx({ namespace: 'T', metric: 'M' }), once)).rejects.toMatchObject({
        code: ErrorCode.Upstream,
        retryable: false,
      });
      fake.failNext(503, 'ServiceUnavailable');
      await expect(check.run(ctx({ namespace: 'T', metric: 'M' }), once)).rejects.toMatchObject({
        retryable: true,
      });
    } finally {
      once.close();
    }
  });

  it('gives up with the abort reason when the signal aborts in flight', async () => {
    const f = await FakeCloudWatch.start();
    const c = createCloudWatchClient({
      region: 'eu-west-1',
      endpoint: f.url,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    });
    try {
      f.stall();
      const ac = new AbortController();
      const run = check.run(ctx({ namespace: 'T', metric: 'M' }, ac.signal), c);
      while (f.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
      const reason = new Error('check deadline');
      ac.abort(reason);
      await expect(run).rejects.toBe(reason);
    } finally {
      c.close();
      await f.close();
    }
  });

  it('refuses a period CloudWatch would reject before calling it', async () => {
    const before = fake.calls.length;
    await expect(check.run(ctx({ namespace: 'T', metric: 'M', period: 90 }), client)).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
      field: 'period',
    });
    expect(fake.calls).toHaveLength(before);
  });
});
