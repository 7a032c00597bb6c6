// Guardrails, the Redis part. `<prefix>last-change:<target>` remembers which proposal last
// changed a target and when (the cooldown); `<prefix>incident-changes:<incident>` is the set of
// proposals whose run started in an incident (the per-incident limit; reverts are not counted).
// Proposals are judged against this when they are made (a `blocked` proposal); the worker
// checks again and reserves in one Lua script when a run starts, so two approved proposals
// racing each other cannot both slip past a limit.
import type { Redis } from 'ioredis';
import { luaScript, runLua } from '../audit/lua.js';

/** Long enough for any cooldown a playbook may set (the schema caps nothing; a week is plenty). */
const STATE_TTL_MS = 7 * 24 * 3600_000;

/**
 * KEYS: incident-changes set, then one last-change hash per target.
 * ARGV: proposalId, nowMs, cooldownMs, maxChanges, checkCooldown, checkMax, countChange, ttlMs.
 * A proposal already reserved (a retried job) passes. Returns {'ok'} or
 * {'max-changes', count} or {'cooldown', target index, proposal, atMs}.
 */
const RESERVE = luaScript(`
local id, now, cooldown, max = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local mine = redis.call('SISMEMBER', KEYS[1], id) == 1
if not mine then
  if ARGV[6] == '1' then
    local n = redis.call('SCARD', KEYS[1])
    if n >= max then return {'max-changes', tostring(n)} end
  end
  if ARGV[5] == '1' then
    for i = 2, #KEYS do
      local last = redis.call('HMGET', KEYS[i], 'proposal', 'atMs')
      if last[1] and last[1] ~= id and now - tonumber(last[2]) < cooldown then
        return {'cooldown', tostring(i - 1), last[1], last[2]}
      end
    end
  end
end
if ARGV[7] == '1' then
  redis.call('SADD', KEYS[1], id)
  redis.call('PEXPIRE', KEYS[1], ARGV[8])
end
for i = 2, #KEYS do
  if redis.call('HGET', KEYS[i], 'proposal') ~= id then
    redis.call('HSET', KEYS[i], 'proposal', id, 'atMs', ARGV[2])
  end
  redis.call('PEXPIRE', KEYS[i], ARGV[8])
end
return {'ok'}
`);

export interface LastChange {
  target: string;
  proposal: string;
  atMs: number;
}

export interface ReserveInput {
  proposalId: string;
  incidentId: string;
  targets: readonly string[];
  nowMs: number;
  cooldownMs: number;
  maxChanges: number;
  /** false for reverts and for a cooldown the approvers overrode. */
  checkCooldown: boolean;
  /** false for reverts: the way back is never blocked, and is not counted. */
  checkMax: boolean;
}

export type ReserveResult =
  | { ok: true }
  | { ok: false; guardrail: 'max-changes'; changes: number }
  | { ok: false; guardrail: 'cooldown'; target: string; proposal: string; atMs: number };

export class GuardrailState {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: { redis: Redis; prefix?: string | undefined }) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'perfbot:';
  }

  private lastKey(target: string) {
    return `${this.prefix}last-change:${target}`;
  }
  private changesKey(incidentId: string) {
    return `${this.prefix}incident-changes:${incidentId}`;
  }

  /** The last change of each target that has one. */
  async lastChanges(targets: readonly string[]): Promise<LastChange[]> {
    if (targets.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const t of targets) pipeline.hmget(this.lastKey(t), 'proposal', 'atMs');
    const replies = ((await pipeline.exec()) ?? []) as [Error | null, (string | null)[]][];
    return replies.flatMap(([, v], i) =>
      v?.[0] && v[1] ? [{ target: targets[i] as string, proposal: v[0], atMs: Number(v[1]) }] : [],
    );
  }

  /** Proposals whose run started in the incident (reverts excepted), sorted. */
  async changesIn(incidentId: string): Promise<string[]> {
    return (await this.redis.smembers(this.changesKey(incidentId))).sort();
  }

  async reserve(input: ReserveInput): Promise<ReserveResult> {
    const keys = [this.changesKey(input.incidentId), ...input.targets.map((t) => this.lastKey(t))];
    const reply = (await runLua(this.redis, RESERVE, keys, [
      input.proposalId,
      input.nowMs,
      input.cooldownMs,
      input.maxChanges,
      input.checkCooldown ? '1' : '0',
      input.checkMax ? '1' : '0',
      input.checkMax ? '1' : '0',
      STATE_TTL_MS,
    ])) as string[];
    if (reply[0] === 'max-changes') return { ok: false, guardrail: 'max-changes', changes: Number(reply[1]) };
    if (reply[0] === 'cooldown') {
      return {
        ok: false,
        guardrail: 'cooldown',
        target: input.targets[Number(reply[1]) - 1] as string,
        proposal: reply[2] as string,
        atMs: Number(reply[3]),
      };
    }
    return { ok: true };
  }
}
