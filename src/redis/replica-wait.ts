// How many replicas an intake write must reach before perfbot answers 202. Redis replicates
// asynchronously: a primary that dies right after acknowledging a write may take it along, and
// Sentinel then promotes a replica that never saw it. WAIT closes that gap — but WAIT for a
// replica that does not exist only burns its timeout, so perfbot waits for
// min(PERFBOT_REDIS_WAIT_REPLICAS, replicas connected now), and not at all on a lone Redis.
// The count of connected replicas comes from INFO replication, read on every (re)connection —
// after a failover the new primary starts without replicas — and every second.
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../log.js';

/** What the incident store needs to know per batch (store.ts). */
export interface ReplicaWaitPolicy {
  /** Replicas to WAIT for now; 0: answer without waiting. */
  readonly count: number;
  readonly timeoutMs: number;
  /** A WAIT came back short: the store reports it, the policy re-reads the replica count. */
  shortfall?(acked: number): void;
}

export interface ReplicaWaitOptions {
  redis: Redis;
  /** PERFBOT_REDIS_WAIT_REPLICAS (default 1). */
  replicas: number;
  /** PERFBOT_REDIS_WAIT_TIMEOUT (default 1 s): after it, 503. */
  timeoutMs: number;
  refreshMs?: number;
  log?: Logger;
}

/** Counts replicas in state=online in an INFO replication reply. */
export function onlineReplicas(info: string): number {
  let n = 0;
  for (const line of info.split('\n')) if (/^slave\d+:.*state=online/.test(line)) n++;
  return n;
}

export class ReplicaWait implements ReplicaWaitPolicy {
  readonly timeoutMs: number;
  private connected = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onReady = () => void this.refresh();
  private readonly log: Logger;

  constructor(private readonly options: ReplicaWaitOptions) {
    this.timeoutMs = options.timeoutMs;
    this.log = options.log ?? silentLogger;
  }

  get count(): number {
    return Math.min(this.options.replicas, this.connected);
  }

  /** Reads the replica count now, on every reconnection and every `refreshMs` (1 s). */
  start(): this {
    if (this.options.replicas <= 0 || this.timer) return this;
    this.options.redis.on('ready', this.onReady);
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 1000);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.options.redis.off('ready', this.onReady);
  }

  async refresh(): Promise<number> {
    if (this.options.redis.status !== 'ready') return this.connected;
    try {
      const info = await this.options.redis.info('replication');
      // A replica (say, the old primary rejoining) has no replicas of its own to wait for.
      const next = /^role:master/m.test(info) ? onlineReplicas(info) : 0;
      if (next !== this.connected) this.log.info({ replicas: next }, 'redis replicas connected');
      this.connected = next;
    } catch {
      // Keep the last count: while Redis does not answer, writes fail anyway (→ 503).
    }
    return this.connected;
  }

  shortfall(acked: number): void {
    this.log.warn(
      { acked, wanted: this.count, timeoutMs: this.timeoutMs },
      'redis replicas did not acknowledge in time',
    );
    void this.refresh();
  }
}

/**
 * Whether the replicas hold everything this connection wrote so far (one bounded WAIT, as the
 * policy says); undefined when there is no replica to wait for. For writes outside the intake
 * (the audit checkpoint that is logged as the outside anchor).
 */
export async function onReplicas(
  redis: Pick<Redis, 'wait'>,
  policy: ReplicaWaitPolicy | undefined,
): Promise<boolean | undefined> {
  const wanted = policy?.count ?? 0;
  if (!policy || wanted <= 0) return undefined;
  try {
    const acked = Number(await redis.wait(wanted, policy.timeoutMs));
    if (acked < wanted) policy.shortfall?.(acked);
    return acked >= wanted;
  } catch {
    return false;
  }
}
