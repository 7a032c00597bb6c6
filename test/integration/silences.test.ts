// Silencing an incident through real Alertmanagers (Debian's prometheus-alertmanager, amtool):
// the silence is created on both of an HA pair with the incident's identifying labels and the
// clicker as createdBy, amtool shows it, Alertmanager stops notifying for those alerts while
// others keep coming, and its end — expired in Alertmanager, expired through perfbot, or run
// out — is noticed once and announced on the incident outbox.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntriesFor } from '../../src/audit/incident-recorder.js';
import type { IncidentEvent } from '../../src/incidents/events.js';
import { checkSilences } from '../../src/incidents/silence-watch.js';
import { IncidentSilences } from '../../src/incidents/silences.js';
import { createAlertmanagerClient } from '../../src/integrations/alertmanager/client.js';
import { silentLogger } from '../../src/log.js';
import { buildServer } from '../../src/server.js';
import { ALERTMANAGER_BINARY, postAlerts, startAlertmanager } from '../support/alertmanager.js';
import { testCatalog, testDeps, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';
import { findBinary, skipWithout, type TestServer } from '../support/servers.js';

const run = promisify(execFile);
const catalog = testCatalog(testPlaybook('connector', [{ labels: { playbook: 'connector' } }]));

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const skip = skipWithout(ALERTMANAGER_BINARY) || skipWithout('amtool');

describe.skipIf(skip)('silences through real Alertmanagers', () => {
  let redis: Redis;
  let app: FastifyInstance;
  let counter: Server;
  let am1: TestServer;
  let am2: TestServer;
  let silences: IncidentSilences;
  let deps: ReturnType<typeof testDeps>;
  const events: IncidentEvent[] = [];
  /** Webhook notifications per alert name, counted on the way to perfbot. */
  const notified = new Map<string, number>();

  beforeAll(async () => {
    const t = testRedis();
    redis = t.redis;
    deps = testDeps({ redis, prefix: t.prefix, catalog });
    deps.incidents.onEvent((e) => events.push(e));
    app = await buildServer(deps);
    const perfbot = await app.listen({ port: 0, host: '127.0.0.1' });
    // Counts each notification, then hands it to perfbot unchanged.
    counter = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString();
        const name = (JSON.parse(body) as { groupLabels: { alertname: string } }).groupLabels.alertname;
        notified.set(name, (notified.get(name) ?? 0) + 1);
        const r = await fetch(`${perfbot}/alerts/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        res.writeHead(r.status).end(await r.text());
      });
    });
    await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
    const webhookUrl = `http://127.0.0.1:${(counter.address() as AddressInfo).port}/`;
    [am1, am2] = await Promise.all([
      startAlertmanager({ webhookUrl, groupBy: ['alertname', 'namespace'], repeatInterval: '2s' }),
      startAlertmanager({ webhookUrl, groupBy: ['alertname', 'namespace'], repeatInterval: '2s' }),
    ]);
    silences = new IncidentSilences({
      redis,
      prefix: t.prefix,
      incidents: deps.incidents,
      alertmanagerUrls: [am1.url, am2.url],
      client: (baseUrl) => createAlertmanagerClient({ baseUrl }),
      log: silentLogger,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([am1?.stop(), am2?.stop()]);
    await new Promise((r) => counter?.close(r));
    await app?.close();
    redis?.disconnect();
  });

  const amtool = async (url: string, ...args: string[]) =>
    (await run(findBinary('amtool') as string, [...args, `--alertmanager.url=${url}`])).stdout;

  it('silence created on both, visible to amtool, notifications stop, ends noticed once', {
    timeout: 120_000,
  }, async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const labels = { namespace: 'connectors', playbook: 'connector', service: 's3-sentinel' };
    await postAlerts(am1.url, [
      { labels: { alertname: 'ConnectorSlow', severity: 'warning', pod: 'c-1', ...labels }, endsAt: later },
      { labels: { alertname: 'ControlAlert', severity: 'info', namespace: 'elsewhere' }, endsAt: later },
    ]);
    const opened = await waitFor('the incident', () =>
      events.find((e) => e.type === 'opened' && e.title === 'ConnectorSlow'),
    );
    const id = opened.incidentId;

    const out = await silences.silence(id, {
      user: 'U0ALICE',
      durationMs: 3_600_000,
      comment: 'fix under way',
    });
    if (out.outcome !== 'silenced') throw new Error(JSON.stringify(out));
    expect(out.failed).toEqual([]);
    expect(out.silences.map((s) => s.url)).toEqual([am1.url, am2.url]);
    expect(out.matchers).toEqual([
      { name: 'alertname', value: 'ConnectorSlow', isRegex: false, isEqual: true },
      { name: 'namespace', value: 'connectors', isRegex: false, isEqual: true },
      { name: 'playbook', value: 'connector', isRegex: false, isEqual: true },
      { name: 'pod', value: 'c-1', isRegex: false, isEqual: true },
      { name: 'service', value: 's3-sentinel', isRegex: false, isEqual: true },
    ]);
    expect(out.event).toMatchObject({ type: 'silenced', by: 'U0ALICE', incidentId: id });
    expect(auditEntriesFor(out.event)).toMatchObject([{ actor: 'U0ALICE', event: 'silence.created' }]);

    // amtool sees it on both, made by the clicker, without severity.
    for (const [i, am] of [am1, am2].entries()) {
      const listed = JSON.parse(await amtool(am.url, 'silence', 'query', '-o', 'json')) as {
        id: string;
        createdBy: string;
        comment: string;
        matchers: { name: string }[];
      }[];
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        id: out.silences[i]?.id,
        createdBy: 'U0ALICE',
        comment: `perfbot ${id}: fix under way`,
      });
      expect(listed[0]?.matchers.map((m) => m.name)).not.toContain('severity');
    }

    // Alertmanager marks the alert silenced; its notifications stop while the control's go on.
    await waitFor('the alert suppressed', async () => {
      const alerts = (await (
        await fetch(`${am1.url}/api/v2/alerts?filter=alertname%3D%22ConnectorSlow%22`)
      ).json()) as {
        status: { state: string; silencedBy: string[] };
      }[];
      return (
        alerts[0]?.status.state === 'suppressed' &&
        alerts[0].status.silencedBy.includes(out.silences[0]?.id ?? '')
      );
    });
    const control = () => notified.get('ControlAlert') ?? 0;
    const settled = control();
    await waitFor('one more control notification', () => control() > settled);
    const silencedBefore = notified.get('ConnectorSlow') ?? 0;
    const controlBefore = control();
    await waitFor('three more control notifications', () => control() >= controlBefore + 3);
    expect(notified.get('ConnectorSlow') ?? 0).toBe(silencedBefore);

    // Someone expires it in Alertmanager (amtool): the watcher notices, once.
    await amtool(am1.url, 'silence', 'expire', out.silences[0]?.id as string);
    const noticed = await checkSilences(silences, redis, { log: silentLogger });
    expect(noticed.map((e) => e.type === 'silence-ended' && [e.silence.url, e.reason])).toEqual([
      [am1.url, 'deleted'],
    ]);
    expect(await checkSilences(silences, redis, { log: silentLogger })).toEqual([]);

    // The rest is expired through perfbot (the Expire silence button).
    const expired = await silences.expire(id, 'U0BOB');
    expect(expired).toMatchObject({ failed: [], expired: [{ url: am2.url }] });
    expect(await amtool(am2.url, 'silence', 'query', '-q')).toBe('');
    // One per Alertmanager, in no particular order.
    expect((await silences.list(id)).map((s) => `${s.state}:${s.reason}`).sort()).toEqual([
      'ended:deleted',
      'ended:expired-by',
    ]);
    expect(await checkSilences(silences, redis, { log: silentLogger })).toEqual([]);
    const outbox = (await redis.xrange(`${silences.prefix}incident-events`, '-', '+')).map(([, f]) => f[1]);
    expect(outbox.filter((t) => t?.startsWith('silence'))).toEqual([
      'silenced',
      'silence-ended',
      'silence-ended',
    ]);
  });

  it('a silence whose time runs out is noticed as expired', { timeout: 60_000 }, async () => {
    const opened = events.find((e) => e.type === 'opened' && e.title === 'ConnectorSlow');
    const id = opened?.incidentId as string;
    const out = await silences.silence(id, { user: 'U0ALICE', durationMs: 1500 });
    if (out.outcome !== 'silenced') throw new Error(JSON.stringify(out));
    await waitFor('Alertmanager to expire it', async () => {
      const s = await silences.alertmanager(am1.url).getSilence(out.silences[0]?.id as string);
      return s?.status.state === 'expired';
    });
    await waitFor('the second to expire it', async () => {
      const s = await silences.alertmanager(am2.url).getSilence(out.silences[1]?.id as string);
      return s?.status.state === 'expired';
    });
    const noticed = await checkSilences(silences, redis, { log: silentLogger });
    expect(noticed.map((e) => e.type === 'silence-ended' && e.reason)).toEqual(['expired', 'expired']);
    expect(auditEntriesFor(noticed[0] as IncidentEvent)).toMatchObject([
      { actor: 'alertmanager', event: 'silence.ended', details: { reason: 'expired' } },
    ]);
  });

  it('without ALERTMANAGER_URL the Alertmanager that sent the alerts gets the silence', {
    timeout: 30_000,
  }, async () => {
    const opened = events.find((e) => e.type === 'opened' && e.title === 'ConnectorSlow');
    const fromExternal = new IncidentSilences({
      redis,
      prefix: silences.prefix,
      incidents: deps.incidents,
      alertmanagerUrls: [],
      client: (baseUrl) => createAlertmanagerClient({ baseUrl }),
      log: silentLogger,
    });
    const out = await fromExternal.silence(opened?.incidentId as string, {
      user: 'U0CAROL',
      durationMs: 600_000,
    });
    expect(out).toMatchObject({ outcome: 'silenced', silences: [{ url: am1.url }] });
    expect(await amtool(am1.url, 'silence', 'query', '-q')).toContain(
      out.outcome === 'silenced' ? (out.silences[0]?.id as string) : 'none',
    );
  });
});
