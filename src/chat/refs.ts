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

  /** Marks a stream event done for this reader; false when another handler already did it. */
  async once(streamId: string, what: string): Promise<boolean> {
    const ok = await this.redis.set(this.key(`done:${what}:${streamId}`), '1', 'EX', 7 * 24 * 3600, 'NX');
    return ok === 'OK';
  }

  private key(rest: string): string {
    return `${this.prefix}chat:${rest}`;
  }
}
