// The one load generator of bench/intake.ts: autocannon, in a process of its own (so it shares
// no event loop with any server under test), run with the same settings against every server.
// Each request carries one group of alerts: half the requests open a new group, half repeat a
// group already sent (its first repeat still firing, later ones resolving it). Prints one JSON
// line with the figures and the groups that were answered 2xx (for the none-lost check).
//
//   node --import tsx bench/intake-load.ts '<LoadJob as JSON>'
import autocannon from 'autocannon';
import { bodies, type Target } from './intake-payloads.js';

export interface LoadJob {
  url: string;
  target: Target;
  /** Alerts per request. */
  size: number;
  run: string;
  connections: number;
  seconds: number;
  token: string;
  seed: number;
  /** Group start/end times, the same for every server. */
  startsAt: string;
  endsAt: string;
}

export interface LoadResult {
  requests: number;
  /** 2xx answers. */
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  /** Groups that got at least one 2xx answer. */
  acked: number[];
  /** Groups opened by the generator (some never sent when the run stopped). */
  created: number;
}

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

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const body = bodies(job.target, job.size, job.run, job);
  const random = mulberry32(job.seed);
  const uses: number[] = [0];
  const acked = new Set<number>();
  let answered = 0;

  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    pipelining: 1,
    timeout: 10,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${job.token}` },
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          // Every client builds its first request before any answer; all of those are group 0
          // (autocannon sends the last one built from each client, so they must be alike).
          let g = 0;
          if (answered > 0) {
            if (random() < 0.5) {
              g = uses.length;
              uses.push(0);
            } else g = Math.floor(random() * uses.length);
          }
          const use = (uses[g] as number) + 1;
          uses[g] = use;
          (context as { g?: number }).g = g;
          return { ...req, body: body(g, use > 2) };
        },
        onResponse: (status, _body, context) => {
          answered++;
          if (status >= 200 && status < 300) acked.add((context as { g: number }).g);
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count ?? 0;
  return {
    requests: result.requests.total,
    ok: result['2xx'],
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    acked: [...acked],
    created: uses.length,
  };
}

if (process.argv[2]) {
  runLoad(JSON.parse(process.argv[2]) as LoadJob).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
