// Where metrics attach to things perfbot does not own the code of: Fastify's request lifecycle
// and BullMQ's worker events. The counters themselves live in metrics.ts.
import type { Job, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

/** The label of requests that matched no route: raw URLs would make one series per scanner probe. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Counts and times every response by route pattern (`/alerts/:source`, never the raw URL). */
export function instrumentHttp(
  app: FastifyInstance,
  metrics: Pick<Metrics, 'httpRequests' | 'httpRequestDuration'>,
): void {
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      method: request.method,
      code: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });
}

/**
 * Counts a worker's finished jobs. BullMQ emits `failed` for every failed attempt; a job that
 * will be tried again has no `finishedOn` yet, so it counts as `retried`, not `failed`.
 */
export function instrumentWorker<Data, Result, Name extends string>(
  metrics: Pick<Metrics, 'queueJobs'>,
  queue: string,
  worker: Pick<Worker<Data, Result, Name>, 'on'>,
): void {
  const count = (job: Pick<Job<Data, Result, Name>, 'name'> | undefined, outcome: string) =>
    metrics.queueJobs.inc({ queue, name: job?.name ?? 'unknown', outcome });
  worker.on('completed', (job) => count(job, 'completed'));
  worker.on('failed', (job) => count(job, job?.finishedOn ? 'failed' : 'retried'));
  // `stalled` carries only the job ID: the job's name is not known without a Redis read.
  worker.on('stalled', () => count(undefined, 'stalled'));
}
