// How much the diagnosis engine adds on top of its slowest back end. Checks run concurrently,
// so a run should take about as long as its slowest check: the goal is total ÷ slowest ≤ 1.10.
// Every check is a real HTTP round trip to a loopback server that answers after a set latency
// (in Prometheus' JSON format); the engine gets a bench-local CHECKS map through `checks`.
//
//   npx tsx bench/diagnose.ts
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { runDiagnosis } from '../src/diagnostics/engine.js';
import type { CheckDefinition } from '../src/diagnostics/types.js';
import { silentLogger } from '../src/log.js';
import { Playbook } from '../src/playbooks/schema.js';

/** Answers /api/v1/query after the delay named in the query: `bench{delay_ms="250"}`. */
function slowPrometheus(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const query = new URLSearchParams(body).get('query') ?? '';
      const delay = Number(/delay_ms="(\d+)"/.exec(query)?.[1] ?? 0);
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 'success',
            data: {
              resultType: 'vector',
              result: [{ metric: {}, value: [Date.now() / 1000, String(delay)] }],
            },
          }),
        );
      }, delay);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface BenchPort {
  baseUrl: string;
}

/** A minimal instant-query check: POST the PromQL, take the first sample. */
const instantQuery: CheckDefinition<'prometheus.query', BenchPort> = {
  kind: 'prometheus.query',
  backend: 'prometheus',
  async run(ctx, port) {
    const res = await fetch(`${port.baseUrl}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: ctx.params.query }).toString(),
      signal: ctx.signal,
    });
    const json = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    const sample = json.data.result[0];
    return sample ? { value: Number(sample.value[1]) } : {};
  },
};

function playbookOf(delays: number[]) {
  return Playbook.parse({
    id: 'bench',
    title: 'Benchmark',
    target: { namespace: 'bench' },
    checks: delays.map((ms, i) => ({
      id: `check-${i}`,
      kind: 'prometheus.query',
      title: `check ${i} (${ms} ms)`,
      params: { query: `bench{check="${i}",delay_ms="${ms}"}` },
      unit: 'ms',
      thresholds: { warn: 300, critical: 1000 },
    })),
    decision: [
      { id: 'slow', when: { any: delays.map((_, i) => ({ check: `check-${i}` })) }, bottleneck: 'Slow' },
    ],
  });
}

interface Sample {
  totalMs: number;
  slowestMs: number;
  ratio: number;
  statuses: string;
}

async function measure(delays: number[], baseUrl: string): Promise<Sample> {
  const playbook = playbookOf(delays);
  const t0 = performance.now();
  const run = await runDiagnosis({
    playbook,
    backends: { prometheus: { baseUrl } },
    checks: { 'prometheus.query': instantQuery },
    log: silentLogger,
    deadlineMs: 10_000,
  });
  const totalMs = performance.now() - t0;
  const slowestMs = Math.max(...run.checks.map((c) => c.durationMs));
  const counts = new Map<string, number>();
  for (const c of run.checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const statuses = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  return { totalMs, slowestMs, ratio: totalMs / slowestMs, statuses };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function scenario(name: string, delays: number[], baseUrl: string, runs: number) {
  await measure(delays, baseUrl); // warm-up: JIT, connection pool
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(delays, baseUrl));
  const ratios = samples.map((s) => s.ratio);
  const fmt = (n: number) => n.toFixed(1).padStart(7);
  console.log(
    `\n${name}: ${delays.length} checks, set latencies ${Math.min(...delays)}–${Math.max(...delays)} ms`,
  );
  console.log('   run   total ms  slowest ms   ratio   statuses');
  samples.forEach((s, i) => {
    console.log(
      `  ${String(i + 1).padStart(4)}  ${fmt(s.totalMs)}     ${fmt(s.slowestMs)}   ${s.ratio.toFixed(3)}   ${s.statuses}`,
    );
  });
  const worst = Math.max(...ratios);
  console.log(
    `  median ratio ${median(ratios).toFixed(3)}, worst ${worst.toFixed(3)} (goal ≤ 1.10: ${worst <= 1.1 ? 'met' : 'NOT met'})`,
  );
  return worst;
}

async function main() {
  const server = await slowPrometheus();
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  };
  const sampler = setInterval(sample, 5);
  sample();
  const rssBefore = peakRss;

  const twelve = [50, 80, 100, 120, 150, 180, 200, 250, 280, 300, 350, 400];
  const hundred = Array.from({ length: 100 }, (_, i) => 50 + ((i * 37) % 351));
  const worst12 = await scenario('playbook-sized', twelve, baseUrl, 7);
  const worst100 = await scenario('large', hundred, baseUrl, 3);

  clearInterval(sampler);
  sample();
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`\npeak memory: rss ${mib(peakRss)} (at start ${mib(rssBefore)}), heap used ${mib(peakHeap)}`);
  console.log(`result: worst ratio ${worst12.toFixed(3)} (12 checks), ${worst100.toFixed(3)} (100 checks)`);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

await main();
