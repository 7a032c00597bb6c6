// Every Slack call counted by method and outcome, and each failure read correctly, against the
// Slack fake answering with injected faults over real HTTP: a WebClient that makes one attempt
// per call (as the sink's does) through the instrumented fetch.
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySlackError, instrumentedFetch, type Verdict } from '../../src/chat/slack/api-calls.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { freePort } from '../../src/redis/embedded.js';
import { FakeSlack } from '../fakes/slack.js';

let fake: FakeSlack;
const metrics = createMetrics({ defaultMetrics: false });
beforeAll(async () => {
  fake = await new FakeSlack().start();
});
afterAll(async () => {
  await fake.stop();
});

function client(apiUrl = fake.apiUrl): webApi.WebClient {
  return new webApi.WebClient(fake.token, {
    slackApiUrl: apiUrl,
    fetch: instrumentedFetch({ apiUrl, log: silentLogger, metrics }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 2000,
  });
}

async function verdictOf(call: () => Promise<unknown>): Promise<Verdict> {
  try {
    await call();
  } catch (err) {
    return classifySlackError(err);
  }
  throw new Error('the call succeeded');
}

const post =
  (c = client()) =>
  () =>
    c.chat.postMessage({ channel: 'C1', text: 'hi' });

describe('Slack calls: counted and read', () => {
  it('reads each kind of failure for delivery', async () => {
    fake.inject({ method: 'chat.postMessage', status: 429, retryAfterSec: 7 });
    expect(await verdictOf(post())).toEqual({
      kind: 'retry',
      reason: 'ratelimited',
      afterMs: 7000,
      rateLimited: true,
      ambiguous: false,
    });
    fake.inject({ method: 'chat.postMessage', status: 503 });
    expect(await verdictOf(post())).toEqual({ kind: 'retry', reason: 'http 503', ambiguous: true });
    fake.inject({ method: 'chat.postMessage', hang: true });
    expect(await verdictOf(post())).toMatchObject({ kind: 'retry', reason: 'TimeoutError', ambiguous: true });
    fake.inject({ method: 'chat.postMessage', reset: true });
    expect(await verdictOf(post())).toMatchObject({ kind: 'retry', ambiguous: true });
    fake.inject({ method: 'chat.postMessage', error: 'internal_error' });
    expect(await verdictOf(post())).toMatchObject({ kind: 'retry', reason: 'internal_error' });
    fake.inject({ method: 'chat.postMessage', error: 'invalid_auth' });
    expect(await verdictOf(post())).toEqual({ kind: 'unavailable', reason: 'invalid_auth' });
    fake.inject({ method: 'chat.postMessage', error: 'channel_not_found' });
    expect(await verdictOf(post())).toEqual({ kind: 'fail', reason: 'channel_not_found' });
    // Nothing listens there: the request never left, so it cannot have been posted.
    const closed = await freePort();
    expect(await verdictOf(post(client(`http://127.0.0.1:${closed}/api/`)))).toMatchObject({
      kind: 'retry',
      reason: 'ECONNREFUSED',
      ambiguous: false,
    });
    fake.clearFaults();
  });

  it('counts every call by method and outcome in /metrics', async () => {
    const c = client();
    await c.chat.postMessage({ channel: 'C1', text: 'ok' });
    fake.inject({ method: 'chat.update', status: 500 });
    await c.chat.update({ channel: 'C1', ts: '1.1', text: 'x' }).catch(() => {});
    const text = await metrics.registry.metrics();
    const value = (method: string, outcome: string) =>
      Number(
        new RegExp(
          `perfbot_slack_api_calls_total\\{method="${method.replace('.', '\\.')}",outcome="${outcome}"\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
    expect(value('chat.postMessage', 'ok')).toBeGreaterThanOrEqual(1);
    expect(value('chat.postMessage', 'ratelimited')).toBe(1);
    expect(value('chat.postMessage', 'http_5xx')).toBe(1);
    expect(value('chat.postMessage', 'timeout')).toBe(1);
    expect(value('chat.postMessage', 'network_error')).toBe(2); // the reset and the refused port
    expect(value('chat.postMessage', 'slack_error')).toBe(3);
    expect(value('chat.update', 'http_5xx')).toBe(1);
  });
});
