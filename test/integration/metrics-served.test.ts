// What `perfbot serve` (the real process, as deployed) answers on GET /metrics holds against
// README.md's "Metrics" section: every perfbot_* family of the table with its type and no other,
// the default Node.js collectors under their standard names, and the remediation queue's depth.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payload } from '../support/intake.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { documentedDefaultCollectors, documentedMetrics, exposedTypes } from '../support/readme-metrics.js';
import { testRedisUrl } from '../support/redis.js';

const TOKEN = 'metrics-served-token';

describe('GET /metrics of perfbot serve against the README', { timeout: 240_000 }, () => {
  let url: string;
  let redis: Redis;
  let bot: PerfbotProcess | undefined;
  let text: string;
  let contentType: string;

  beforeAll(async () => {
    url = `${testRedisUrl()}/10`;
    redis = new Redis(url);
    await redis.flushdb();
    await ensureBuilt();
    bot = await startPerfbot({
      REDIS_URL: url,
      PERFBOT_AUDIT_RETENTION: 'off',
      PERFBOT_WEBHOOK_TOKEN: TOKEN,
    });
    // One request of our own first, so the HTTP series have a sample to show.
    await fetch(`${bot.url}/healthz`);
    // An alert of the sentinel playbook: perfbot opens an incident and diagnoses it (every check
    // skipped: no back end is configured here), which the diagnosis and check series count.
    const body = payload<{ alerts: { labels: Record<string, string> }[] }>('alertmanager-firing');
    body.alerts = body.alerts.slice(0, 1);
    body.alerts[0] = {
      ...body.alerts[0],
      labels: { alertname: 'S3SentinelMemoryHigh', playbook: 'sentinel-connector', namespace: 'default' },
    };
    const posted = await fetch(`${bot.url}/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    expect(posted.status).toBe(202);
    for (let i = 0; ; i++) {
      const res = await fetch(`${bot.url}/metrics`);
      expect(res.status).toBe(200);
      contentType = res.headers.get('content-type') ?? '';
      text = await res.text();
      if (/^perfbot_diagnosis_duration_seconds_count\{playbook="sentinel-connector"\} 1$/m.test(text)) break;
      if (i > 300) throw new Error(`no diagnosis was counted:\n${bot.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 180_000);

  afterAll(async () => {
    await bot?.stop();
    await redis?.flushdb();
    redis?.disconnect();
  });

  it('serves Prometheus text', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('exposes exactly the perfbot_* families the README table lists, with their types', () => {
    const served = [...exposedTypes(text)]
      .filter(([name]) => name.startsWith('perfbot_'))
      .map(([name, type]) => `${name} ${type}`)
      .sort();
    const documented = documentedMetrics()
      .map((m) => `${m.name} ${m.type}`)
      .sort();
    expect(served).toEqual(documented);
  });

  it('keeps the default collectors unprefixed, as the README says', () => {
    const types = exposedTypes(text);
    for (const name of documentedDefaultCollectors()) expect(types.has(name), name).toBe(true);
    expect([...types.keys()].filter((n) => /^perfbot_(process|nodejs)_/.test(n))).toEqual([]);
  });

  it('counts the alert, its incident, the diagnosis and each check by kind and result', () => {
    expect(text).toContain('perfbot_alerts_received_total{source="alertmanager",status="firing"} 1');
    expect(text).toContain('perfbot_incidents_opened_total{playbook="sentinel-connector"} 1');
    expect(text).toMatch(/^perfbot_checks_total\{kind="prometheus\.query",status="skipped"\} [1-9]\d*$/m);
    expect(text).toMatch(
      /^perfbot_diagnosis_duration_seconds_bucket\{le="\+Inf",playbook="sentinel-connector"\} 1$/m,
    );
    expect(text).toMatch(
      /^perfbot_http_requests_total\{route="\/alerts\/alertmanager",method="POST",code="202"\} 1$/m,
    );
  });

  it('has samples for the routes, the queue depth and the audit failures from the start', () => {
    // startPerfbot polls /healthz until it answers, so the count is at least our one request.
    expect(text).toMatch(
      /^perfbot_http_requests_total\{route="\/healthz",method="GET",code="200"\} [1-9]\d*$/m,
    );
    expect(text).toContain('perfbot_queue_jobs{queue="remediations",state="waiting"} 0');
    expect(text).toMatch(/^perfbot_audit_append_failures_total 0$/m);
  });
});
