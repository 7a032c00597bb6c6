// The audit trail: an append-only Redis Stream `<prefix>audit` whose entries form a hash chain,
// plus a head pointer `<prefix>audit:head` {hash, id, count} and, once retention has trimmed the
// oldest entries, a base pointer `<prefix>audit:base` (trim.ts). Each entry stores the previous
// entry's hash and its own: sha256(prevHash + canonicalJson(record)). With PERFBOT_AUDIT_KEY the
// trail also signs checkpoints every `checkpointEvery` entries and every minute (signed.ts),
// each logged at info ("audit checkpoint") as the outside anchor. How an append stays one chain
// across replicas is in append.ts; what verification catches, in verify.ts.
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../log.js';
import { logJobFailure } from '../redis/health.js';
import { onReplicas, type ReplicaWaitPolicy } from '../redis/replica-wait.js';
import { ChainAppender } from './append.js';
import { canonicalJson } from './canonical-json.js';
import type { AuditKey } from './key.js';
import { type RawEntry, readBase, readHead, scanStream, scanStreamBackwards } from './read.js';
import { checkpointRecord } from './signed.js';
import type { AuditEntry, AuditInput, AuditRecord, AuditSink, VerifyResult } from './types.js';
import { verifyEntries } from './verify.js';

export { parseEntry } from './read.js';

export interface AuditTrailOptions {
  redis: Redis;
  /** Key prefix, `perfbot:` by default; tests pass a unique one. */
  prefix?: string | undefined;
  log?: Logger | undefined;
  now?: (() => Date) | undefined;
  /** PERFBOT_AUDIT_KEY (key.ts): signs checkpoints and verifies them. */
  key?: AuditKey | undefined;
  /** Sign a checkpoint after this many appends by this process (default 100). */
  checkpointEvery?: number | undefined;
  /** Counts appends that failed (perfbot_audit_append_failures_total), whoever the caller. */
  failures?: { inc(): void } | undefined;
  /**
   * Replicas a checkpoint must reach before it is logged (the intake's PERFBOT_REDIS_WAIT_*
   * policy): a logged anchor that a failover loses would make an intact trail look cut back.
   */
  replicaWait?: ReplicaWaitPolicy | undefined;
}

export interface TrailFilter {
  incident?: string | undefined;
  proposal?: string | undefined;
  /** Only the last N matching entries. */
  limit?: number | undefined;
}

export class AuditTrail implements AuditSink {
  readonly streamKey: string;
  readonly headKey: string;
  readonly baseKey: string;
  readonly prefix: string;
  readonly key: AuditKey | undefined;
  readonly redis: Redis;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly appender: ChainAppender;
  private readonly checkpointEvery: number;
  private readonly failures: { inc(): void } | undefined;
  private readonly replicaWait: ReplicaWaitPolicy | undefined;
  private sinceCheckpoint = 0;
  private checkpointed = false;
  private checkpointing: Promise<AuditEntry | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: AuditTrailOptions) {
    this.prefix = options.prefix ?? 'perfbot:';
    this.streamKey = `${this.prefix}audit`;
    this.headKey = `${this.prefix}audit:head`;
    this.baseKey = `${this.prefix}audit:base`;
    this.redis = options.redis;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    this.key = options.key;
    this.checkpointEvery = options.checkpointEvery ?? 100;
    this.failures = options.failures;
    this.replicaWait = options.replicaWait;
    this.appender = new ChainAppender(this.redis, this.streamKey, this.headKey);
  }

  /** Whether this trail signs (a key that can sign was given). */
  get signing(): boolean {
    return this.key?.canSign === true;
  }

  async append(input: AuditInput): Promise<AuditEntry> {
    // Serialised once: the appender hashes and stores this text. The entry we return carries
    // it parsed back, i.e. what verifyTrail will read (undefined dropped, NaN → null, Dates →
    // strings).
    const detailsJson = canonicalJson(input.details ?? {});
    const details = JSON.parse(detailsJson) as AuditRecord['details'];
    const record: AuditRecord = {
      time: this.now().toISOString(),
      actor: input.actor,
      event: input.event,
      ...(input.incident ? { incident: input.incident } : {}),
      ...(input.proposal ? { proposal: input.proposal } : {}),
      details,
    };
    let appended: Awaited<ReturnType<ChainAppender['append']>>;
    try {
      appended = await this.appender.append({ record, detailsJson });
    } catch (err) {
      this.failures?.inc();
      throw err;
    }
    const { record: _, ...link } = appended;
    const entry: AuditEntry = { ...record, ...link };
    // The trail itself is the record (perfbot audit); a log line per entry is for debugging.
    this.log.debug({ audit: entry }, 'audit entry');
    if (this.signing && ++this.sinceCheckpoint >= this.checkpointEvery && !this.checkpointing) {
      void this.checkpoint().catch((err: unknown) => this.log.warn({ err }, 'audit checkpoint failed'));
    }
    return entry;
  }

  /**
   * Signs the chain's current head as a checkpoint entry and logs it ("audit checkpoint", with
   * `checkpoint.sig` for --since-checkpoint). undefined without a signing key.
   */
  checkpoint(): Promise<AuditEntry | undefined> {
    const key = this.key;
    if (!key?.canSign) return Promise.resolve(undefined);
    this.checkpointing ??= (async () => {
      this.sinceCheckpoint = 0;
      try {
        const { record, ...link } = await this.appender.append((head) =>
          checkpointRecord(key, head, this.now().toISOString(), 'system'),
        );
        const entry: AuditEntry = { ...record, ...link };
        this.checkpointed = true;
        const d = entry.details as { head: string; sig: string };
        // Logged either way, marked: `replicated: false` is an anchor a failover may lose.
        const replicated = await onReplicas(this.redis, this.replicaWait);
        this.log.info(
          {
            audit: entry,
            checkpoint: {
              id: entry.id,
              time: entry.time,
              head: d.head,
              sig: d.sig,
              key: key.id,
              ...(replicated === undefined ? {} : { replicated }),
            },
          },
          'audit checkpoint',
        );
        return entry;
      } finally {
        this.checkpointing = undefined;
      }
    })();
    return this.checkpointing;
  }

  /** Signs a checkpoint now and every `intervalMs` (default a minute) while entries were added. */
  startCheckpoints(intervalMs = 60_000): void {
    if (!this.signing || this.timer) return;
    const tick = () => {
      if (this.sinceCheckpoint > 0 || !this.checkpointed) {
        void this.checkpoint().catch((err: unknown) =>
          logJobFailure(this.log, 'warn', err, 'audit checkpoint failed'),
        );
      }
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and signs what this process appended since the last checkpoint. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checkpointing?.catch(() => undefined);
    if (this.signing && this.sinceCheckpoint > 0) {
      await this.checkpoint().catch((err: unknown) =>
        this.log.warn({ err }, 'final audit checkpoint failed'),
      );
    }
  }

  /** Entries in order, optionally only those of one incident or proposal, optionally the last N. */
  async readTrail(filter: TrailFilter = {}): Promise<AuditEntry[]> {
    const matches = (e: AuditEntry) =>
      (filter.incident === undefined || e.incident === filter.incident) &&
      (filter.proposal === undefined || e.proposal === filter.proposal);
    const out: AuditEntry[] = [];
    if (filter.limit === undefined) {
      for await (const e of scanStream(this.redis, this.streamKey)) if (matches(e)) out.push(e);
      return out;
    }
    // Newest first until we have enough, so "the last 20" does not read the whole trail.
    for await (const e of scanStreamBackwards(this.redis, this.streamKey)) {
      if (out.length >= filter.limit) break;
      if (matches(e)) out.push(e);
    }
    return out.reverse();
  }

  /**
   * Walks the whole chain (from the base pointer when retention trimmed the start); returns the
   * first bad entry and why, or the entry count and what the key vouched for.
   */
  async verifyTrail(options: { sinceCheckpoint?: string | undefined } = {}): Promise<VerifyResult> {
    const [head, base] = await Promise.all([
      readHead(this.redis, this.headKey),
      readBase(this.redis, this.baseKey),
    ]);
    // Up to the head as read, so appends while we walk are not mistaken for damage.
    const result = await verifyEntries(scanStream(this.redis, this.streamKey, '-', head.id ?? '+'), head, {
      base,
      key: this.key,
      sinceCheckpoint: options.sinceCheckpoint,
    });
    if (!result.ok || head.id === undefined) return result;
    const [after] = (await this.redis.xrange(this.streamKey, `(${head.id}`, '+', 'COUNT', 1)) as RawEntry[];
    if (after && (await readHead(this.redis, this.headKey)).id === head.id) {
      return {
        ok: false,
        count: result.count,
        problem: {
          id: after[0],
          time: undefined,
          reason:
            'it follows the entry the head pointer names, so perfbot did not append it: it was added by hand',
        },
      };
    }
    return result;
  }
}
