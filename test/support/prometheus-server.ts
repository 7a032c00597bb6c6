// A real Prometheus for tests: fresh TSDB in a temp dir, free loopback port, stopped by PID.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/embedded.js';
import { httpOk, spawnServer, type TestServer } from './spawn-server.js';

export interface ScrapeTarget {
  /** host:port */
  target: string;
  job?: string;
  metricsPath?: string;
}

export interface PrometheusOptions {
  /** host:port strings or full target descriptions; each gets its own job. */
  scrapeTargets?: (string | ScrapeTarget)[];
  /** Absolute paths of rule files. */
  ruleFiles?: string[];
  /** http://host:port[/prefix] of an Alertmanager to send alerts to. */
  alertmanagerUrl?: string;
  /** Prometheus durations, e.g. "1s". */
  scrapeInterval?: string;
  evaluationInterval?: string;
}

/** Renders prometheus.yml (JSON is valid YAML, so no YAML writer is needed). */
export function prometheusConfig(options: PrometheusOptions): string {
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: options.scrapeInterval ?? '1s',
      scrape_timeout: options.scrapeInterval ?? '1s',
      evaluation_interval: options.evaluationInterval ?? '1s',
    },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: (options.scrapeTargets ?? []).map((t, i) => {
      const target = typeof t === 'string' ? { target: t } : t;
      return {
        job_name: target.job ?? `target-${i}`,
        metrics_path: target.metricsPath ?? '/metrics',
        static_configs: [{ targets: [target.target] }],
      };
    }),
  };
  if (options.alertmanagerUrl) {
    const am = new URL(options.alertmanagerUrl);
    config.alerting = {
      alertmanagers: [
        {
          scheme: am.protocol.replace(':', ''),
          path_prefix: am.pathname === '/' ? undefined : am.pathname,
          static_configs: [{ targets: [am.host] }],
        },
      ],
    };
  }
  return JSON.stringify(config, null, 2);
}

/** Starts prometheus with a fresh TSDB; `url` is its base URL (http://127.0.0.1:PORT). */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'perfbot-prom-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, 'prometheus.yml'), prometheusConfig(options));
  return spawnServer({
    binary: 'prometheus',
    dir,
    url,
    args: [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // lets a test POST /-/reload after rewriting prometheus.yml or a rule file
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    ready: () => httpOk(`${url}/-/ready`),
  });
}

/** Waits until every active scrape target of the server reports health "up". */
export async function waitForTargetsUp(prometheusUrl: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${prometheusUrl}/api/v1/targets?state=active`);
    const body = (await res.json()) as { data?: { activeTargets?: { health: string; lastError: string }[] } };
    const targets = body.data?.activeTargets ?? [];
    if (targets.length > 0 && targets.every((t) => t.health === 'up')) return;
    last = JSON.stringify(targets.map((t) => [t.health, t.lastError]));
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`scrape targets not up after ${timeoutMs} ms: ${last}`);
}
