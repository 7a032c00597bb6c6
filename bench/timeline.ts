// How long `perfbot timeline` takes on a large audit trail: a private redis-server holds a trail
// of N entries spread over many incidents; the timeline of one incident (read its entries,
// verify the whole chain, build and render) is timed against two baselines measured in the same
// run: reading that incident's entries alone, and `perfbot audit --verify` (the chain walk).
// Run: npx tsx bench/timeline.ts [entries]
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { AuditTrail } from '../src/audit/trail.js';
import { startEmbeddedRedis } from '../src/redis/embedded.js';
import { timelineMarkdown } from '../src/timeline/markdown.js';
import { readTimeline } from '../src/timeline/read.js';

const N = Number(process.argv[2] ?? 50_000);
const INCIDENTS = 2_000;
const ROUNDS = 5;

const server = await startEmbeddedRedis();
const redis = new Redis(server.url);
try {
  const trail = new AuditTrail({ redis });
  const t0 = performance.now();
  const events = [
    'alert.received',
    'diagnosis.done',
    'proposal.created',
    'proposal.approved',
    'job.succeeded',
  ] as const;
  for (let i = 0; i < N; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, N - i) }, (_, j) =>
        trail.append({
          actor: 'system',
          event: events[(i + j) % events.length] as (typeof events)[number],
          incident: `inc-${(i + j) % INCIDENTS}`,
          details: {
            preview: 'Deployment/enrichment replicas 2 → 4',
            before: { replicas: 2 },
            after: { replicas: 4 },
          },
        }),
      ),
    );
  }
  console.log(
    `trail of ${N} entries over ${INCIDENTS} incidents written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const median = async (what: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const s = performance.now();
      await what();
      times.push(performance.now() - s);
    }
    return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] as number;
  };
  const incident = 'inc-7';
  const read = await median(() => trail.readTrail({ incident }));
  const verify = await median(() => trail.verifyTrail());
  const timeline = await median(async () =>
    timelineMarkdown((await readTimeline(trail, incident)) ?? (undefined as never)),
  );
  const rows = [
    ["read one incident's entries (baseline)", read],
    ['verify the whole chain (baseline: audit --verify)', verify],
    ['timeline: read + verify + build + Markdown', timeline],
  ] as const;
  for (const [label, ms] of rows) console.log(`${label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log(`timeline / (read + verify) = ${(timeline / (read + verify)).toFixed(2)}`);
} finally {
  redis.disconnect();
  await server.stop();
}
