// The BullMQ queue `remediations`. Three job names, each with a deterministic job ID so adding
// twice is a no-op (BullMQ ignores an add whose ID exists): `run` (ID = proposal ID), `verify`
// (`<id>-verify`, delayed) and `expire` (`<id>-expire`, delayed to the proposal's expiry).
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../redis/connect.js';

export const REMEDIATION_QUEUE = 'remediations';

export type RemediationJobName = 'run' | 'verify' | 'expire';
export interface RemediationJobData {
  proposalId: string;
}

/** BullMQ joins its prefix and the queue name with ':'; our prefixes end with one already. */
export function bullPrefix(prefix: string): string {
  return prefix.replace(/:+$/, '') || 'perfbot';
}

export interface RemediationQueueOptions {
  redisUrl: string;
  /** Key prefix, `perfbot:` by default. */
  prefix?: string;
  /** Tries of a run job for retryable errors. */
  attempts?: number;
  /** First retry delay; doubles each time (exponential backoff). */
  backoffMs?: number;
}

export class RemediationQueue {
  readonly queue: Queue<RemediationJobData, unknown, RemediationJobName>;
  private readonly connection: Redis;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(options: RemediationQueueOptions) {
    // Its own connection: BullMQ wants one that queues commands while reconnecting, unlike the
    // request client (no offline queue) the webhooks use.
    this.connection = createRedisClient(options.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(REMEDIATION_QUEUE, {
      connection: this.connection,
      prefix: bullPrefix(options.prefix ?? 'perfbot:'),
    });
    // Connection errors while Redis is away (a failover): the calls that need Redis fail on
    // their own and their callers retry; without a listener BullMQ prints each to the console.
    this.queue.on('error', () => {});
    this.attempts = options.attempts ?? 5;
    this.backoffMs = options.backoffMs ?? 10_000;
  }

  get maxAttempts(): number {
    return this.attempts;
  }
  get firstBackoffMs(): number {
    return this.backoffMs;
  }

  /** Idempotent: the job ID is the proposal ID. */
  async enqueueRun(proposalId: string): Promise<void> {
    await this.queue.add(
      'run',
      { proposalId },
      {
        jobId: proposalId,
        attempts: this.attempts,
        backoff: { type: 'exponential', delay: this.backoffMs },
        // Kept, so a late duplicate add still finds the ID taken; the proposal's status guards
        // the rest (a run job for a finished proposal does nothing).
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }

  async scheduleVerification(proposalId: string, delayMs: number): Promise<void> {
    await this.queue.add(
      'verify',
      { proposalId },
      {
        jobId: `${proposalId}-verify`,
        delay: Math.max(0, delayMs),
        attempts: 3,
        backoff: { type: 'exponential', delay: 30_000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }

  async scheduleExpiry(proposalId: string, delayMs: number): Promise<void> {
    await this.queue.add(
      'expire',
      { proposalId },
      {
        jobId: `${proposalId}-expire`,
        delay: Math.max(0, delayMs),
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
