// Real servers for integration tests: prometheus and clickhouse-server from the Debian packages,
// each on free loopback ports with its own temp directory, stopped by PID. Tests that need one
// use `describe.skipIf(!hasBinary(name))` and print why they skipped.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../../src/redis/embedded.js';

export interface TestServer {
  url: string;
  pid: number;
  /** The server's temp directory (config, data, logs); removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

// Daemons live in sbin, which is not on every user's PATH.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable on PATH (or in an sbin directory), if any. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function hasBinary(name: string): boolean {
  return findBinary(name) !== undefined;
}

/** For describe.skipIf: true (skip) when the binary is absent, after saying so. */
export function skipWithout(name: string): boolean {
  if (hasBinary(name)) return false;
  console.warn(`skipping: ${name} is not installed (Debian: apt-get install ${name})`);
  return true;
}

// Servers still running when the test process exits (a crashed worker, a failed beforeAll)
// must not outlive it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) safeKill(child.pid, 'SIGKILL');
});

function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

interface SpawnOptions {
  binary: string;
  args: string[];
  dir: string;
  url: string;
  /** Resolves true once the server answers. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}

async function spawnServer(options: SpawnOptions): Promise<TestServer> {
  const path = findBinary(options.binary);
  if (!path) throw new Error(`${options.binary} is not installed`);
  const child = spawn(path, options.args, { cwd: options.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      safeKill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && safeKill(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(options.dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`${options.binary} exited (${child.exitCode ?? child.signalCode}): ${output.trim()}`);
    }
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.binary} did not become ready: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: options.url, pid: child.pid ?? -1, dir: options.dir, stop };
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}

// ---- Prometheus ---------------------------------------------------------------------------

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

// ---- ClickHouse ---------------------------------------------------------------------------

export interface ClickHouseOptions {
  /** How often system.query_log is flushed (the server default is 7500 ms). */
  queryLogFlushMs?: number;
  /** Extra settings for the default profile, e.g. { max_execution_time: 10 }. */
  profileSettings?: Record<string, string | number>;
}

const xmlText = (v: string | number) =>
  String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Starts clickhouse-server (written against 18.16: a `<yandex>` root, log_queries in the
 * profile so system.query_log fills up). `url` is the HTTP interface; `tcpPort` the native one.
 */
export async function startClickHouse(
  options: ClickHouseOptions = {},
): Promise<TestServer & { tcpPort: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'perfbot-ch-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const settings = { log_queries: 1, max_memory_usage: 2_000_000_000, ...options.profileSettings };
  await writeFile(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/server.log</log>
    <errorlog>${dir}/log/error.log</errorlog>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <flush_interval_milliseconds>${options.queryLogFlushMs ?? 200}</flush_interval_milliseconds>
  </query_log>
</yandex>
`,
  );
  await writeFile(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
${Object.entries(settings)
  .map(([k, v]) => `      <${k}>${xmlText(v)}</${k}>`)
  .join('\n')}
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries><errors>0</errors><result_rows>0</result_rows>
        <read_rows>0</read_rows><execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const server = await spawnServer({
    binary: 'clickhouse-server',
    dir,
    url,
    args: [`--config-file=${join(dir, 'config.xml')}`],
    ready: () => httpOk(`${url}/ping`),
    timeoutMs: 60_000,
  });
  return { ...server, tcpPort };
}
