// Alert intake throughput: perfbot's real server (buildServer, real playbooks, real Redis via
// the Lua incident store) on loopback, loaded with Alertmanager v4 notifications (groups of
// 1–20 alerts, new and repeated fingerprints) by keep-alive clients in a worker thread, next to
// a bare node:http server that reads the body and answers 202, measured the same way in the
// same run. Goal on the 2-core box: ≥ 5,000 alerts/s and ≥ 40% of the bare request rate, with
// every alert accounted for in Redis afterwards.
//
//   npx tsx bench/intake.ts [--rounds 3] [--seconds 5] [--warmup 3] [--connections 32] [--only bare|perfbot]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config.js';
import { IncidentStore } from '../src/incidents/store.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { PlaybookCatalog } from '../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../src/playbooks/loader.js';
import { createRedis } from '../src/redis/connect.js';
import { startEmbeddedRedis } from '../src/redis/embedded.js';
import { buildServer } from '../src/server.js';
import type { ClientJob, ClientResult } from './intake-client.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    /** Measure only one server (e.g. under --cpu-prof). */
    only: { type: 'string' },
  },
});
const TOKEN = 'bench-token';
const PREFIX = 'bench:';

function load(url: string, run: string, warmupMs = Number(values.warmup) * 1000): Promise<ClientResult> {
  const job: ClientJob = {
    url,
    token: TOKEN,
    connections: Number(values.connections),
    warmupMs,
    durationMs: Number(values.seconds) * 1000,
    run,
    seed: 42,
  };
  // The client is TypeScript too: the worker registers tsx's loader before importing it
  // (on Node 20 a worker does not inherit the main thread's --import hooks).
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./intake-client.ts', import.meta.url).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  return new Promise((resolve, reject) => {
    worker.once('message', (r: ClientResult) => {
      void worker.terminate();
      resolve(r);
    });
    worker.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summarize(runs: ClientResult[]) {
  const sorted = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const seconds = runs.reduce((t, r) => t + r.elapsedMs, 0) / 1000 || 1;
  return {
    rps: runs.reduce((n, r) => n + r.requests, 0) / seconds,
    aps: runs.reduce((n, r) => n + r.alerts, 0) / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

async function bare(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    // Read the whole body, as any webhook receiver must, then answer like perfbot does.
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"accepted":1,"incidents":[]}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts/alertmanager`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function countStored(
  redis: ReturnType<typeof createRedis>,
): Promise<{ incidents: number; alerts: number; groups: number }> {
  let incidents = 0;
  let alerts = 0;
  let groups = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}incident:*:alerts`, 'COUNT', 1000);
    cursor = next;
    incidents += keys.length;
    const pipeline = redis.pipeline();
    // Correlated groups share an incident; each group is recorded once on its incident.
    for (const k of keys) pipeline.hlen(k).hlen(k.replace(/:alerts$/, ':groups'));
    const counts = ((await pipeline.exec()) ?? []).map(([, n]) => n as number);
    for (let i = 0; i < counts.length; i += 2) {
      alerts += counts[i] ?? 0;
      groups += counts[i + 1] ?? 0;
    }
  } while (cursor !== '0');
  return { incidents, alerts, groups };
}

async function redisCpuSeconds(redis: ReturnType<typeof createRedis>): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function main(): Promise<void> {
  const redisServer = await startEmbeddedRedis();
  const redis = createRedis(redisServer.url);
  await new Promise((r) => redis.once('ready', r));
  const config = loadConfig({ PERFBOT_WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
  const log = createLogger({ level: 'warn', pretty: false });
  const catalog = new PlaybookCatalog(
    await loadPlaybooksOrThrow(join(import.meta.dirname, '..', 'playbooks')),
  );
  const now = () => new Date();
  const incidents = new IncidentStore({ redis, prefix: PREFIX, now, repeatWindowMs: 1000 });
  const app = await buildServer({
    config,
    log,
    redis,
    catalog,
    metrics: createMetrics(),
    now,
    incidents,
  });
  const perfbotUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/alerts/alertmanager`;
  const baseline = await bare();

  const rounds = Number(values.rounds);
  console.log(
    `perfbot intake benchmark — node ${process.version}, ${cpus().length} CPUs, ${values.connections} keep-alive connections, ` +
      `${rounds} rounds of ${values.seconds}s per server, alternating (after ${values.warmup}s warm-up each)`,
  );
  console.log(
    'payloads: Alertmanager v4, groups of 1–20 alerts, 50% new groups, 50% repeats (later ones resolve)\n',
  );

  // Alternating rounds: load from other processes on the machine hits both servers alike.
  const bareRuns: ClientResult[] = [];
  const perfbotRuns: ClientResult[] = [];
  // Busy time of the server's event loop per request (from event-loop utilization): what one
  // request costs the server thread, comparable between the two servers.
  const busy = { bare: 0, perfbot: 0 };
  const measured = async (server: 'bare' | 'perfbot', url: string, run: string, warm: number | undefined) => {
    const elu0 = performance.eventLoopUtilization();
    const result = await load(url, run, warm);
    const elu = performance.eventLoopUtilization(elu0);
    const total = Object.values(result.statuses).reduce((a, c) => a + c, 0);
    busy[server] += elu.active / total / rounds;
    return result;
  };
  let redisCpu = 0;
  for (let r = 0; r < rounds; r++) {
    const warm = r === 0 ? undefined : 0;
    if (values.only !== 'perfbot') bareRuns.push(await measured('bare', baseline.url, `bare${r}`, warm));
    if (values.only === 'bare') continue;
    const cpu0 = await redisCpuSeconds(redis);
    perfbotRuns.push(await measured('perfbot', perfbotUrl, `perfbot${r}`, warm));
    redisCpu += (await redisCpuSeconds(redis)) - cpu0;
  }
  await baseline.close();

  const b = summarize(bareRuns);
  const p = summarize(perfbotRuns);
  const row = (name: string, s: ReturnType<typeof summarize>) =>
    `${name.padEnd(16)}${s.rps.toFixed(0).padStart(12)}${s.aps.toFixed(0).padStart(12)}${s.p50.toFixed(2).padStart(10)}${s.p99.toFixed(2).padStart(10)}${String(s.errors).padStart(8)}`;
  console.log(
    `${'server'.padEnd(16)}${'requests/s'.padStart(12)}${'alerts/s'.padStart(12)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'errors'.padStart(8)}`,
  );
  if (bareRuns.length > 0) console.log(row('bare node:http', b));
  if (perfbotRuns.length > 0) console.log(row('perfbot', p));
  if (values.only) {
    // One server only (profiling): no comparison to make.
    await app.close();
    redis.disconnect();
    await redisServer.stop();
    return;
  }
  const ratio = p.rps / b.rps;
  const perRound = perfbotRuns.map((run, i) => {
    const bareRun = bareRuns[i];
    return bareRun
      ? ((run.requests / run.elapsedMs / (bareRun.requests / bareRun.elapsedMs)) * 100).toFixed(0)
      : '-';
  });
  console.log(
    `\nratio perfbot / bare requests/s: ${(ratio * 100).toFixed(1)}% (per round: ${perRound.join('%, ')}%)`,
  );

  const requests = perfbotRuns.reduce(
    (n, run) => n + Object.values(run.statuses).reduce((a, c) => a + c, 0),
    0,
  );
  console.log(
    `server thread busy per request: bare ${(busy.bare * 1000).toFixed(0)} µs, perfbot ${(busy.perfbot * 1000).toFixed(0)} µs; ` +
      `redis-server ${((redisCpu * 1e6) / requests).toFixed(0)} µs CPU per perfbot request`,
  );
  const stored = await countStored(redis);
  const sent = perfbotRuns.reduce(
    (n, run) => ({ groups: n.groups + run.groups, alerts: n.alerts + run.groupAlerts }),
    { groups: 0, alerts: 0 },
  );
  const all202 = perfbotRuns.every((run) => Object.keys(run.statuses).every((s) => s === '202'));
  const intact = stored.groups === sent.groups && stored.alerts === sent.alerts;
  console.log(
    `Redis: ${stored.incidents} incidents of ${stored.groups} groups, ${stored.alerts} alerts; sent ${sent.groups} groups, ${sent.alerts} distinct ` +
      `alerts in ${requests} requests (${all202 ? 'all 202' : 'NOT all 202'}) → ${intact && all202 ? 'none lost' : 'MISMATCH'}`,
  );
  console.log(
    `goals: alerts/s ≥ 5000: ${p.aps >= 5000 ? 'met' : 'NOT met'}; ≥ 40% of bare requests/s: ${ratio >= 0.4 ? 'met' : 'NOT met'}`,
  );

  await app.close();
  redis.disconnect();
  await redisServer.stop();
  if (!(intact && all202)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
