// POST /slack/events on perfbot's own server: signed requests are answered by Bolt through our
// receiver, forged and stale ones refused; every /perf subcommand answers in the ack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSigned, slashCommandBody } from '../fakes/slack.js';
import {
  ALL_BACKENDS,
  alertmanagerPayload,
  fakeChecks,
  type Harness,
  SIGNING_SECRET,
  s3Throttling,
  startHarness,
  waitUntil,
} from './slack-harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ checks: fakeChecks(s3Throttling), backends: ALL_BACKENDS });
});
afterAll(async () => {
  await h?.close();
});

const body = (r: { body: string }) =>
  JSON.parse(r.body) as {
    response_type: string;
    text: string;
    blocks: { type: string; text?: { text: string } }[];
  };
const allText = (r: { body: string }) =>
  body(r)
    .blocks.map((b) => b.text?.text ?? JSON.stringify(b))
    .join('\n');

describe('POST /slack/events signature', () => {
  it('answers a correctly signed slash command', async () => {
    const r = await h.slash('help');
    expect(r.status).toBe(200);
    expect(body(r).response_type).toBe('ephemeral');
  });

  it('refuses a forged signature with 401', async () => {
    const r = await sendSigned(`${h.url}/slack/events`, SIGNING_SECRET, slashCommandBody('help'), {
      signature: `v0=${'ab'.repeat(32)}`,
    });
    expect(r.status).toBe(401);
    const other = await sendSigned(`${h.url}/slack/events`, 'not-the-secret', slashCommandBody('help'));
    expect(other.status).toBe(401);
  });

  it('refuses a correctly signed request older than five minutes with 401', async () => {
    const r = await sendSigned(`${h.url}/slack/events`, SIGNING_SECRET, slashCommandBody('help'), {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ reason: 'stale' });
  });

  it('refuses a request without signature headers', async () => {
    const res = await fetch(`${h.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: slashCommandBody('help'),
    });
    expect(res.status).toBe(401);
  });

  it('answers the Events API url_verification challenge', async () => {
    const payload = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'c-123' });
    const r = await sendSigned(`${h.url}/slack/events`, SIGNING_SECRET, payload, {
      contentType: 'application/json',
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ challenge: 'c-123' });
  });

  it('leaves the webhook routes on their own JSON parser', async () => {
    const res = await h.alertmanager({ version: '4' });
    expect(res.status).toBe(400);
  });
});

describe('/perf commands', () => {
  it('help lists every subcommand and the playbooks', async () => {
    const text = allText(await h.slash('help'));
    for (const c of [
      '/perf diagnose &lt;playbook|alias&gt; [namespace]',
      '/perf list',
      '/perf status',
      '/perf audit [incident]',
      '/perf help',
    ]) {
      expect(text).toContain(c);
    }
    expect(text).toContain('sentinel');
  });

  it('list shows playbooks, aliases and their triggers', async () => {
    const text = allText(await h.slash('list'));
    expect(text).toContain('sentinel-connector — S3 to Sentinel connector performance');
    expect(text).toContain('aliases: sentinel, s3-sentinel, s3-sentinel-connector');
    expect(text).toContain('alert S3SentinelIngestionLatencyHigh playbook="sentinel-connector"');
    expect(text).toContain('data-pipeline');
  });

  it('status shows open incidents with playbook, age and thread link', async () => {
    const empty = allText(await h.slash('status'));
    expect(empty).toMatch(/No open incidents|Open incidents/);
    const res = await h.alertmanager(
      alertmanagerPayload({
        groupKey: '{}:{alertname="S3SentinelS3DownloadLatencyHigh"}',
        status: 'firing',
        alerts: [
          {
            alertname: 'S3SentinelS3DownloadLatencyHigh',
            fingerprint: 'status-fp-1',
            labels: { playbook: 'sentinel-connector', severity: 'warning' },
          },
        ],
      }),
    );
    expect(res.status).toBe(202);
    const { incidents } = (await res.json()) as { incidents: string[] };
    await waitUntil(async () => (await h.incidents.get(incidents[0] ?? ''))?.thread, 'the incident thread');
    const text = allText(await h.slash('status'));
    expect(text).toContain('S3SentinelS3DownloadLatencyHigh — sentinel-connector — open');
    expect(text).toContain(incidents[0]);
    expect(text).toMatch(/https:\/\/fake\.slack\.com\/archives\/C0INCIDENT\/p\d+/);
    await h.settle();
  });

  it('audit shows the recent trail', async () => {
    const text = allText(await h.slash('audit'));
    expect(text).toContain('command.invoked');
    expect(text).toContain('U0ALICE');
  });

  it('an unknown subcommand gets did-you-mean, for commands and for playbook names', async () => {
    const typo = allText(await h.slash('stauts'));
    expect(typo).toContain('Unknown command "stauts"');
    expect(typo).toContain('/perf status');
    const playbook = allText(await h.slash('sentinel'));
    expect(playbook).toContain('/perf diagnose sentinel');
    const misspelt = allText(await h.slash('diagnose sentinal'));
    expect(misspelt).toContain('No playbook or alias "sentinal"');
    expect(misspelt).toContain('/perf diagnose sentinel');
  });

  it('diagnose refuses a namespace that is not a DNS-1123 label, before running anything', async () => {
    const before = h.fake.callsTo('chat.postMessage').length;
    const text = allText(await h.slash('diagnose sentinel Bad_NS'));
    expect(text).toContain('not a Kubernetes namespace name');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(before);
  });
});
