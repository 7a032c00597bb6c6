// An alert storm through Slack's rate limit: N alerts in N distinct Alertmanager groups (so N
// incidents; no playbook takes them) sent through perfbot's real HTTP intake, perfbot running as
// its own process (`perfbot serve --no-worker`, the compiled dist/) on a private redis-server,
// Slack a loopback fake that lets ~`rate` messages per second per channel through and answers
// the rest with 429. Prints perfbot's RSS peak next to its idle RSS measured in the same run,
// the Slack calls by method and status, the time to drain, and how many incidents ended up in
// a root or a digest (every incident's recorded thread is a message Slack holds).
//
//   npx tsx bench/slack-storm.ts [--alerts 50000] [--rate 1] [--concurrency 16] [--limit-s 600]
//                                [--node-options=--max-old-space-size=…]   (perfbot's NODE_OPTIONS)
//
// Goal: RSS peak < 250 MiB, 0 incidents missing.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../src/redis/embedded.js';
import { FakeSlack } from '../test/fakes/slack.js';
import { ensureBuilt, startPerfbot } from '../test/support/perfbot-process.js';

const CHANNEL = 'C0STORM';
const TOKEN = 'storm-token';
const MiB = 1024 * 1024;

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** perfbot's V8 heap from its /metrics (prom-client's default metrics), as " [used/total, ext]". */
async function heapOf(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  const mib = (name: string) =>
    (Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / MiB).toFixed(0);
  return ` [${mib('nodejs_heap_size_used_bytes')}/${mib('nodejs_heap_size_total_bytes')}, ${mib('nodejs_external_memory_bytes')}]`;
}

function notification(i: number): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="StormBench",group="g${i}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'perfbot',
    groupLabels: { alertname: 'StormBench', group: `g${i}` },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'StormBench',
          group: `g${i}`,
          instance: `node-${i % 500}:9100`,
          severity: 'warning',
        },
        annotations: { summary: `storm member ${i}` },
        startsAt: '2026-01-01T12:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: `storm-${i}`,
      },
    ],
  });
}

function post(agent: Agent, url: URL, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${TOKEN}`,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      alerts: { type: 'string', default: '50000' },
      rate: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '16' },
      'limit-s': { type: 'string', default: '600' },
      'node-options': { type: 'string', default: '' },
      timeline: { type: 'boolean', default: false },
      'snapshot-at-s': { type: 'string', default: '' },
    },
  });
  const total = Number(values.alerts);
  const rate = Number(values.rate);
  const limitMs = Number(values['limit-s']) * 1000;
  await ensureBuilt();
  const redisServer = await startEmbeddedRedis();
  const redis = new Redis(redisServer.url);
  const slack = await new FakeSlack({ light: true, channelRate: { perSecond: rate, burst: 3 } }).start();
  const bot = await startPerfbot(
    {
      REDIS_URL: redisServer.url,
      PERFBOT_WEBHOOK_TOKEN: TOKEN,
      PLAYBOOKS_DIR: 'playbooks',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: 'storm-secret',
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: CHANNEL,
      LOG_LEVEL: 'warn',
      ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}),
    },
    ['--no-worker'],
  );
  const samples: number[] = [];
  try {
    // Idle baseline: started, connected to Slack and Redis, nothing to do.
    await new Promise((r) => setTimeout(r, 5000));
    const idle = rssOf(bot.pid).rss;
    console.log(
      `slack-storm: ${total} alerts in ${total} groups → one channel; Slack fake at ${rate} msg/s/channel (burst 3, 429 beyond)${values['node-options'] ? `; perfbot NODE_OPTIONS=${values['node-options']}` : ''}`,
    );
    console.log(`  perfbot idle RSS: ${(idle / MiB).toFixed(0)} MiB`);
    const sampler = setInterval(() => samples.push(rssOf(bot.pid).rss), 250);
    // RSS every 10 s (with --timeline): where in the storm memory peaks.
    const timeline: string[] = [];
    const t00 = performance.now();
    const ticker = values.timeline
      ? setInterval(async () => {
          const at = Math.round((performance.now() - t00) / 1000);
          const rss = rssOf(bot.pid).rss;
          const heap = await heapOf(bot.url).catch(() => '');
          timeline.push(`${at}s ${(rss / MiB).toFixed(0)}${heap}`);
        }, 10_000)
      : undefined;
    // A heap snapshot of perfbot at this second of the storm (needs
    // --node-options=--heapsnapshot-signal=SIGUSR2; written to perfbot's working directory).
    const snapshot = values['snapshot-at-s']
      ? setTimeout(() => process.kill(bot.pid, 'SIGUSR2'), Number(values['snapshot-at-s']) * 1000)
      : undefined;

    const agent = new Agent({ keepAlive: true, maxSockets: Number(values.concurrency) });
    const url = new URL('/alerts/alertmanager', bot.url);
    const ids: string[] = new Array(total);
    let next = 0;
    let refused = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Number(values.concurrency) }, async () => {
        for (let i = next++; i < total; i = next++) {
          const res = await post(agent, url, notification(i));
          if (res.status !== 202) {
            refused++;
            continue;
          }
          ids[i] = (JSON.parse(res.body) as { incidents: string[] }).incidents[0] as string;
        }
      }),
    );
    const sentMs = performance.now() - t0;
    agent.destroy();
    console.log(
      `  intake: ${total - refused} accepted, ${refused} refused in ${(sentMs / 1000).toFixed(1)} s (${Math.round(total / (sentMs / 1000))} alerts/s)`,
    );

    // Drained: every incident's thread is a message the fake holds.
    const accepted = ids.filter(Boolean);
    const deliveredCount = async (): Promise<number> => {
      let n = 0;
      for (let i = 0; i < accepted.length; i += 5000) {
        const pipe = redis.pipeline();
        for (const id of accepted.slice(i, i + 5000))
          pipe.hmget(`perfbot:incident:${id}`, 'threadChannel', 'threadTs');
        for (const [, v] of (await pipe.exec()) ?? []) {
          const [channel, ts] = v as [string | null, string | null];
          if (channel && ts && slack.messages.has(`${channel}/${ts}`)) n++;
        }
      }
      return n;
    };
    let delivered = 0;
    let drainedMs = Number.NaN;
    for (;;) {
      delivered = await deliveredCount();
      if (delivered === accepted.length) {
        drainedMs = performance.now() - t0;
        break;
      }
      if (performance.now() - t0 > limitMs) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    clearInterval(sampler);
    clearTimeout(snapshot);
    if (ticker) {
      clearInterval(ticker);
      console.log(
        `  timeline (s: RSS MiB [V8 heap used/total, external MiB]):\n    ${timeline.join('\n    ')}`,
      );
    }
    const { hwm } = rssOf(bot.pid);
    const peakSampled = Math.max(...samples);
    const calls = [...slack.counts.entries()].sort().map(([k, n]) => `${k}: ${n}`);
    const roots = [...slack.messages.values()].filter((m) => m.threadTs === undefined).length;
    console.log(`  Slack calls: ${calls.join(', ')}`);
    console.log(`  root messages: ${roots} (own roots and digests)`);
    console.log(
      `  time to drain (first alert sent → every incident in a root or digest): ${Number.isNaN(drainedMs) ? `not within ${limitMs / 1000} s` : `${(drainedMs / 1000).toFixed(1)} s`}`,
    );
    console.log(
      `  incidents delivered: ${delivered} of ${accepted.length} (missing: ${accepted.length - delivered})`,
    );
    console.log(
      `  perfbot RSS: idle ${(idle / MiB).toFixed(0)} MiB → peak ${(hwm / MiB).toFixed(0)} MiB (VmHWM; sampled peak ${(peakSampled / MiB).toFixed(0)} MiB), ×${(hwm / idle).toFixed(2)}   (goal: < 250 MiB)`,
    );
    if (process.env.BENCH_GC) {
      const gcs = bot.output().match(/Mark-Compact[^\n]*/g) ?? [];
      console.log(`  last major GCs:\n    ${gcs.slice(-Number(process.env.BENCH_GC) || -8).join('\n    ')}`);
    }
  } finally {
    await bot.stop();
    await slack.stop();
    redis.disconnect();
    await redisServer.stop();
  }
}

await main();
