// Start-up cost of the CLI and of `perfbot serve`, each beside `node -e 0` measured in the same
// run (the floor any Node program pays here). Integrations load on demand, so these figures are
// what a user waits for before anything happens. Run after `npm run build`:
//   npx tsx bench/startup.ts [--runs 5]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startEmbeddedRedis } from '../src/redis/embedded.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'perfbot.js');

function timeCommand(args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - t0));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await timeCommand(args, env));
  return median(xs);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Spawns `perfbot serve`, returns ms until /readyz answers 200, and the idle RSS after 3 s. */
async function serve(env: NodeJS.ProcessEnv): Promise<{ readyMs: number; rss: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (performance.now() - t0 > 60_000) throw new Error('serve did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 3000));
    return { readyMs, rss: rssMiB(child.pid as number) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  const redis = await startEmbeddedRedis();
  const dir = mkdtempSync(join(tmpdir(), 'perfbot-startup-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  const bare = { REDIS_URL: redis.url };
  const all = {
    ...bare,
    KUBECONFIG: kubeconfig,
    PROMETHEUS_URL: 'http://127.0.0.1:1',
    CLICKHOUSE_URL: 'http://127.0.0.1:1',
    KAFKA_BROKERS: '127.0.0.1:1',
    TARGET_REDIS_URL: 'redis://127.0.0.1:1',
    AWS_REGION: 'eu-west-1',
    AZURE_MONITOR_METRICS_ENDPOINT: 'https://127.0.0.1:1',
    AZURE_LOGS_ENDPOINT: 'https://127.0.0.1:1',
    PERFBOT_NETWORK_CHECKS: '1',
  };
  try {
    console.log(
      `perfbot start-up — node ${process.version}, ${cpus().length} CPUs, median of ${RUNS} runs each`,
    );
    const floor = await measure(['-e', '0']);
    const rows: [string, number, number | undefined][] = [];
    const row = async (label: string, args: string[], goalS: number, env?: NodeJS.ProcessEnv) =>
      rows.push([label, await measure([BIN, ...args], env), goalS]);
    await row('perfbot --help', ['--help'], 0.3);
    await row('perfbot validate', ['validate'], 0.5);
    await row('perfbot list', ['list'], 0.5);
    await row('perfbot diagnose sentinel (nothing configured)', ['diagnose', 'sentinel'], 1.0, bare);
    const idle = await serve(bare);
    const full = await serve(all);
    console.log(`\n| what | time | node -e 0 | ratio | goal |`);
    console.log('|---|---|---|---|---|');
    console.log(`| node -e 0 (floor) | ${(floor / 1000).toFixed(3)} s | | 1.00× | |`);
    for (const [label, ms, goal] of rows)
      console.log(
        `| ${label} | ${(ms / 1000).toFixed(3)} s | ${(floor / 1000).toFixed(3)} s | ${(ms / floor).toFixed(2)}× | ≤ ${goal} s ${ms / 1000 <= (goal ?? 0) ? '✓' : '✗'} |`,
      );
    console.log(
      `| perfbot serve ready (/readyz 200) | ${(idle.readyMs / 1000).toFixed(3)} s | ${(floor / 1000).toFixed(3)} s | ${(idle.readyMs / floor).toFixed(2)}× | ≤ 1.5 s ${idle.readyMs <= 1500 ? '✓' : '✗'} |`,
    );
    console.log(
      `\nidle RSS of perfbot serve: ${idle.rss.toFixed(0)} MiB with no back ends (goal ≤ 100 MiB ${idle.rss <= 100 ? '✓' : '✗'}), ${full.rss.toFixed(0)} MiB with every back end configured (SDKs still load only when a check runs)`,
    );
  } finally {
    await redis.stop();
  }
}

await main();
