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

/**
 * The command and `node -e 0` run alternately, so both see the same machine (other work on a
 * shared machine changes the floor several-fold between rows): medians of each.
 */
async function measure(args: string[], env?: NodeJS.ProcessEnv): Promise<{ ms: number; floor: number }> {
  const xs: number[] = [];
  const fs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    fs.push(await timeCommand(['-e', '0']));
    xs.push(await timeCommand(args, env));
  }
  return { ms: median(xs), floor: median(fs) };
}

/** The V8 flags the image runs serve with (Dockerfile `ENV NODE_OPTIONS`). */
function deployedNodeOptions(): string {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  return /^ENV NODE_OPTIONS="([^"]*)"/m.exec(dockerfile)?.[1] ?? '';
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
    const rows: [string, { ms: number; floor: number }, number][] = [];
    const row = async (label: string, args: string[], goalS: number, env?: NodeJS.ProcessEnv) =>
      rows.push([label, await measure([BIN, ...args], env), goalS]);
    await row('perfbot --help', ['--help'], 0.3);
    await row('perfbot validate', ['validate'], 0.5);
    await row('perfbot list', ['list'], 0.5);
    await row('perfbot diagnose sentinel (nothing configured)', ['diagnose', 'sentinel'], 1.0, bare);
    const serveFloor = (await measure(['-e', '0'])).floor;
    const deployed = { NODE_OPTIONS: deployedNodeOptions() };
    const idle = await serve(bare);
    const idleDeployed = await serve({ ...bare, ...deployed });
    const full = await serve({ ...all, ...deployed });
    const secs = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
    console.log(`\n| what | time | node -e 0 | ratio | goal |`);
    console.log('|---|---|---|---|---|');
    for (const [label, { ms, floor }, goal] of rows)
      console.log(
        `| ${label} | ${secs(ms)} | ${secs(floor)} | ${(ms / floor).toFixed(2)}× | ≤ ${goal} s ${ms / 1000 <= goal ? '✓' : '✗'} |`,
      );
    console.log(
      `| perfbot serve ready (/readyz 200) | ${secs(idle.readyMs)} | ${secs(serveFloor)} | ${(idle.readyMs / serveFloor).toFixed(2)}× | ≤ 1.5 s ${idle.readyMs <= 1500 ? '✓' : '✗'} |`,
    );
    const ok = (mib: number) => (mib <= 100 ? '✓' : '✗');
    console.log(
      `\nidle RSS of perfbot serve, no back ends: ${idle.rss.toFixed(0)} MiB with Node's defaults (goal ≤ 100 MiB ${ok(idle.rss)}), ${idleDeployed.rss.toFixed(0)} MiB as deployed (NODE_OPTIONS="${deployed.NODE_OPTIONS}" from the Dockerfile, ${ok(idleDeployed.rss)}); every back end configured, as deployed: ${full.rss.toFixed(0)} MiB (SDKs still load only when a check runs)`,
    );
  } finally {
    await redis.stop();
  }
}

await main();
