// Alert intake, side by side (issue 16): one load generator (autocannon in its own process,
// bench/intake-load.ts, same settings for every server) against
//   - a bare node:http server that reads the body and answers 202 (its own process),
//   - the real Alertmanager (Debian prometheus-alertmanager) on POST /api/v2/alerts, the same
//     alerts as its v2 JSON array (it dedupes and groups them in memory),
//   - perfbot as `perfbot serve` runs it (createApp + startResponse: incident consumers, audit
//     recorder, proposal retirer; no Slack) on /alerts/alertmanager, durable in a real Redis,
// in alternating rounds (the order rotates each round), for 1-alert and for 20-alert requests.
// Afterwards every group and alert perfbot answered 202 for must be in Redis.
//
//   npx tsx bench/intake.ts [--rounds 3] [--seconds 5] [--warmup 2] [--connections 32]
//                           [--sizes 1,20] [--only perfbot,alertmanager,bare]
// Profile perfbot's intake (this process hosts perfbot; the load runs in a child):
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/intake.ts --only perfbot
// (--no-consumers measures the HTTP → Redis path alone, without the consumers of its events.)
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startEmbeddedRedis } from '../src/redis/embedded.js';
import { buildServer } from '../src/server.js';
import { startResponse } from '../src/services.js';
import { startAlertmanager } from '../test/support/alertmanager.js';
import { hasBinary } from '../test/support/spawn-server.js';
import type { LoadJob, LoadResult } from './intake-load.js';
import { fingerprint, groupKey } from './intake-payloads.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    sizes: { type: 'string', default: '1,20' },
    only: { type: 'string', default: 'bare,alertmanager,perfbot' },
    /** Diagnosis only: perfbot without its incident consumers (what the HTTP→Redis path costs alone). */
    'no-consumers': { type: 'boolean', default: false },
  },
});
const TOKEN = 'bench-token';
const PREFIX = 'perfbot:';
const ROOT = new URL('..', import.meta.url).pathname;
const SERVERS = ['bare', 'alertmanager', 'perfbot'] as const;
type ServerName = (typeof SERVERS)[number];
const LABEL: Record<ServerName, string> = {
  bare: 'bare node:http (reads body, 202)',
  alertmanager: 'Alertmanager /api/v2/alerts',
  perfbot: 'perfbot /alerts/alertmanager',
};
const exec = promisify(execFile);

/** CPU seconds (user + system) a process used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The bare server, in its own process like the other two. */
async function startBare(): Promise<{ url: string; child: ChildProcess }> {
  const code = `const s = require('node:http').createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { res.writeHead(202, { 'content-type': 'application/json' }); res.end('{"accepted":1,"incidents":[]}'); });
    });
    s.keepAliveTimeout = 60000;
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', () => reject(new Error('bare server exited')));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function load(job: LoadJob): Promise<LoadResult> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', 'bench/intake-load.ts', JSON.stringify(job)],
    {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as LoadResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The incident-event consumers are done with everything written so far (lag and pending 0). */
async function consumersIdle(redis: Redis): Promise<boolean> {
  const groups = (await redis.call('XINFO', 'GROUPS', `${PREFIX}incident-events`)) as unknown[][];
  return groups.every((g) => {
    const info: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
    return Number(info.pending) === 0 && Number(info.lag ?? 0) === 0;
  });
}

/** Every group key and fingerprint stored on an incident. */
async function storedKeys(redis: Redis): Promise<{ groups: Set<string>; alerts: Set<string> }> {
  const groups = new Set<string>();
  const alerts = new Set<string>();
  for (const [suffix, into] of [
    [':groups', groups],
    [':alerts', alerts],
  ] as const) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}incident:*${suffix}`, 'COUNT', 1000);
      cursor = next;
      const pipeline = redis.pipeline();
      for (const k of keys) pipeline.hkeys(k);
      for (const [, fields] of (await pipeline.exec()) ?? []) {
        // :groups fields are incident keys (`alertmanager:<playbook>:<groupKey>`), :alerts fields
        // JSON-encoded fingerprints (src/incidents/script.ts).
        for (const f of fields as string[])
          into.add(suffix === ':groups' ? f.slice(f.indexOf('{}:')) : JSON.parse(f));
      }
    } while (cursor !== '0');
  }
  return { groups, alerts };
}

async function main(): Promise<void> {
  const only = new Set(values.only.split(','));
  const servers = SERVERS.filter((s) => only.has(s));
  if (only.has('alertmanager') && !hasBinary('prometheus-alertmanager')) {
    console.log(
      'prometheus-alertmanager is not installed (Debian: apt-get install prometheus-alertmanager); measuring without it',
    );
    servers.splice(servers.indexOf('alertmanager'), 1);
  }
  const sizes = values.sizes.split(',').map(Number);
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);

  // perfbot as `perfbot serve` assembles it (commands/serve.ts), without a chat surface.
  const redisServer = await startEmbeddedRedis();
  const log = createLogger({ level: 'warn', pretty: false });
  const config = loadConfig({ PERFBOT_WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: 'warn', REDIS_URL: redisServer.url });
  const app = await createApp({ config, log, redisUrl: redisServer.url, prefix: PREFIX });
  const response = values['no-consumers'] ? undefined : startResponse(app);
  const http = await buildServer(app);
  const urls: Record<ServerName, string> = {
    perfbot: `${await http.listen({ port: 0, host: '127.0.0.1' })}/alerts/alertmanager`,
    bare: '',
    alertmanager: '',
  };
  const bare = await startBare();
  urls.bare = `${bare.url}/alerts/alertmanager`;
  // Alertmanager's notifications (a handful: it groups by alertname) go to the bare server.
  const am = servers.includes('alertmanager')
    ? await startAlertmanager({ webhookUrl: `${bare.url}/sink`, groupWait: '1s', groupInterval: '5s' })
    : undefined;
  if (am) urls.alertmanager = `${am.url}/api/v2/alerts`;
  const pids: Record<ServerName, number> = {
    perfbot: process.pid,
    bare: bare.child.pid ?? 0,
    alertmanager: am?.pid ?? 0,
  };

  console.log(
    `intake benchmark — node ${process.version}, ${cpus().length} CPUs (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at start), ` +
      `autocannon, ${connections} connections, ${rounds} rounds of ${seconds}s per server and size, alternating (after a ${values.warmup}s warm-up each)`,
  );
  console.log(
    'alerts: one group per request, half new groups, half repeats (the 2nd still firing, later ones resolving)\n',
  );

  const t = { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date().toISOString() };
  const results = new Map<string, LoadResult[]>();
  const cpu = new Map<string, number>();
  const perfbotRuns: { run: string; result: LoadResult; size: number }[] = [];
  let redisCpu = 0;
  let catchUp = 0;
  const measure = async (server: ServerName, size: number, run: string, secs: number, keep: boolean) => {
    // Alertmanager never goes quiet once it holds alerts (its aggregation groups and GC keep a
    // core ~100% busy between rounds): it would take that CPU from the next server measured. It
    // is paused (SIGSTOP) while the others are measured and resumed for its own rounds.
    if (am) process.kill(am.pid, server === 'alertmanager' ? 'SIGCONT' : 'SIGSTOP');
    const c0 = server === 'perfbot' ? process.cpuUsage() : undefined;
    const cpu0 = server === 'perfbot' ? 0 : cpuSeconds(pids[server]);
    const r0 = Number(
      (await app.redis.info('cpu'))
        .match(/used_cpu_(?:user|sys):([\d.]+)/g)
        ?.reduce((a, m) => a + Number(m.split(':')[1]), 0),
    );
    const result = await load({
      url: urls[server],
      target: server === 'alertmanager' ? 'alertmanager-v2' : 'webhook',
      size,
      run,
      connections,
      seconds: secs,
      token: TOKEN,
      seed: 42,
      ...t,
    });
    if (server === 'perfbot') {
      perfbotRuns.push({ run, result, size });
      const r1 = Number(
        (await app.redis.info('cpu'))
          .match(/used_cpu_(?:user|sys):([\d.]+)/g)
          ?.reduce((a, m) => a + Number(m.split(':')[1]), 0),
      );
      // Let the consumers finish what this round wrote before another server is measured.
      const waited = performance.now();
      while (!(await consumersIdle(app.redis)) && performance.now() - waited < 60_000)
        await new Promise((r) => setTimeout(r, 50));
      if (keep) {
        redisCpu += r1 - r0;
        catchUp = Math.max(catchUp, performance.now() - waited);
      }
    }
    if (!keep) return;
    const used = c0
      ? (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6
      : cpuSeconds(pids[server]) - cpu0;
    const key = `${server}/${size}`;
    results.set(key, [...(results.get(key) ?? []), result]);
    cpu.set(key, (cpu.get(key) ?? 0) + used / Math.max(1, result.requests));
  };

  for (const size of sizes)
    for (const s of servers) await measure(s, size, `w${size}${s[0]}`, Number(values.warmup), false);
  for (let r = 0; r < rounds; r++) {
    for (const size of sizes) {
      const order = servers.map((_, i) => servers[(i + r) % servers.length] as ServerName);
      for (const s of order) await measure(s, size, `r${r}s${size}${s[0]}`, seconds, true);
    }
  }

  const stats = (server: ServerName, size: number) => {
    const runs = results.get(`${server}/${size}`) ?? [];
    return {
      rps: median(runs.map((x) => x.ok / x.seconds)),
      aps: median(runs.map((x) => (x.ok * size) / x.seconds)),
      perRound: runs.map((x) => (x.ok * size) / x.seconds),
      p50: median(runs.map((x) => x.p50)),
      p99: median(runs.map((x) => x.p99)),
      worstP99: Math.max(...runs.map((x) => x.p99)),
      failed: runs.reduce((n, x) => n + x.requests - x.ok + x.errors + x.timeouts, 0),
      cpuUs: ((cpu.get(`${server}/${size}`) ?? 0) / runs.length) * 1e6,
    };
  };
  let goals = true;
  for (const size of sizes) {
    console.log(
      `\n${size} alert${size === 1 ? '' : 's'} per request (median of ${rounds} rounds; p99 worst round in brackets)`,
    );
    console.log('| server | req/s | alerts/s | p50 / p99 ms | not 2xx | server CPU per request |');
    console.log('|---|---|---|---|---|---|');
    for (const s of servers) {
      const x = stats(s, size);
      console.log(
        `| ${LABEL[s]} | ${fmt(x.rps)} | ${fmt(x.aps)} | ${fmt(x.p50, 1)} / ${fmt(x.p99, 1)} (${fmt(x.worstP99)}) | ${x.failed} | ${fmt(x.cpuUs)} µs |`,
      );
    }
    if (!servers.includes('perfbot')) continue;
    const p = stats('perfbot', size);
    const ratio = (other: ServerName) => {
      const o = stats(other, size);
      const perRound = p.perRound
        .map((v, i) => `${fmt((v / (o.perRound[i] ?? Number.NaN)) * 100)}%`)
        .join(', ');
      return { median: p.aps / o.aps, text: `${fmt((p.aps / o.aps) * 100, 1)}% (rounds: ${perRound})` };
    };
    if (servers.includes('alertmanager')) {
      const r = ratio('alertmanager');
      goals &&= r.median >= 1;
      console.log(
        `perfbot / Alertmanager alerts/s: ${r.text} — goal ≥ 100%: ${r.median >= 1 ? 'met' : 'NOT met'}`,
      );
    }
    if (servers.includes('bare')) {
      const r = ratio('bare');
      goals &&= r.median >= 0.4;
      console.log(`perfbot / bare alerts/s: ${r.text} — goal ≥ 40%: ${r.median >= 0.4 ? 'met' : 'NOT met'}`);
    }
  }

  let lost = 0;
  if (servers.includes('perfbot')) {
    const measured = perfbotRuns
      .filter((x) => !x.run.startsWith('w'))
      .reduce((n, x) => n + x.result.requests, 0);
    console.log(
      `\nperfbot: redis-server ${fmt((redisCpu * 1e6) / Math.max(1, measured))} µs CPU per request; ` +
        `incident consumers caught up at most ${fmt(catchUp / 1000, 1)} s after a round` +
        (am ? '; Alertmanager paused (SIGSTOP) outside its own rounds' : ''),
    );
    const stored = await storedKeys(app.redis);
    let groups = 0;
    let alerts = 0;
    for (const { run, result, size } of perfbotRuns) {
      for (const g of result.acked) {
        groups++;
        if (!stored.groups.has(groupKey(run, g))) lost++;
        for (let i = 0; i < size; i++) {
          alerts++;
          if (!stored.alerts.has(fingerprint(run, g, i))) lost++;
        }
      }
    }
    console.log(
      `Redis holds ${fmt(stored.groups.size)} groups, ${fmt(stored.alerts.size)} alerts; of the ${fmt(groups)} groups (${fmt(alerts)} alerts) ` +
        `answered 202, ${lost === 0 ? 'none lost' : `${lost} MISSING`}`,
    );
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (servers.includes('perfbot') && servers.length === 3) console.log(`goals: ${goals ? 'met' : 'NOT met'}`);

  await http.close();
  await response?.stop();
  await app.close();
  if (am) process.kill(am.pid, 'SIGCONT');
  await am?.stop();
  bare.child.kill('SIGTERM');
  await redisServer.stop();
  if (lost > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
