// A real Prometheus evaluating playbooks/alerts/*.rules.yml against a small exporter, alerting
// to a real Alertmanager that delivers to perfbot: a rule firing ends as an incident routed to
// the playbook that rule names, and resolves when the metric recovers.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { IncidentEvent } from '../../src/incidents/events.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { buildServer } from '../../src/server.js';
import { ALERTMANAGER_BINARY, startAlertmanager } from '../support/alertmanager.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { testDeps } from '../support/intake.js';
import { testRedis } from '../support/redis.js';
import { skipWithout, startPrometheus, type TestServer } from '../support/servers.js';

const RULES_DIR = join(import.meta.dirname, '..', '..', 'playbooks', 'alerts');
const PLAYBOOKS_DIR = join(import.meta.dirname, '..', '..', 'playbooks');
const TOKEN = 'prom-test-token';

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

/**
 * The rules this test can drive with plain gauges, and the series that make each one fire.
 * Which rule exists is read from the rule files, so the test follows them.
 */
const DRIVERS: Record<string, { series: [string, Record<string, string>, number, number][] }> = {
  // container_memory_working_set_bytes / kube_pod_container_resource_limits > 0.8
  HighMemoryUsage: {
    series: [
      [
        'container_memory_working_set_bytes',
        { namespace: 'data-processing', pod: 'normalizer-0', container: 'normalizer' },
        900e6,
        100e6,
      ],
      [
        'kube_pod_container_resource_limits',
        { namespace: 'data-processing', pod: 'normalizer-0', container: 'normalizer', resource: 'memory' },
        1000e6,
        1000e6,
      ],
    ],
  },
  // sum by (namespace, pod) (container_memory_working_set_bytes{pod=~"s3-sentinel-connector-.*"}) > 1e9
  S3SentinelMemoryHigh: {
    series: [
      [
        'container_memory_working_set_bytes',
        { namespace: 'security', pod: 's3-sentinel-connector-0', container: 'connector' },
        2e9,
        3e8,
      ],
    ],
  },
};

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skipWithout('prometheus') || skipWithout(ALERTMANAGER_BINARY))(
  'real Prometheus rules → Alertmanager → perfbot',
  () => {
    let redis: Redis;
    let app: FastifyInstance;
    let store: IncidentStore;
    let exporter: TestExporter;
    let am: TestServer;
    let prom: TestServer;
    let dir: string;
    const events: IncidentEvent[] = [];
    const driven: { alert: string; playbook: string }[] = [];

    beforeAll(async () => {
      const files = (await readdir(RULES_DIR)).filter((f) => f.endsWith('.rules.yml'));
      expect(files.length).toBeGreaterThan(0);
      dir = await mkdtemp(join(tmpdir(), 'perfbot-rules-'));
      const ruleFiles: string[] = [];
      for (const file of files) {
        const doc = parse(await readFile(join(RULES_DIR, file), 'utf8')) as RuleFile;
        for (const group of doc.groups) {
          for (const rule of group.rules) {
            // The expressions are evaluated as written; only the wait before firing is shortened.
            if (rule.for !== undefined) rule.for = '0s';
            if (rule.alert && rule.alert in DRIVERS && rule.labels?.playbook) {
              driven.push({ alert: rule.alert, playbook: rule.labels.playbook });
            }
          }
        }
        const copy = join(dir, file);
        await writeFile(copy, stringify(doc));
        ruleFiles.push(copy);
      }
      expect(driven.length).toBeGreaterThan(0);

      const t = testRedis();
      redis = t.redis;
      const catalog = new PlaybookCatalog(await loadPlaybooksOrThrow(PLAYBOOKS_DIR));
      const deps = testDeps({ redis, prefix: t.prefix, catalog, env: { PERFBOT_WEBHOOK_TOKEN: TOKEN } });
      store = deps.incidents;
      store.onEvent((e) => events.push(e));
      app = await buildServer(deps);
      const address = await app.listen({ port: 0, host: '127.0.0.1' });

      exporter = await startExporter();
      am = await startAlertmanager({
        webhookUrl: `${address}/alerts/alertmanager`,
        bearerToken: TOKEN,
        groupBy: ['alertname'],
        groupWait: '1s',
        groupInterval: '1s',
      });
      prom = await startPrometheus({
        scrapeTargets: [exporter.target],
        ruleFiles,
        alertmanagerUrl: am.url,
        scrapeInterval: '1s',
        evaluationInterval: '1s',
      });
    });

    afterAll(async () => {
      await prom?.stop();
      await am?.stop();
      await exporter?.close();
      await app?.close();
      redis?.disconnect();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('a firing rule becomes an incident of the playbook it names, and resolves with the metric', {
      timeout: 120_000,
    }, async () => {
      for (const { alert } of driven) {
        for (const [name, labels, high] of DRIVERS[alert]?.series ?? []) exporter.set(name, labels, high);
      }
      const opened = new Map<string, Extract<IncidentEvent, { type: 'opened' }>>();
      for (const { alert, playbook } of driven) {
        const e = await waitFor(`${alert} incident`, () =>
          events.find(
            (x): x is Extract<IncidentEvent, { type: 'opened' }> => x.type === 'opened' && x.title === alert,
          ),
        );
        expect(e.playbookId).toBe(playbook);
        expect(e.trigger).toContain(`alertname="${alert}"`);
        opened.set(alert, e);
        const inc = await store.get(e.incidentId);
        expect(inc?.alerts[0]?.generatorURL).toMatch(/^http:\/\/.+\/graph\?g0\.expr=/);
        expect(inc?.alerts[0]?.labels.playbook).toBe(playbook);
      }

      for (const { alert } of driven) {
        for (const [name, labels, , low] of DRIVERS[alert]?.series ?? []) exporter.set(name, labels, low);
      }
      for (const { alert } of driven) {
        const id = opened.get(alert)?.incidentId;
        await waitFor(`${alert} resolved`, () =>
          events.find((x) => x.type === 'resolved' && x.incidentId === id),
        );
        expect((await store.get(id as string))?.status).toBe('resolved');
      }
      expect(events.filter((e) => e.type === 'opened')).toHaveLength(driven.length);
    });
  },
);
