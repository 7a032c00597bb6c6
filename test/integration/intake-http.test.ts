// The webhook routes through buildServer (fastify inject): every answer of the contract.
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnsEnvelope } from '../../src/alerts/sns.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import { createRedis } from '../../src/redis/connect.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { buildServer } from '../../src/server.js';
import { payload, signSns, testCatalog, testDeps, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';
import { type SelfSigned, selfSignedCertificate } from '../support/x509.js';

const TOKEN = 'tok-3f9a2b7c1d';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:perfbot-alarms';
const catalog = testCatalog(
  testPlaybook('data-pipeline', [{ alertname: 'HighLatency' }, { alertname: 'HighCPUUsage' }]),
  testPlaybook('s3-sentinel', [
    { match_re: { alertname: 'sentinel-connector-.*' } },
    { alertname: 's3-connector-bucket-5xx' },
  ]),
);
const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

let redis: Redis;
let app: FastifyInstance;
let store: IncidentStore;
let signer: SelfSigned;
const fetched: string[] = [];

beforeAll(async () => {
  const t = testRedis();
  redis = t.redis;
  signer = selfSignedCertificate();
  const fetchFake: typeof fetch = async (input) => {
    const url = String(input);
    fetched.push(url);
    if (url.endsWith('.pem')) return new Response(signer.certPem);
    if (url.includes('Action=ConfirmSubscription')) return new Response('<ConfirmSubscriptionResponse/>');
    return new Response('', { status: 404 });
  };
  const deps = testDeps({
    redis,
    prefix: t.prefix,
    catalog,
    env: { PERFBOT_WEBHOOK_TOKEN: TOKEN, PERFBOT_SNS_TOPIC_ARNS: TOPIC, PERFBOT_BODY_LIMIT: '65536' },
    fetch: fetchFake,
  });
  store = deps.incidents;
  app = await buildServer(deps);
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
});

const post = (url: string, body: unknown, headers: Record<string, string> = json) =>
  app.inject({
    method: 'POST',
    url,
    headers,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /alerts/alertmanager', () => {
  it('202 with the alerts accepted and the incidents they belong to', async () => {
    const res = await post('/alerts/alertmanager', payload('alertmanager-firing'));
    expect(res.statusCode).toBe(202);
    const body = res.json() as { accepted: number; incidents: string[] };
    expect(body.accepted).toBe(2);
    expect(body.incidents).toHaveLength(1);
    const inc = await store.get(body.incidents[0] as string);
    expect(inc).toMatchObject({ playbookId: 'data-pipeline', alertCount: 2, status: 'open' });
    const again = await post('/alerts/alertmanager', payload('alertmanager-firing'));
    expect(again.json()).toEqual(body);
    const resolved = await post('/alerts/alertmanager', payload('alertmanager-resolved'));
    expect(resolved.json()).toEqual(body);
    expect(await store.get(body.incidents[0] as string)).toMatchObject({
      status: 'resolved',
      durationMs: 1_169_877,
    });
  });

  it('accepts ?token= for senders that cannot set headers', async () => {
    const res = await post(`/alerts/alertmanager?token=${TOKEN}`, payload('alertmanager-truncated'), {
      'content-type': 'application/json',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 3 });
  });

  it('400 naming the JSON path of the bad field', async () => {
    const body = payload<{ alerts: Record<string, unknown>[] }>('alertmanager-truncated');
    delete body.alerts[2]?.status;
    const res = await post('/alerts/alertmanager', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: expect.stringContaining('expected one of'),
      field: 'alerts[2].status',
    });
    const broken = await post('/alerts/alertmanager', '{"alerts": [');
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({
      error: 'invalid JSON at line 1, column 13 (offset 12): Unexpected end of JSON input',
      field: 'body',
    });
  });

  it('401 without a token or with a wrong one, before reading the body', async () => {
    const none = await post('/alerts/alertmanager', payload('alertmanager-firing'), {
      'content-type': 'application/json',
    });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: 'missing bearer token' });
    const wrong = await post('/alerts/alertmanager', payload('alertmanager-firing'), {
      ...json,
      authorization: 'Bearer tok-3f9a2b7c1e',
    });
    expect(wrong.statusCode).toBe(401);
    const wrongQuery = await post('/alerts/azure-monitor?token=nope', '{', { 'content-type': 'text/html' });
    expect(wrongQuery.statusCode).toBe(401);
  });

  it('413 over the body limit, 415 for another content type', async () => {
    const big = payload<{ alerts: { annotations: Record<string, string> }[] }>('alertmanager-firing');
    (big.alerts[0] as { annotations: Record<string, string> }).annotations.description = 'x'.repeat(70_000);
    const res = await post('/alerts/alertmanager', big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'request body is too large' });
    const text = await post('/alerts/alertmanager', JSON.stringify(payload('alertmanager-firing')), {
      ...json,
      'content-type': 'text/plain; charset=UTF-8',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: expect.stringContaining('text/plain') });
    const form = await post('/alerts/azure-monitor', 'a=b', {
      ...json,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.statusCode).toBe(415);
    expect(form.json()).toEqual({
      error:
        'unsupported content type "application/x-www-form-urlencoded": send the JSON body with content-type: application/json',
    });
  });

  it('counts what it accepts and refuses in /metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/perfbot_alerts_received_total\{source="alertmanager",status="firing"\} [1-9]/);
    expect(res.body).toMatch(
      /perfbot_webhook_rejected_total\{source="alertmanager",reason="unauthorized"\} [1-9]/,
    );
    expect(res.body).toMatch(/perfbot_incidents_opened_total\{playbook="data-pipeline"\} [1-9]/);
  });
});

describe('POST /alerts/azure-monitor', () => {
  it('fired then resolved: one incident, routed by regex, resolved', async () => {
    const fired = await post('/alerts/azure-monitor', payload('azure-metric-fired'));
    expect(fired.statusCode).toBe(202);
    const { incidents } = fired.json() as { incidents: string[] };
    const resolved = await post('/alerts/azure-monitor', payload('azure-metric-resolved'));
    expect(resolved.json()).toEqual({ accepted: 1, incidents });
    expect(await store.get(incidents[0] as string)).toMatchObject({
      playbookId: 's3-sentinel',
      trigger: { index: 0 },
      status: 'resolved',
    });
  });

  it('400 names the essentials field', async () => {
    const body = payload<{ data: { essentials: Record<string, unknown> } }>('azure-log-search-fired');
    body.data.essentials.monitorCondition = 'Active';
    const res = await post('/alerts/azure-monitor', body);
    expect(res.json()).toMatchObject({ field: 'data.essentials.monitorCondition' });
  });
});

describe('POST /alerts/cloudwatch (SNS)', () => {
  const sns = { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' };
  const signed = (name: string, over: Record<string, unknown> = {}) =>
    signSns({ ...parseSnsEnvelope(payload(name)), ...over }, signer.privateKey);

  it('confirms a subscription to an allowed topic by GETting its SubscribeURL', async () => {
    const msg = signed('sns-subscription-confirmation');
    const res = await post('/alerts/cloudwatch', msg, sns);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ confirmed: true, topicArn: TOPIC });
    expect(fetched).toContain((msg as { SubscribeURL: string }).SubscribeURL);
  });

  it('403 for a topic outside PERFBOT_SNS_TOPIC_ARNS, without confirming', async () => {
    const before = fetched.length;
    const other = 'arn:aws:sns:eu-west-1:999999999999:someone-else';
    const msg = signed('sns-subscription-confirmation', {
      TopicArn: other,
      SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${other}&Token=x`,
    });
    const res = await post('/alerts/cloudwatch', msg, sns);
    expect(res.statusCode).toBe(403);
    expect(fetched.slice(before).some((u) => u.includes('ConfirmSubscription'))).toBe(false);
  });

  it('ALARM then OK: one incident that resolves; text/plain JSON is the SNS way', async () => {
    const alarm = await post('/alerts/cloudwatch', signed('sns-cloudwatch-alarm'), sns);
    expect(alarm.statusCode).toBe(202);
    const { incidents } = alarm.json() as { incidents: string[] };
    const ok = await post('/alerts/cloudwatch', signed('sns-cloudwatch-ok'), sns);
    expect(ok.json()).toEqual({ accepted: 1, incidents });
    expect(await store.get(incidents[0] as string)).toMatchObject({
      playbookId: 's3-sentinel',
      status: 'resolved',
      durationMs: 1_800_000,
    });
  });

  it('401 for a bad signature (the webhook token does not help), 415 for other types', async () => {
    const msg = signed('sns-cloudwatch-alarm');
    const res = await post(
      '/alerts/cloudwatch',
      { ...msg, Message: msg.Message.replace('87.0', '1.0') },
      {
        ...sns,
        authorization: `Bearer ${TOKEN}`,
      },
    );
    expect(res.statusCode).toBe(401);
    const xml = await post('/alerts/cloudwatch', '<xml/>', { 'content-type': 'application/xml' });
    expect(xml.statusCode).toBe(415);
    const notJson = await post('/alerts/cloudwatch', 'hello', sns);
    expect(notJson.json()).toMatchObject({ field: 'body' });
  });
});

describe('Redis down', () => {
  let own: EmbeddedRedis;
  let client: Redis;
  let server: FastifyInstance;
  let ownStore: IncidentStore;

  beforeAll(async () => {
    own = await startEmbeddedRedis();
    client = createRedis(own.url, { retryStrategy: () => 100 });
    client.on('error', () => {});
    await once(client, 'ready');
    const deps = testDeps({ redis: client, prefix: 'down:', catalog, env: { PERFBOT_WEBHOOK_TOKEN: TOKEN } });
    ownStore = deps.incidents;
    server = await buildServer(deps);
  });
  afterAll(async () => {
    await server?.close();
    client?.disconnect();
    await own?.stop();
  });

  it('503 while Redis is stopped (nothing written), 202 once it is back', async () => {
    const send = () =>
      server.inject({
        method: 'POST',
        url: '/alerts/alertmanager',
        headers: json,
        payload: payload('alertmanager-firing'),
      });
    await own.stop();
    const down = await send();
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ error: expect.stringContaining('incident store unavailable') });
    expect(down.headers['retry-after']).toBe('5');

    own = await startEmbeddedRedis({ port: own.port });
    while (client.status !== 'ready') await new Promise((r) => setTimeout(r, 20));
    expect(await client.dbsize()).toBe(0);
    const up = await send();
    expect(up.statusCode).toBe(202);
    const inc = await ownStore.get((up.json() as { incidents: string[] }).incidents[0] as string);
    expect(inc?.alertCount).toBe(2);
  });
});
