// From "webhook accepted" to "root message posted" and to "report posted", over many incidents.
// Everything is real except Slack and the diagnosed back end: perfbot's HTTP server, the
// incident store and event stream on a private redis-server, the chat runtime with its
// per-channel queue, Bolt's WebClient talking to the Slack fake, and checks that make real HTTP
// round trips to a loopback server answering after set latencies (slowest: 1,000 ms).
// Goals: root message p95 < 100 ms; report within 1.1× the slowest check.
//
//   npx tsx bench/alert-to-thread.ts [--incidents 30] [--limited 5]
//
// The main run models Slack without a rate limit, so it measures perfbot itself; `--limited N`
// adds N incidents with Slack's 1 message/s per channel (each after the channel recovered).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dispatch } from '../commands/index.js';
import { type App, createApp } from '../src/app.js';
import { createChat } from '../src/chat/runtime.js';
import type { ChannelQueueOptions } from '../src/chat/slack/channel-queue.js';
import { loadConfig } from '../src/config.js';
import type { CheckDefinition } from '../src/diagnostics/types.js';
import { silentLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { startEmbeddedRedis } from '../src/redis/embedded.js';
import { buildServer } from '../src/server.js';
import { startResponse } from '../src/services.js';
import { FakeSlack } from '../test/fakes/slack.js';

const LATENCIES_MS = [50, 120, 200, 350, 500, 700, 1000];
const SLOWEST = Math.max(...LATENCIES_MS);
const CHANNEL = 'C0BENCH';

function slowBackend(): Promise<Server> {
  const server = createServer((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    setTimeout(
      () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ value: delay / 1000 })),
      delay,
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The query is the delay in ms; the answer, in seconds, is the value (0.7 s is "critical"). */
const loopbackCheck: CheckDefinition<'prometheus.query', { baseUrl: string }> = {
  kind: 'prometheus.query',
  backend: 'prometheus',
  async run(ctx, port) {
    const t = Date.now();
    const res = await fetch(`${port.baseUrl}/?delay=${ctx.params.query}`, { signal: ctx.signal });
    const { value } = (await res.json()) as { value: number };
    const points = Array.from({ length: 20 }, (_, i) => ({ t: t - (20 - i) * 60_000, v: (value * i) / 19 }));
    return { value, evidence: { series: [{ name: 'latency', points }] } };
  },
};

function playbookYaml(): string {
  const checks = LATENCIES_MS.map(
    (ms) =>
      `  - id: check-${ms}\n    kind: prometheus.query\n    title: Check answering in ${ms} ms\n    params: { query: "${ms}" }\n    unit: s\n    thresholds: { warn: 0.4, critical: 0.65 }`,
  ).join('\n');
  return `id: bench
title: Benchmark playbook
target: { namespace: bench }
triggers:
  - { alertname: BenchAlert }
checks:
${checks}
decision:
  - id: slow
    when: { check: check-${SLOWEST}, status: critical }
    bottleneck: The slowest back end
`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { incidents: { type: 'string', default: '30' }, limited: { type: 'string', default: '5' } },
  });
  const redis = process.env.REDIS_URL ? undefined : await startEmbeddedRedis();
  const backend = await slowBackend();
  const slack = await new FakeSlack().start();
  const dir = await mkdtemp(join(tmpdir(), 'perfbot-bench-'));
  await writeFile(join(dir, 'bench.yml'), playbookYaml());
  const config = loadConfig({
    PLAYBOOKS_DIR: dir,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: 'bench',
    SLACK_API_URL: slack.apiUrl,
    SLACK_INCIDENT_CHANNEL: CHANNEL,
  });
  const backends = {
    prometheus: { baseUrl: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` },
  };
  const prefix = `bench${Date.now()}:`;
  const apps: App[] = [];

  const run = async (label: string, incidents: number, queue: ChannelQueueOptions, pauseMs: number) => {
    // A whole bot per run, on its own key prefix: intake, response layer, Slack renderer.
    const app = await createApp({
      config,
      log: silentLogger,
      redisUrl: process.env.REDIS_URL ?? (redis?.url as string),
      prefix: `${prefix}${label}:`,
      backends,
      checks: { 'prometheus.query': loopbackCheck },
      metrics: createMetrics({ defaultMetrics: false }),
    });
    apps.push(app);
    const chat = await createChat(app, { dispatch, consumer: 'bench', slack: { queue } });
    const server = await buildServer(app, { routes: chat.routes });
    const response = startResponse(app, 'bench');
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    await chat.start();
    const rootMs: number[] = [];
    const reportMs: number[] = [];
    for (let i = 0; i < incidents; i++) {
      const name = `BenchAlert-${label}-${i}`;
      const body = {
        version: '4',
        groupKey: `{}:{alertname="BenchAlert",instance="${name}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'perfbot',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://am',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'BenchAlert', instance: name, severity: 'critical' },
            annotations: { summary: name },
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: '',
            fingerprint: name,
          },
        ],
      };
      const res = await fetch(`${url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const accepted = performance.now();
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      const [id] = ((await res.json()) as { incidents: string[] }).incidents;
      const mentions = (c: { args: Record<string, unknown> }) =>
        String(c.args.blocks ?? '').includes(`${id} ·`);
      const root = await until(() =>
        slack.calls.find(
          (c) =>
            c.method === 'chat.postMessage' &&
            c.status === 200 &&
            c.args.thread_ts === undefined &&
            mentions(c),
        ),
      );
      const ts = await until(
        () =>
          [...slack.messages.values()].find(
            (m) => m.threadTs === undefined && JSON.stringify(m.blocks).includes(`${id} ·`),
          )?.ts,
      );
      const report = await until(() =>
        slack.calls.find(
          (c) =>
            c.method === 'chat.postMessage' &&
            c.args.thread_ts === ts &&
            String(c.args.text).startsWith('Benchmark playbook:'),
        ),
      );
      if (process.env.BENCH_TRACE) {
        const trace = slack.calls
          .filter((c) => c.t >= accepted - 5 && c.t <= report.t + 1)
          .map((c) => `${c.method}@${(c.t - accepted).toFixed(0)}`);
        console.log(trace.join(' '));
      }
      rootMs.push(root.t - accepted);
      reportMs.push(report.t - accepted);
      await chat.idle();
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
    await server.close();
    await chat.stop();
    await response.stop();
    const fmt = (xs: number[]) =>
      `p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
    console.log(`\n${label}: ${incidents} incidents, one at a time`);
    console.log(`  webhook accepted → root message posted: ${fmt(rootMs)}   (goal: p95 < 100 ms)`);
    console.log(`  webhook accepted → report posted:       ${fmt(reportMs)}`);
    console.log(
      `  report p95 ÷ slowest check (${SLOWEST} ms): ${(percentile(reportMs, 95) / SLOWEST).toFixed(3)}   (goal ≤ 1.10)`,
    );
  };

  try {
    console.log(
      `alert-to-thread: ${LATENCIES_MS.length} checks per diagnosis, back-end latencies ${LATENCIES_MS.join('/')} ms; Slack fake on loopback`,
    );
    await run('slack without rate limit', Number(values.incidents), { intervalMs: 1, burst: 1000 }, 0);
    // With Slack's limit: let the channel's bucket refill before the next incident.
    await run(
      "slack's 1 message/s per channel",
      Number(values.limited),
      { intervalMs: 1000, burst: 3 },
      3000,
    );
    const writes = slack.calls.filter(
      (c) => c.status === 200 && (c.method.startsWith('chat.') || c.method.startsWith('files.')),
    );
    console.log(`\nSlack writes in total: ${writes.length} (${slack.uploads.size} chart uploads)`);
  } finally {
    for (const app of apps) await app.close();
    await slack.stop();
    backend.close();
    await redis?.stop();
  }
}

async function until<T>(probe: () => T | undefined, ms = 30_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

await main();
