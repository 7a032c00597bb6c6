// Every AWS sample of test/fixtures/upstream/index.json through POST /alerts/cloudwatch of a real
// perfbot server: the SNS message formats of the SNS guide, aws-lambda-go's CloudWatch alarm
// notifications (metric and metric math), and messages genuinely signed by Amazon SNS (AWS's PHP
// validator tests; a metric and a composite alarm from amzn/rheoceros), verified offline with the
// certificate the PHP validator ships, at a clock inside its validity. Samples whose signature is
// a placeholder in the docs are signed with a test certificate instead.
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnsEnvelope, type SnsMessage } from '../../src/alerts/sns.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { signSns } from '../support/intake.js';
import { testRedis } from '../support/redis.js';
import {
  readUpstream,
  readUpstreamText,
  startUpstreamServer,
  type UpstreamEntry,
  upstreamEntries,
} from '../support/upstream.js';
import { type SelfSigned, selfSignedCertificate } from '../support/x509.js';

const ROUTE = '/alerts/cloudwatch';
const SNS_HEADERS = { 'content-type': 'text/plain; charset=UTF-8' };
// The certificate AWS's PHP validator ships (valid 2021-09-07 – 2022-08-17) signed them all.
const AWS_CERT = 'SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem';
const CLOCK = new Date('2022-07-28T22:00:00Z');
const TEST_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-perfbot-test.pem';
const HELLO = { accepted: 0, incidents: [], ignored: 'not a CloudWatch alarm' };
const RHEO = 'if-sim-app_427809481713_us-east-1';
const EXAMPLE_TOPIC = 'arn:aws:sns:us-east-1:123456789012:EXAMPLE';

interface Expected {
  status: number;
  answer: Record<string, unknown>;
  incident?: Record<string, unknown>;
  alert?: Record<string, unknown>;
}

const EXPECTED: Record<string, Expected> = {
  'aws/sns-docs/subscription-confirmation': {
    status: 200,
    answer: { confirmed: true, topicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic' },
  },
  'aws/sns-docs/notification': { status: 202, answer: HELLO },
  'aws/sns-docs/unsubscribe-confirmation': {
    status: 200,
    answer: { unsubscribed: true, topicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic' },
  },
  'aws/lambda-go/cloudwatch-alarm-sns-payload-single-metric': {
    status: 202,
    answer: { accepted: 1 },
    incident: { status: 'open', title: 'EXAMPLE', firingCount: 1 },
    alert: {
      status: 'firing',
      startsAt: '2015-06-03T17:43:27.123Z',
      value: 1234,
      labels: {
        alertname: 'EXAMPLE',
        account: '123456789012',
        namespace: 'AWS/EC2',
        metric: 'NetworkOut',
        statistic: 'AVERAGE',
        InstanceId: 'TestInstance',
      },
      annotations: {
        summary: 'TestInvoke',
        threshold: '0',
        comparison: 'GreaterThanThreshold',
        period: '60',
      },
    },
  },
  'aws/lambda-go/cloudwatch-alarm-sns-payload-multiple-metrics': {
    // Metric math: each metric of Trigger.Metrics keeps its namespace, metric, stat, dimensions.
    status: 202,
    answer: { accepted: 1 },
    incident: { status: 'open', title: 'EXAMPLE', firingCount: 1 },
    alert: {
      value: 1234,
      labels: {
        namespace: 'AWS/EC2',
        metric: 'NetworkOut',
        statistic: 'Average',
        InstanceId: 'TestInstance',
        'm1.namespace': 'AWS/EC2',
        'm1.metric': 'NetworkOut',
        'm1.stat': 'Average',
        'm1.InstanceId': 'TestInstance',
      },
      annotations: {
        expression: 'm1*1',
        metrics:
          'e1 = m1*1 (Expression1); m1 = AWS/EC2 NetworkOut Average per 60 s (InstanceId=TestInstance)',
      },
    },
  },
  'aws/rheoceros/metric-alarm': {
    status: 202,
    answer: { accepted: 1 },
    incident: { status: 'open', title: `${RHEO}-metric_emitting_node_failure`, firingCount: 1 },
    alert: {
      startsAt: '2021-11-10T02:45:55.640Z',
      value: 1,
      fingerprint: `arn:aws:cloudwatch:us-east-1:427809481713:alarm:${RHEO}-metric_emitting_node_failure`,
      generatorURL: expect.stringContaining('region=us-east-1#alarmsV2:alarm/'),
      labels: {
        region: 'us-east-1',
        account: '427809481713',
        namespace: 'sim-app_427809481713_us-east-1',
        metric: 'IExecutionFailureHook',
        statistic: 'SUM',
        RouteID: 'metric_emitting_node',
        MetricGroupId: 'routing_table.receive.hook',
      },
      annotations: { previousState: 'INSUFFICIENT_DATA', threshold: '1' },
    },
  },
  'aws/rheoceros/composite-alarm': {
    // A composite alarm: its rule and the child alarm that set it off.
    status: 202,
    answer: { accepted: 1 },
    incident: { status: 'open', title: `${RHEO}-test_node_monitor`, firingCount: 1 },
    alert: {
      labels: { region: 'us-east-1', triggeringChildren: `${RHEO}-metric_emitting_node_failure` },
      annotations: {
        alarmRule: expect.stringMatching(/^ALARM\(arn:.*metric_emitting_node_failure\) OR ALARM\(arn:/),
        triggeringChildren: `${RHEO}-metric_emitting_node_failure (ALARM since 2021-11-10T02:45:55.640+0000)`,
        previousState: 'OK',
      },
    },
  },
};
for (const kind of ['http', 'lambda']) {
  for (let i = 1; i <= (kind === 'http' ? 4 : 6); i++) {
    EXPECTED[`aws/php-validator/${kind}-${i}`] = { status: 202, answer: HELLO };
  }
}

let redis: Redis;
let prefix: string;
let catalog: PlaybookCatalog;
let signer: SelfSigned;
const awsPem = readUpstreamText('aws/php-validator/sns-certificate.pem');
const entries = upstreamEntries(ROUTE);
const fetched: string[] = [];

// Outbound HTTP of the server: certificates (the real one for its URL, the test one otherwise)
// and subscription confirmations.
const fakeFetch: typeof fetch = async (input) => {
  const url = String(input);
  fetched.push(url);
  if (url.endsWith(AWS_CERT)) return new Response(awsPem);
  if (url.endsWith('.pem')) return new Response(signer.certPem);
  if (url.includes('Action=ConfirmSubscription')) return new Response('<ConfirmSubscriptionResponse/>');
  return new Response('', { status: 404 });
};

/** The request body: genuinely signed messages as published; the others signed for the test. */
function requestBody(entry: UpstreamEntry): Record<string, unknown> {
  const raw = readUpstream(entry.file);
  const sns = (
    entry.form === 'lambda sns event' ? (raw as { Records: { Sns: unknown }[] }).Records[0]?.Sns : raw
  ) as Record<string, unknown>;
  if (entry.signature?.startsWith('genuine')) return sns;
  // aws-lambda-go's samples say "arn:aws:sns:EXAMPLE", which no topic allowlist accepts.
  const topic = /^arn:aws:sns:[a-z0-9-]+:\d{12}:/.test(String(sns.TopicArn)) ? sns.TopicArn : EXAMPLE_TOPIC;
  const msg: SnsMessage = parseSnsEnvelope({
    ...sns,
    TopicArn: topic,
    SigningCertURL: String(sns.SigningCertURL ?? sns.SigningCertUrl).startsWith('https://')
      ? (sns.SigningCertURL ?? sns.SigningCertUrl)
      : TEST_CERT_URL,
  });
  return { ...sns, ...signSns(msg, signer.privateKey), TopicArn: topic };
}

beforeAll(async () => {
  ({ redis, prefix } = testRedis());
  signer = selfSignedCertificate({ notBefore: new Date('2011-01-01T00:00:00Z'), days: 365 * 25 });
  catalog = new PlaybookCatalog(
    await loadPlaybooksOrThrow(join(import.meta.dirname, '..', '..', 'playbooks')),
  );
});
afterAll(() => redis?.disconnect());

const start = () => {
  const topics = [...new Set(entries.map((e) => String(requestBody(e).TopicArn)))];
  return startUpstreamServer({
    redis,
    prefix,
    catalog,
    now: () => CLOCK,
    fetch: fakeFetch,
    env: { PERFBOT_SNS_TOPIC_ARNS: topics.join(',') },
  });
};

describe('AWS: the published SNS and CloudWatch samples through POST /alerts/cloudwatch', () => {
  it('has an expectation for every AWS sample of the index, and no other', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(entries.map((e) => e.id).sort());
  });

  it.each(entries.map((e) => [e.id, e] as const))('%s', async (id, entry) => {
    const want = EXPECTED[id] as Expected;
    const server = await start();
    try {
      const res = await server.post(ROUTE, requestBody(entry), SNS_HEADERS);
      const answer = (await res.json()) as { incidents?: string[] };
      expect({ status: res.status, answer }).toMatchObject({ status: want.status, answer: want.answer });
      if (!want.incident) return;
      const incident = await server.store.get(answer.incidents?.[0] as string);
      expect(incident).toMatchObject({
        source: 'cloudwatch',
        playbookId: null,
        alertCount: 1,
        ...want.incident,
      });
      expect(incident?.alerts[0]).toMatchObject({ name: want.incident.title, ...want.alert });
    } finally {
      await server.close();
    }
  });

  it('a genuine message changed by one character is refused (401), so the signatures really are checked', async () => {
    const server = await start();
    try {
      const genuine = entries.filter((e) => e.signature?.startsWith('genuine'));
      expect(genuine.length).toBe(12);
      for (const entry of genuine) {
        const body = requestBody(entry);
        const res = await server.post(ROUTE, { ...body, Message: `${body.Message} ` }, SNS_HEADERS);
        expect(res.status).toBe(401);
      }
      expect(fetched.some((u) => u.endsWith(AWS_CERT))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
