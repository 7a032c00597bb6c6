// azure.metric and azure.logs through the real Azure SDKs against an HTTP fake of both APIs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import {
  type AzureLogsPort,
  type AzureMetricsPort,
  azureChecks,
  createAzureLogsClient,
  createAzureMetricsClient,
} from '../../src/integrations/azure/index.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS, type CheckKind } from '../../src/playbooks/kinds.js';
import { FakeAzureMonitor, staticCredential } from '../fakes/azure.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const HOUR_AGO = NOW.getTime() - 3_600_000;
const SUB = '00000000-0000-0000-0000-000000000001';
const WORKSPACE = `/subscriptions/${SUB}/resourceGroups/security/providers/Microsoft.OperationalInsights/workspaces/sentinel-ws`;
const WORKSPACE_ID = '11111111-2222-3333-4444-555555555555';
const METRICS_ENDPOINT = 'https://westeurope.metrics.monitor.azure.com';
const LOGS_ENDPOINT = 'https://api.loganalytics.io';

let fake: FakeAzureMonitor;

function ctx<K extends CheckKind>(
  kind: K,
  params: Record<string, unknown>,
  signal = new AbortController().signal,
) {
  return {
    params: CHECK_PARAMS[kind].parse(params),
    namespace: 'connectors',
    target: { namespace: 'connectors', selector: {}, workloads: [] },
    signal,
    now: () => NOW,
    log: silentLogger,
  } as unknown as CheckContext<K>;
}

function metricsClient(f = fake, maxRetries?: number): AzureMetricsPort {
  return createAzureMetricsClient({
    endpoint: METRICS_ENDPOINT,
    credential: staticCredential(),
    httpClient: f.httpClient(),
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });
}

function logsClient(f = fake, maxRetries?: number): AzureLogsPort {
  return createAzureLogsClient({
    endpoint: LOGS_ENDPOINT,
    credential: staticCredential(),
    httpClient: f.httpClient(),
    defaultWorkspaceId: WORKSPACE_ID,
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });
}

beforeAll(async () => {
  fake = await FakeAzureMonitor.start();
  // Sentinel ingestion latency: one sample every 5 minutes, 1 … 12 seconds
  fake.putMetric(
    WORKSPACE,
    'Ingestion Latency',
    'Seconds',
    Array.from({ length: 12 }, (_, i) => ({ timestamp: HOUR_AGO + i * 300_000 + 5000, value: i + 1 })),
  );
  fake.putMetric(WORKSPACE, 'Quiet Metric', 'Count', [{ timestamp: HOUR_AGO - 86_400_000, value: 1 }]);
});
afterAll(async () => {
  await fake.close();
});

const metric = azureChecks['azure.metric'];
const logs = azureChecks['azure.logs'];

describe('azure.metric', () => {
  it('queries the batch API for the window and averages the grains that have data', async () => {
    const m = await metric.run(
      ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Ingestion Latency' }),
      metricsClient(),
    );

    expect(m.value).toBe(6.5);
    const call = fake.callsOf('metrics').at(-1);
    expect(call?.path).toBe(`/subscriptions/${SUB}/metrics:getBatch`);
    expect(call?.query).toEqual({
      'api-version': '2024-02-01',
      starttime: new Date(HOUR_AGO).toISOString(),
      endtime: NOW.toISOString(),
      interval: 'PT1M',
      metricnamespace: 'Microsoft.OperationalInsights/workspaces',
      metricnames: 'Ingestion Latency',
      aggregation: 'average',
    });
    expect(call?.body).toEqual({ resourceids: [WORKSPACE] });
    expect(call?.headers.authorization).toBe('Bearer fake-azure-token');
    expect(fake.requestedUrls.at(-1)).toMatch(
      new RegExp(`^${METRICS_ENDPOINT}/subscriptions/${SUB}/metrics:getBatch\\?`),
    );

    // 60 one-minute grains come back, 12 with data: gaps are not zeros
    const points = m.evidence?.series?.[0]?.points ?? [];
    expect(points).toHaveLength(12);
    expect(points[0]).toEqual({ t: HOUR_AGO, v: 1 });
    expect(m.summary).toBe(
      'Average of Ingestion Latency over 1h: 6.5 Seconds (12 datapoints of PT1M; highest 12 at 2026-01-01T11:55:00.000Z)',
    );
  });

  it('reduces by the aggregation', async () => {
    const client = metricsClient();
    const run = (aggregation: string) =>
      metric.run(
        ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Ingestion Latency', aggregation }),
        client,
      );
    expect((await run('Maximum')).value).toBe(12);
    expect((await run('Minimum')).value).toBe(1);
    expect((await run('Total')).value).toBe(78);
    expect((await run('Count')).value).toBe(12);
    expect(fake.callsOf('metrics').at(-1)?.query.aggregation).toBe('count');
  });

  it('gives times in seconds even when Azure reports milliseconds', async () => {
    fake.putMetric(WORKSPACE, 'Query Latency', 'MilliSeconds', [
      { timestamp: HOUR_AGO + 60_000, value: 1500 },
      { timestamp: HOUR_AGO + 120_000, value: 2500 },
    ]);
    const m = await metric.run(
      ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Query Latency' }),
      metricsClient(),
    );
    expect(m.value).toBe(2);
    expect(m.evidence?.series?.[0]?.points.map((p) => p.v)).toEqual([1.5, 2.5]);
    expect(m.summary).toContain(': 2 Seconds (');
  });

  it('has no value when the window holds no data', async () => {
    const m = await metric.run(
      ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Quiet Metric' }),
      metricsClient(),
    );
    expect(m.value).toBeUndefined();
    expect(m.summary).toBe('Average of Quiet Metric over 1h: no datapoints');
  });

  it('does not retry an unknown metric', async () => {
    await expect(
      metric.run(ctx('azure.metric', { resourceId: WORKSPACE, metric: 'No Such Metric' }), metricsClient()),
    ).rejects.toMatchObject({ code: ErrorCode.Upstream, retryable: false });
  });

  it('waits out a 429 with Retry-After, and reports persistent throttling as retryable', async () => {
    const before = fake.callsOf('metrics').length;
    fake.throttleNext('metrics', 1, 1);
    const m = await metric.run(
      ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Ingestion Latency' }),
      metricsClient(),
    );
    expect(m.value).toBe(6.5);
    expect(fake.callsOf('metrics').length - before).toBe(2);

    fake.throttleNext('metrics', 1, 30);
    await expect(
      metric.run(
        ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Ingestion Latency' }),
        metricsClient(fake, 0),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamRetryable, retryable: true, details: { status: 429 } });
  });

  it('refuses a malformed resource ID or a comma in the metric name before calling Azure', async () => {
    const before = fake.calls.length;
    await expect(
      metric.run(
        ctx('azure.metric', { resourceId: '/subscriptions/x/../../tenants', metric: 'Ingestion Latency' }),
        metricsClient(),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput, field: 'resourceId' });
    await expect(
      metric.run(
        ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Ingestion Latency,Heartbeat' }),
        metricsClient(),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput, field: 'metric' });
    expect(fake.calls).toHaveLength(before);
  });
});

describe('azure.logs', () => {
  const query = 'SentinelHealth | summarize failures = countif(Status == "Failure") by SentinelResourceName';

  it('posts KQL to the workspace and takes the value column of the first row', async () => {
    fake.onQuery('SentinelHealth', {
      tables: [
        {
          name: 'PrimaryResult',
          columns: [
            { name: 'SentinelResourceName', type: 'string' },
            { name: 'failures', type: 'long' },
            { name: 'last', type: 'datetime' },
          ],
          rows: [
            ['s3-connector', 7, '2026-01-01T11:58:00Z'],
            ['other', 1, '2026-01-01T11:30:00Z'],
          ],
        },
      ],
    });
    const m = await logs.run(ctx('azure.logs', { query, valueColumn: 'failures' }), logsClient());

    expect(m.value).toBe(7);
    expect(m.summary).toBe('failures = 7 over 1h; 2 rows');
    expect(m.evidence?.rows).toEqual([
      { SentinelResourceName: 's3-connector', failures: 7, last: '2026-01-01T11:58:00.000Z' },
      { SentinelResourceName: 'other', failures: 1, last: '2026-01-01T11:30:00.000Z' },
    ]);
    const call = fake.callsOf('logs').at(-1);
    expect(call?.path).toBe(`/v1/workspaces/${WORKSPACE_ID}/query`);
    expect(call?.body).toEqual({
      query,
      timespan: `${new Date(HOUR_AGO).toISOString()}/${NOW.toISOString()}`,
    });
    expect(call?.headers.authorization).toBe('Bearer fake-azure-token');
    expect(fake.requestedUrls.at(-1)).toBe(`${LOGS_ENDPOINT}/v1/workspaces/${WORKSPACE_ID}/query`);
  });

  it('uses the workspace named on the check over the default', async () => {
    fake.onQuery('Usage', {
      tables: [{ name: 'PrimaryResult', columns: [{ name: 'gb', type: 'decimal' }], rows: [['12.5']] }],
    });
    const other = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    const m = await logs.run(
      ctx('azure.logs', {
        workspaceId: other,
        query: 'Usage | summarize gb = sum(Quantity)',
        valueColumn: 'gb',
      }),
      logsClient(),
    );
    expect(m.value).toBe(12.5);
    expect(fake.callsOf('logs').at(-1)?.path).toBe(`/v1/workspaces/${other}/query`);
  });

  it('says so in the summary when the results are partial', async () => {
    fake.onQuery('Partial', {
      tables: [{ name: 'PrimaryResult', columns: [{ name: 'n', type: 'long' }], rows: [[3]] }],
      error: { code: 'PartialError', message: 'query exceeded the result size limit' },
    });
    const m = await logs.run(ctx('azure.logs', { query: 'Partial | count', valueColumn: 'n' }), logsClient());
    expect(m.value).toBe(3);
    expect(m.summary).toBe(
      'partial results (PartialError: query exceeded the result size limit); n = 3 over 1h; 1 row',
    );
  });

  it('has no value without rows, and refuses a value column the result lacks', async () => {
    fake.onQuery('Empty', {
      tables: [{ name: 'PrimaryResult', columns: [{ name: 'n', type: 'long' }], rows: [] }],
    });
    const empty = await logs.run(ctx('azure.logs', { query: 'Empty', valueColumn: 'n' }), logsClient());
    expect(empty.value).toBeUndefined();
    expect(empty.summary).toBe('query returned no rows over 1h');

    fake.onQuery('Wrong', {
      tables: [{ name: 'PrimaryResult', columns: [{ name: 'n', type: 'long' }], rows: [[1]] }],
    });
    await expect(
      logs.run(ctx('azure.logs', { query: 'Wrong', valueColumn: 'count_' }), logsClient()),
    ).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
      field: 'valueColumn',
    });
  });

  it('reports throttling as retryable and a rejected query as not', async () => {
    fake.throttleNext('logs', 1, 30);
    await expect(
      logs.run(ctx('azure.logs', { query, valueColumn: 'failures' }), logsClient(fake, 0)),
    ).rejects.toMatchObject({
      code: ErrorCode.UpstreamRetryable,
      details: { status: 429 },
    });
    await expect(
      logs.run(ctx('azure.logs', { query: 'NotAKnownQuery', valueColumn: 'x' }), logsClient(fake, 0)),
    ).rejects.toMatchObject({ code: ErrorCode.Upstream, retryable: false });
  });

  it('refuses a workspace ID that is not a GUID before calling Azure', async () => {
    const before = fake.calls.length;
    await expect(
      logs.run(
        ctx('azure.logs', { workspaceId: '../subscriptions', query, valueColumn: 'failures' }),
        logsClient(),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput, field: 'workspaceId' });
    expect(fake.calls).toHaveLength(before);
  });
});

describe('abort', () => {
  it('stops both clients in flight with the signal reason', async () => {
    const stalled = await FakeAzureMonitor.start();
    try {
      stalled.stall();
      fake.onQuery('Stalled', { tables: [] });
      const reason = new Error('check deadline');

      const ac1 = new AbortController();
      const m = metric.run(
        ctx('azure.metric', { resourceId: WORKSPACE, metric: 'Ingestion Latency' }, ac1.signal),
        metricsClient(stalled),
      );
      const ac2 = new AbortController();
      const l = logs.run(
        ctx('azure.logs', { query: 'Stalled', valueColumn: 'n' }, ac2.signal),
        logsClient(stalled),
      );
      while (stalled.calls.length < 2) await new Promise((r) => setTimeout(r, 5));
      ac1.abort(reason);
      ac2.abort(reason);
      await expect(m).rejects.toBe(reason);
      await expect(l).rejects.toBe(reason);
    } finally {
      await stalled.close();
    }
  });
});
