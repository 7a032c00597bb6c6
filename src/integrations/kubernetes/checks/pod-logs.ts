// Tail the logs of the selected pods and count lines matching each named pattern (timeouts,
// throttling, OOM messages…), keeping a few sample lines per pattern as evidence. The value is
// the total number of matching lines.
import type { CheckDefinition, Measurement } from '../../../diagnostics/types.js';
import { parseDuration } from '../../../duration.js';
import { PerfbotError } from '../../../errors.js';
import type { KubernetesPort, LogOptions, PodInfo } from '../port.js';
import { compilePatterns, MAX_LINE_LENGTH } from './patterns.js';
import { describeSelector, mapLimit, selectorOf } from './shared.js';

/** Bounds the API load of one check: pods read, requests in flight, samples kept. */
const MAX_PODS = 20;
const CONCURRENCY = 4;
const SAMPLES_PER_PATTERN = 10;
const SAMPLE_LENGTH = 300;

interface Source {
  pod: string;
  container?: string;
}

function sources(pods: PodInfo[]): Source[] {
  // A multi-container pod's log must be read per container (the API refuses otherwise).
  return pods.flatMap((p) =>
    p.containers.length > 1
      ? p.containers.map((c) => ({ pod: p.name, container: c.name }))
      : [{ pod: p.name }],
  );
}

export const podLogs: CheckDefinition<'kubernetes.pod-logs', KubernetesPort> = {
  kind: 'kubernetes.pod-logs',
  backend: 'kubernetes',
  async run(ctx, port): Promise<Measurement> {
    // Patterns first: a bad playbook pattern fails before any request is made.
    const patterns = compilePatterns(ctx.params.patterns);
    const selector = selectorOf(ctx);
    const allPods = await port.listPods(ctx.namespace, selector, ctx.signal);
    if (allPods.length === 0)
      return { summary: `no pods match ${describeSelector(ctx.namespace, selector)}` };
    const pods = [...allPods].sort((a, b) => a.name.localeCompare(b.name)).slice(0, MAX_PODS);

    const sinceMs = ctx.params.since === undefined ? undefined : parseDuration(ctx.params.since);
    const base: LogOptions = { tailLines: ctx.params.tailLines };
    if (sinceMs !== undefined) base.sinceSeconds = Math.max(1, Math.ceil(sinceMs / 1000));

    const failures: PerfbotError[] = [];
    const logs = await mapLimit(sources(pods), CONCURRENCY, async (src) => {
      const options = src.container === undefined ? base : { ...base, container: src.container };
      try {
        return { src, text: await port.readPodLog(ctx.namespace, src.pod, options, ctx.signal) };
      } catch (err) {
        // One unreadable log (a container still starting) must not hide the others.
        if (ctx.signal.aborted || !(err instanceof PerfbotError)) throw err;
        failures.push(err);
        return { src, text: '' };
      }
    });
    if (failures.length === logs.length && failures[0]) throw failures[0];

    const counts: Record<string, number> = Object.fromEntries(patterns.map((p) => [p.name, 0]));
    const samples: string[] = [];
    const kept: Record<string, number> = {};
    for (const { src, text } of logs) {
      const label = src.container === undefined ? src.pod : `${src.pod}/${src.container}`;
      for (const raw of text.split('\n')) {
        if (raw === '') continue;
        const line = raw.length > MAX_LINE_LENGTH ? raw.slice(0, MAX_LINE_LENGTH) : raw;
        for (const p of patterns) {
          if (!p.regex.test(line)) continue;
          counts[p.name] = (counts[p.name] ?? 0) + 1;
          if ((kept[p.name] ?? 0) < SAMPLES_PER_PATTERN) {
            kept[p.name] = (kept[p.name] ?? 0) + 1;
            samples.push(`[${p.name}] ${label}: ${line.slice(0, SAMPLE_LENGTH)}`);
          }
        }
      }
    }

    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const found = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${n}`);
    const notes: string[] = [];
    if (allPods.length > pods.length) notes.push(`read ${pods.length} of ${allPods.length} pods`);
    if (failures.length > 0) notes.push(`${failures.length} log(s) unreadable`);
    const head =
      total === 0
        ? `no matches in the last ${ctx.params.tailLines} lines of ${pods.length} pod(s)`
        : `${total} matching line(s) in ${pods.length} pod(s): ${found.join(', ')}`;
    return { value: total, summary: [head, ...notes].join('; '), evidence: { counts, samples } };
  },
};
