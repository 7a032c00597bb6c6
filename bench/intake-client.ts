// Load generator for bench/intake.ts, run in a worker thread so it does not share the event
// loop of the server under test. A bounded number of keep-alive connections each send
// Alertmanager v4 notifications back to back: half open new groups (new fingerprints), half
// repeat a group already sent (its first repeat is still firing, later ones resolve it).
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface ClientJob {
  url: string;
  token: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Distinguishes the fingerprints and group keys of separate runs. */
  run: string;
  seed: number;
}

export interface ClientResult {
  requests: number;
  alerts: number;
  errors: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  elapsedMs: number;
  /** Every group sent at least once (warm-up included) and its alert count. */
  groups: number;
  groupAlerts: number;
}

const NAMES = [
  ['HighLatency', 'data-pipeline', 'normalization-service'],
  ['HighCPUUsage', 'data-pipeline', 'enrichment-service'],
  ['HighMemoryUsage', 'data-pipeline', 'clickhouse'],
  ['S3SentinelProcessingLatencyHigh', 'sentinel-connector', 's3-sentinel-connector'],
  ['DiskAlmostFull', '', 'node-exporter'],
] as const;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function body(run: string, g: number, size: number, resolved: boolean): string {
  const [name, playbook, service] = NAMES[g % NAMES.length] as (typeof NAMES)[number];
  const status = resolved ? 'resolved' : 'firing';
  const alerts = [];
  for (let i = 0; i < size; i++) {
    alerts.push({
      status,
      labels: {
        alertname: name,
        namespace: 'data-processing',
        service,
        pod: `${service}-${g}-${i}`,
        severity: 'warning',
        ...(playbook ? { playbook } : {}),
      },
      annotations: {
        summary: `${name} on ${service}-${g}-${i}`,
        description: `${service}-${g}-${i} crossed its threshold; see the ${playbook || 'default'} runbook.`,
      },
      startsAt: '2024-05-03T12:00:00.000Z',
      endsAt: resolved ? '2024-05-03T12:20:00.000Z' : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus-0:9090/graph?g0.expr=${encodeURIComponent(`${name}{service="${service}"}`)}&g0.tab=1`,
      fingerprint: `${run}-${g.toString(16)}-${i.toString(16)}`,
    });
  }
  return JSON.stringify({
    receiver: 'perfbot',
    status,
    alerts,
    groupLabels: { alertname: name, service },
    commonLabels: { alertname: name, service, namespace: 'data-processing' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager-0:9093',
    version: '4',
    groupKey: `{}:{alertname="${name}", service="${service}", shard="${run}-${g}"}`,
    truncatedAlerts: 0,
  });
}

async function main(job: ClientJob): Promise<ClientResult> {
  const target = new URL(job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const random = mulberry32(job.seed);
  const sizes: number[] = [];
  const uses: number[] = [];
  const cache = new Map<string, string>();

  const next = (): { payload: string; size: number } => {
    let g: number;
    if (sizes.length === 0 || random() < 0.5) {
      g = sizes.length;
      sizes.push(1 + Math.floor(random() * 20));
      uses.push(0);
    } else {
      g = Math.floor(random() * sizes.length);
    }
    const size = sizes[g] as number;
    const use = (uses[g] as number) + 1;
    uses[g] = use;
    const resolved = use > 2;
    const key = `${g}:${resolved}`;
    let payload = cache.get(key);
    if (payload === undefined) {
      payload = body(job.run, g, size, resolved);
      // Keep a bounded cache: repeats mostly hit recent groups' bodies.
      if (cache.size > 4000) cache.delete(cache.keys().next().value as string);
      cache.set(key, payload);
    }
    return { payload, size };
  };

  const post = (payload: string): Promise<number> =>
    new Promise((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            authorization: `Bearer ${job.token}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(payload);
    });

  const result: ClientResult = {
    requests: 0,
    alerts: 0,
    errors: 0,
    statuses: {},
    latenciesMs: [],
    elapsedMs: 0,
    groups: 0,
    groupAlerts: 0,
  };
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const loop = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      const { payload, size } = next();
      const status = await post(payload);
      const t1 = performance.now();
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      if (t0 < measureFrom) continue;
      result.requests++;
      result.latenciesMs.push(t1 - t0);
      if (status === 202) result.alerts += size;
      else result.errors++;
    }
  };
  await Promise.all(Array.from({ length: job.connections }, loop));
  result.elapsedMs = performance.now() - measureFrom;
  result.groups = sizes.length;
  result.groupAlerts = sizes.reduce((a, b) => a + b, 0);
  agent.destroy();
  return result;
}

if (parentPort && workerData) {
  const port = parentPort;
  main(workerData as ClientJob).then((r) => port.postMessage(r));
}
