// Where metrics attach to things perfbot does not own the code of: Fastify's request lifecycle,
// BullMQ's worker events and the remediation worker's events. The counters live in metrics.ts.
import type { Job, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';
import type { RemediationEvent, RemediationEvents } from './remediation/events.js';

/** `outcome` of perfbot_queue_jobs_finished_total (the rules and the dashboard match on them). */
export const JOB_OUTCOMES = ['completed', 'retried', 'failed', 'stalled'] as const;

/** `outcome` of perfbot_remediation_jobs_total: how one attempt of a remediation job ended. */
export const REMEDIATION_OUTCOMES = ['succeeded', 'retried', 'failed', 'dry-run'] as const;

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
  const count = (
    job: Pick<Job<Data, Result, Name>, 'name'> | undefined,
    outcome: (typeof JOB_OUTCOMES)[number],
  ) => metrics.queueJobs.inc({ queue, name: job?.name ?? 'unknown', outcome });
  worker.on('completed', (job) => count(job, 'completed'));
  worker.on('failed', (job) => count(job, job?.finishedOn ? 'failed' : 'retried'));
  // `stalled` carries only the job ID: the job's name is not known without a Redis read.
  worker.on('stalled', () => count(undefined, 'stalled'));
}

const REMEDIATION_OUTCOME_OF: Partial<
  Record<RemediationEvent['type'], (typeof REMEDIATION_OUTCOMES)[number]>
> = {
  'job.succeeded': 'succeeded',
  'job.retried': 'retried',
  'job.failed': 'failed',
  'job.dry-run': 'dry-run',
};

/**
 * Counts remediation jobs by action kind and outcome, from the events the worker of this
 * process emits (in-process, so each outcome is counted once, by the replica that ran it).
 * A revert counts under its action kind like the fix it undoes.
 */
export function instrumentRemediations(
  metrics: Pick<Metrics, 'remediationJobs'>,
  events: Pick<RemediationEvents, 'on'>,
): () => void {
  return events.on((event) => {
    const outcome = REMEDIATION_OUTCOME_OF[event.type];
    if (outcome) metrics.remediationJobs.inc({ action: event.proposal.action, outcome });
  });
}
