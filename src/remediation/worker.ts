// The BullMQ worker of the `remediations` queue: `run`, `verify` and `expire` jobs.
//
// Crash safety: a job's lock is renewed every lockDuration/2 while it runs; if the process dies
// (SIGKILL, OOM, node lost) the lock lapses and another worker's stalled check (every
// stalledInterval) puts the job back, where the proposal's `running` status lets the retry
// resume and the action's idempotency keeps the change single. close() lets running jobs
// finish. A periodic sweep enqueues approved proposals whose job never got added (a replica
// dying between its approval and its enqueue); the add is a no-op when the job exists.
import { type Job, Worker } from 'bullmq';
import { recordAudit } from '../audit/record.js';
import type { AuditSink } from '../audit/types.js';
import type { Logger } from '../log.js';
import { createQueueRedis, isRedisConnectionError } from '../redis/connect.js';
import type { RemediationEvents } from './events.js';
import {
  bullPrefix,
  REMEDIATION_QUEUE,
  type RemediationJobData,
  type RemediationJobName,
  type RemediationQueue,
} from './queue.js';
import { type RunJobDeps, runRemediationJob } from './run-job.js';
import type { ProposalStore } from './store.js';
import { type RerunChecks, runVerificationJob } from './verify-job.js';

export interface RemediationWorkerOptions extends Omit<RunJobDeps, 'queue'> {
  redisUrl: string;
  prefix?: string | undefined;
  store: ProposalStore;
  audit: AuditSink;
  events: Pick<RemediationEvents, 'emit'>;
  queue: RemediationQueue;
  rerunChecks: RerunChecks;
  concurrency?: number | undefined;
  /** How long a dead worker's job stays claimed; default 30 s. */
  lockDurationMs?: number | undefined;
  /** How often this worker looks for stalled jobs; default 15 s. */
  stalledIntervalMs?: number | undefined;
  /** Sweep of approved-but-not-enqueued proposals; default 60 s. */
  sweepIntervalMs?: number | undefined;
}

export interface RemediationWorker {
  worker: Worker<RemediationJobData, unknown, RemediationJobName>;
  /** Stops taking jobs, waits for running ones, closes connections. */
  close(): Promise<void>;
}

export function startRemediationWorker(options: RemediationWorkerOptions): RemediationWorker {
  const { log, store, queue } = options;
  const now = options.now ?? (() => new Date());
  // Outages are reported by the connection's watcher, once a minute, not per reconnect.
  const connection = createQueueRedis(options.redisUrl, { log });

  const processor = async (job: Job<RemediationJobData, unknown, RemediationJobName>) => {
    const { proposalId } = job.data;
    switch (job.name) {
      case 'run':
        return runRemediationJob(options, {
          proposalId,
          attemptsMade: job.attemptsMade,
          maxAttempts: job.opts.attempts ?? 1,
          backoffMs: typeof job.opts.backoff === 'number' ? job.opts.backoff : (job.opts.backoff?.delay ?? 0),
        });
      case 'verify':
        return (await runVerificationJob(options, proposalId)) ?? null;
      case 'expire':
        return expire(options, proposalId, now);
    }
  };

  const worker = new Worker<RemediationJobData, unknown, RemediationJobName>(REMEDIATION_QUEUE, processor, {
    connection,
    prefix: bullPrefix(options.prefix ?? 'perfbot:'),
    concurrency: options.concurrency ?? 4,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 15_000,
    // A job may survive one crashed worker more than BullMQ's default before it is failed.
    maxStalledCount: 2,
  });
  worker.on('error', (err) => {
    if (!isRedisConnectionError(err)) log.error({ err }, 'remediation worker error');
  });
  worker.on('stalled', (jobId) =>
    log.warn({ jobId }, 'remediation job stalled: its worker died; recovering'),
  );
  worker.on('failed', (job, err) =>
    log.warn({ jobId: job?.id, name: job?.name, err }, 'remediation job failed'),
  );

  const sweep = async () => {
    try {
      for (const id of await store.approvedNotStarted()) await queue.enqueueRun(id);
    } catch (err) {
      if (!isRedisConnectionError(err)) log.warn({ err }, 'approved-proposal sweep failed');
    }
  };
  void sweep();
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 60_000);
  timer.unref();

  log.info({ queue: REMEDIATION_QUEUE, concurrency: options.concurrency ?? 4 }, 'remediation worker started');
  let closing: Promise<void> | undefined;
  return {
    worker,
    close: () => {
      closing ??= (async () => {
        clearInterval(timer);
        // With Redis away no running job can finish (nor can BullMQ's graceful close, which
        // would wait for ever): close without waiting for them.
        await worker.close(connection.status !== 'ready');
        connection.disconnect();
      })();
      return closing;
    },
  };
}

async function expire(
  deps: { store: ProposalStore; audit: AuditSink; events: Pick<RemediationEvents, 'emit'>; log: Logger },
  proposalId: string,
  now: () => Date,
): Promise<boolean> {
  if (!(await deps.store.expireIfDue(proposalId, now()))) return false;
  const proposal = await deps.store.require(proposalId);
  await recordAudit(
    deps.audit,
    { actor: 'system', event: 'proposal.expired', incident: proposal.incidentId, proposal: proposalId },
    deps.log,
  );
  await deps.events.emit({ type: 'proposal.expired', proposal });
  return true;
}
