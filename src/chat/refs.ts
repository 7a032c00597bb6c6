// Where chat messages live, remembered in Redis so any replica (or the worker's results feed)
// can edit them later: each proposal's message, the thread of a manual diagnosis, and the
// incidents that share one storm digest. Incident threads themselves are kept by the incident
// store (setThread), which decides which replica's thread wins.
import type { Redis } from 'ioredis';
import type { MessageRef } from './sink.js';

export interface ProposalMessageRef extends MessageRef {
  threadTs: string;
}

const TTL_S = 30 * 24 * 3600;
// A root post's record outlives any restart that could still find its post.
const ATTEMPT_TTL_S = 24 * 3600;

/** A root post as it was about to be sent: found again by its marker after a crash. */
export interface RootAttempt {
  channel: string;
  marker: string;
  sentAt: number;
  /** Incidents the post carried (a digest's count). */
  total: number;
}

const CLAIM_EXPIRED = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids`;

export class ChatRefs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'perfbot:',
  ) {}

  async setProposalMessage(proposalId: string, ref: ProposalMessageRef): Promise<void> {
    await this.redis.set(this.key(`proposal:${proposalId}`), JSON.stringify(ref), 'EX', TTL_S);
  }

  async proposalMessage(proposalId: string): Promise<ProposalMessageRef | undefined> {
    const raw = await this.redis.get(this.key(`proposal:${proposalId}`));
    return raw ? (JSON.parse(raw) as ProposalMessageRef) : undefined;
  }

  /** A message named by `name` (a diagnosis's progress message, a manual root), if posted. */
  async get(name: string): Promise<MessageRef | undefined> {
    const raw = await this.redis.get(this.key(`msg:${name}`));
    return raw ? (JSON.parse(raw) as MessageRef) : undefined;
  }

  /** Records `ref` under `name` unless one is there already; returns the one that was there. */
  async setIfAbsent(name: string, ref: MessageRef): Promise<MessageRef | undefined> {
    const key = this.key(`msg:${name}`);
    const ok = await this.redis.set(key, JSON.stringify(ref), 'EX', TTL_S, 'NX');
    if (ok === 'OK') return undefined;
    return this.get(name);
  }

  /** Incidents sharing one digest root, in the order they were listed. */
  async addDigestMembers(root: MessageRef, incidentIds: readonly string[]): Promise<void> {
    const key = this.key(`digest:${root.channel}:${root.ts}`);
    await this.redis
      .multi()
      .rpush(key, ...incidentIds)
      .expire(key, TTL_S)
      .exec();
  }

  async digestMembers(root: MessageRef): Promise<string[]> {
    return this.redis.lrange(this.key(`digest:${root.channel}:${root.ts}`), 0, -1);
  }

  /**
   * Incidents whose root message is owed: recorded before the `opened` event is acknowledged,
   * removed once the root is recorded. Each entry's score is a lease; a replica that dies with
   * roots in flight stops renewing them, and any replica's sweep takes them over.
   */
  async markRootsPending(ids: readonly string[], leaseUntilMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.zadd(this.key('roots-pending'), ...ids.flatMap((id) => [leaseUntilMs, id]));
  }

  /** Extends the leases of roots this replica is still working on (only those still owed). */
  async renewRootsPending(ids: readonly string[], leaseUntilMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.zadd(this.key('roots-pending'), 'XX', ...ids.flatMap((id) => [leaseUntilMs, id]));
  }

  async clearRootPending(id: string): Promise<void> {
    await this.redis.zrem(this.key('roots-pending'), id);
  }

  /** Takes over up to `limit` owed roots whose lease ran out (atomically: one taker each). */
  async claimExpiredRoots(nowMs: number, leaseUntilMs: number, limit = 200): Promise<string[]> {
    return (await this.redis.eval(
      CLAIM_EXPIRED,
      1,
      this.key('roots-pending'),
      String(nowMs),
      String(leaseUntilMs),
      String(limit),
    )) as string[];
  }

  /**
   * Records, before a root is posted, which post carries each incident; a replica that died
   * between Slack's answer and the thread's record leaves this behind, and whoever posts the
   * root again first searches the channel for that post (post-lookup.ts).
   */
  async recordRootAttempt(ids: readonly string[], attempt: RootAttempt): Promise<void> {
    if (ids.length === 0) return;
    const value = JSON.stringify(attempt);
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.set(this.key(`root-try:${id}`), value, 'EX', ATTEMPT_TTL_S);
    await pipe.exec();
  }

  /** The recorded root attempts of these incidents (those that have one). */
  async rootAttempts(ids: readonly string[]): Promise<Map<string, RootAttempt>> {
    const out = new Map<string, RootAttempt>();
    if (ids.length === 0) return out;
    const raw = await this.redis.mget(...ids.map((id) => this.key(`root-try:${id}`)));
    raw.forEach((v, i) => {
      if (v) out.set(ids[i] as string, JSON.parse(v) as RootAttempt);
    });
    return out;
  }

  /** Slack said the post was not made (a 429, a refusal): nothing to look for. */
  async forgetRootAttempts(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.del(...ids.map((id) => this.key(`root-try:${id}`)));
  }

  /** Marks a stream event done for this reader; false when another handler already did it. */
  async once(streamId: string, what: string): Promise<boolean> {
    const ok = await this.redis.set(this.key(`done:${what}:${streamId}`), '1', 'EX', 7 * 24 * 3600, 'NX');
    return ok === 'OK';
  }

  private key(rest: string): string {
    return `${this.prefix}chat:${rest}`;
  }
}
