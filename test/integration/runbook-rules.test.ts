// The data pipeline runbook's own "Performance Alerts" rules, loaded into a real Prometheus as
// printed (only `for:` shortened, so the test does not wait minutes), alerting through a real
// Alertmanager into a real `perfbot serve` (child process, terminal mode, private redis-server):
// each rule firing in namespace data-processing opens a data-pipeline incident that is
// diagnosed against that Prometheus; another team's HighCPUUsage opens an incident without a
// playbook and without a diagnosis.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/trail.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { ALERTMANAGER_BINARY, startAlertmanager } from '../support/alertmanager.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { runbookRules, runbookRulesText } from '../support/runbook-rules.js';
import { prometheusConfig, skipWithout, startPrometheus, type TestServer } from '../support/servers.js';

const TOKEN = 'runbook-rules-token';
const OURS = 'data-processing';
const THEIRS = 'payments';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(skipWithout('prometheus') || skipWithout(ALERTMANAGER_BINARY) || skipWithout('redis-server'))(
  "the runbook's own alert rules, fired by a real Prometheus",
  () => {
    let redisServer: EmbeddedRedis;
    let redis: Redis;
    let perfbot: PerfbotProcess;
    let exporter: TestExporter;
    let am: TestServer;
    let prom: TestServer;
    let dir: string;
    let ticker: NodeJS.Timeout;

    beforeAll(async () => {
      await ensureBuilt();
      dir = await mkdtemp(join(tmpdir(), 'perfbot-runbook-rules-'));
      // As printed, except the wait before firing (2m/5m → 0s).
      const text = runbookRulesText('data-pipeline-performance').replace(/^(\s+for: )\S+$/gm, '$10s');
      const rulesFile = join(dir, 'runbook.rules.yml');
      await writeFile(rulesFile, text);

      exporter = await startExporter();
      redisServer = await startEmbeddedRedis();
      redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
      prom = await startPrometheus({
        scrapeTargets: [exporter.target],
        ruleFiles: [rulesFile],
        scrapeInterval: '1s',
        evaluationInterval: '1s',
      });
      perfbot = await startPerfbot({
        REDIS_URL: redisServer.url,
        PERFBOT_WEBHOOK_TOKEN: TOKEN,
        PROMETHEUS_URL: prom.url,
        LOG_LEVEL: 'warn',
      });
      am = await startAlertmanager({
        webhookUrl: `${perfbot.url}/alerts/alertmanager`,
        bearerToken: TOKEN,
        groupBy: ['alertname', 'namespace'],
      });
      // perfbot needs Prometheus's address and Alertmanager needs perfbot's: Prometheus learns
      // of the Alertmanager last, by a configuration reload.
      await writeFile(
        join(prom.dir, 'prometheus.yml'),
        prometheusConfig({
          scrapeTargets: [exporter.target],
          ruleFiles: [rulesFile],
          alertmanagerUrl: am.url,
          scrapeInterval: '1s',
          evaluationInterval: '1s',
        }),
      );
      const reload = await fetch(`${prom.url}/-/reload`, { method: 'POST' });
      expect(reload.status).toBe(200);
      // The notifier picks up Alertmanagers a few seconds after a reload; an alert firing before
      // that would reach Alertmanager only at Prometheus's next resend, a minute later.
      await waitFor('Prometheus to know the Alertmanager', async () => {
        const res = await fetch(`${prom.url}/api/v1/alertmanagers`);
        const body = (await res.json()) as { data: { activeAlertmanagers: { url: string }[] } };
        return body.data.activeAlertmanagers.some((a) => a.url.startsWith(am.url)) ? true : undefined;
      });
      // Only now do the metrics go over the thresholds.
      // cAdvisor-style series for one pipeline pod and one pod of another team. rate(…[5m])
      // divides by the whole window while these series are seconds old, so the CPU counter runs
      // fast enough to pass the runbook's 0.7 within seconds.
      let cpu = 0;
      let requests = 0;
      const tick = () => {
        cpu += 6; // 30 CPU-seconds per second (ticks every 200 ms), see below
        requests += 20;
        for (const namespace of [OURS, THEIRS]) {
          exporter.set(
            'container_cpu_usage_seconds_total',
            { namespace, pod: `${namespace}-app-0`, container: 'app' },
            cpu,
            'counter',
          );
        }
        // Every request takes 0.1–0.5 s: P95 ≈ 0.48 s, over the runbook's 0.1 s.
        exporter.setHistogram(
          'request_duration_seconds',
          { namespace: OURS, service: 'normalization-service' },
          {
            buckets: [
              [0.05, 0],
              [0.1, 0],
              [0.5, requests],
              [1, requests],
            ],
            sum: requests * 0.3,
            count: requests,
          },
        );
      };
      tick();
      ticker = setInterval(tick, 200);
      const pod = { namespace: OURS, pod: `${OURS}-app-0`, container: 'app' };
      exporter.set('container_memory_usage_bytes', pod, 900e6);
      exporter.set('container_spec_memory_limit_bytes', pod, 1000e6);
      // What the playbook's own CPU and memory checks divide by.
      exporter.set('kube_pod_container_resource_limits', { ...pod, resource: 'cpu' }, 1);
      exporter.set('kube_pod_container_resource_limits', { ...pod, resource: 'memory' }, 1000e6);
      exporter.set('container_memory_working_set_bytes', pod, 900e6);
    }, 120_000);

    afterAll(async () => {
      clearInterval(ticker);
      await prom?.stop();
      await am?.stop();
      await perfbot?.stop();
      await exporter?.close();
      redis?.disconnect();
      await redisServer?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('open data-pipeline incidents that get diagnosed; the other namespace gets no playbook', {
      timeout: 180_000,
    }, async () => {
      const store = new IncidentStore({ redis });
      const audit = new AuditTrail({ redis });
      const rules = runbookRules('data-pipeline-performance').map((r) => r.alert);
      const incidentOf = async (alert: string, playbook: string | null) =>
        (await store.listOpen()).find((i) => i.title === alert && i.playbookId === playbook);

      // The three alerts of one namespace are one problem: correlation (the playbook's key,
      // namespace) folds their groups into one incident, diagnosed once.
      const ours = await waitFor('the data-pipeline incident holding all three alerts', async () => {
        for (const i of (await store.listOpen()).filter((x) => x.playbookId === 'data-pipeline')) {
          const full = await store.get(i.id);
          const names = new Set(full?.alerts.map((a) => a.labels.alertname));
          if (full && rules.every((r) => names.has(r))) return full;
        }
        return undefined;
      });
      expect(ours.trigger?.description).toMatch(
        new RegExp(`^alertname="(${rules.join('|')})", namespace="${OURS}"$`),
      );
      const theirs = await waitFor(`the ${THEIRS} HighCPUUsage incident`, () =>
        incidentOf('HighCPUUsage', null),
      );
      expect((await store.get(theirs.id))?.alerts[0]?.labels.namespace).toBe(THEIRS);

      const entry = await waitFor('the diagnosis', async () =>
        (await audit.readTrail({ incident: ours.id })).find((e) => e.event === 'diagnosis.done'),
      );
      expect(entry.details).toMatchObject({ playbook: 'data-pipeline', namespace: OURS });
      // Measured against the real Prometheus, not skipped: it names the runbook section of the
      // alert that opened the incident (the others joined it within the settle time, so they
      // were covered by the same diagnosis and asked for none of their own).
      expect(entry.details.status).not.toBe('skipped');
      const section: Record<string, RegExp> = {
        HighLatency: /^High latency/,
        HighCPUUsage: /^CPU saturation/,
        HighMemoryUsage: /^Memory pressure/,
      };
      const first = /^alertname="(\w+)"/.exec(ours.trigger?.description ?? '')?.[1] as string;
      expect(entry.details.bottlenecks).toContainEqual(expect.stringMatching(section[first] as RegExp));

      const theirTrail = await audit.readTrail({ incident: theirs.id });
      expect(theirTrail.map((e) => e.event)).toContain('incident.opened');
      expect(theirTrail.map((e) => e.event)).not.toContain('diagnosis.done');
    });
  },
);
