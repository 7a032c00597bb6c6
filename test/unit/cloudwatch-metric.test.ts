import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ErrorCode } from '../../src/errors.js';
import { createBackends } from '../../src/integrations/backends.js';
import { normalizeAwsError, reduceCloudWatchStatistic } from '../../src/integrations/cloudwatch/index.js';
import { silentLogger } from '../../src/log.js';

const points = [
  { t: 1, v: 4 },
  { t: 2, v: 1 },
  { t: 3, v: 7 },
];

describe('reduceCloudWatchStatistic', () => {
  it('sums Sum and SampleCount over the window, takes extremes and the mean of period averages', () => {
    expect(reduceCloudWatchStatistic('Sum', points)).toBe(12);
    expect(reduceCloudWatchStatistic('SampleCount', points)).toBe(12);
    expect(reduceCloudWatchStatistic('Maximum', points)).toBe(7);
    expect(reduceCloudWatchStatistic('Minimum', points)).toBe(1);
    expect(reduceCloudWatchStatistic('Average', points)).toBe(4);
  });
});

describe('normalizeAwsError', () => {
  const live = new AbortController().signal;
  const sdkError = (name: string, status?: number) =>
    Object.assign(new Error('boom'), {
      name,
      $metadata: status === undefined ? {} : { httpStatusCode: status },
    });

  it('marks throttling, 5xx and network failures retryable', () => {
    expect(normalizeAwsError(sdkError('Throttling', 400), live, 'GetMetricData')).toMatchObject({
      code: ErrorCode.UpstreamRetryable,
      message: 'cloudwatch: GetMetricData: Throttling: boom',
    });
    expect(normalizeAwsError(sdkError('InternalServiceFault', 500), live, 'x')).toMatchObject({
      retryable: true,
    });
    expect(normalizeAwsError(sdkError('TimeoutError'), live, 'x')).toMatchObject({ retryable: true });
  });

  it('does not retry bad requests, denied access or missing credentials', () => {
    expect(normalizeAwsError(sdkError('InvalidParameterValue', 400), live, 'x')).toMatchObject({
      code: ErrorCode.Upstream,
      retryable: false,
    });
    expect(normalizeAwsError(sdkError('AccessDenied', 403), live, 'x')).toMatchObject({ retryable: false });
    expect(normalizeAwsError(sdkError('CredentialsProviderError'), live, 'x')).toMatchObject({
      retryable: false,
    });
  });

  it('answers an aborted call with the signal reason', () => {
    const ac = new AbortController();
    const reason = new Error('deadline');
    ac.abort(reason);
    expect(normalizeAwsError(sdkError('AbortError'), ac.signal, 'x')).toBe(reason);
  });
});

describe('createBackends', () => {
  it('configures cloudwatch only when AWS_REGION is set', async () => {
    const none = createBackends(loadConfig({}), silentLogger);
    expect(none.has('cloudwatch')).toBe(false);
    await none.close();
    const some = createBackends(
      loadConfig({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:1' }),
      silentLogger,
    );
    expect(await some.get('cloudwatch')).toEqual(
      expect.objectContaining({ getMetricData: expect.any(Function) }),
    );
    await some.close();
  });
});
