// How many calls a channel may take: Slack allows about one message per second per channel,
// with short bursts, and answers more with 429 + Retry-After. The budget is a token bucket per
// channel. Replicas share it through Redis (one Lua script, Redis's own clock), so N replicas
// together stay within Slack's limit instead of sending N times it; a 429 seen by one replica
// holds the channel back for all of them. If Redis cannot be reached, each replica falls back
// to its own bucket (over-sending is then answered by 429s, which are waited out) rather than
// stopping Slack delivery.
import type { Redis } from 'ioredis';
import { luaScript, runLua } from '../../audit/lua.js';
import type { Logger } from '../../log.js';

export interface RateBudget {
  /**
   * Takes a token for one call to `channel` if one is free while keeping `reserve` tokens in
   * hand (edits leave one for new messages); resolves 0 when taken, else the ms to wait.
   */
  take(channel: string, reserve: number): number | Promise<number>;
  /** Slack answered 429: no replica sends to `channel` for `ms`. */
  pause(channel: string, ms: number): Promise<void>;
}

export interface BucketOptions {
  /** One call per this many ms in the long run (Slack: 1000). */
  intervalMs: number;
  /** Calls that may go at once after a quiet spell. */
  burst: number;
}

/** In-process buckets: one replica, tests, and the fallback when Redis is away. */
export class LocalRateBudget implements RateBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number; until: number }>();

  constructor(
    private readonly o: BucketOptions,
    private readonly now: () => number = Date.now,
  ) {}

  take(channel: string, reserve: number): number {
    return this.takeNow(channel, reserve);
  }

  pause(channel: string, ms: number): Promise<void> {
    const b = this.bucket(channel);
    // Retry-After says when one call may go again: a token is there when the pause ends.
    b.until = Math.max(b.until, this.now() + ms);
    b.tokens = 1;
    b.at = b.until;
    return Promise.resolve();
  }

  private takeNow(channel: string, reserve: number): number {
    const now = this.now();
    const b = this.bucket(channel);
    if (b.until > now) return b.until - now;
    if (now > b.at) {
      b.tokens = Math.min(this.o.burst, b.tokens + (now - b.at) / this.o.intervalMs);
      b.at = now;
    }
    if (b.tokens >= 1 + reserve) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 + reserve - b.tokens) * this.o.intervalMs);
  }

  private bucket(channel: string) {
    let b = this.buckets.get(channel);
    if (!b) {
      b = { tokens: this.o.burst, at: this.now(), until: 0 };
      this.buckets.set(channel, b);
    }
    return b;
  }
}

// KEYS[1]: the channel's bucket. ARGV: intervalMs, burst, reserve, pauseMs (> 0: a 429 pause).
// Returns 0 when a token was taken (or the pause recorded), else the ms to wait.
const BUCKET = luaScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local reserve = tonumber(ARGV[3])
local pauseMs = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'until')
local tokens = tonumber(v[1])
local at = tonumber(v[2])
local untilMs = tonumber(v[3]) or 0
if tokens == nil or at == nil then tokens = burst; at = now end
local ttl = math.ceil(interval * burst) + 60000
if pauseMs > 0 then
  untilMs = math.max(untilMs, now + pauseMs)
  redis.call('HSET', KEYS[1], 'tokens', '1', 'at', tostring(untilMs), 'until', tostring(untilMs))
  redis.call('PEXPIRE', KEYS[1], untilMs - now + ttl)
  return 0
end
if untilMs > now then return untilMs - now end
if now > at then
  tokens = math.min(burst, tokens + (now - at) / interval)
  at = now
end
local wait = 0
if tokens >= 1 + reserve then tokens = tokens - 1 else wait = math.ceil((1 + reserve - tokens) * interval) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at), 'until', tostring(untilMs))
redis.call('PEXPIRE', KEYS[1], ttl)
return wait
`);

export interface RedisRateBudgetOptions extends BucketOptions {
  redis: Redis;
  /** Key prefix ("perfbot:"); buckets live at <prefix>slack:rate:<channel>. */
  prefix: string;
  log: Logger;
}

export class RedisRateBudget implements RateBudget {
  private readonly local: LocalRateBudget;
  private redisDown = false;

  constructor(private readonly o: RedisRateBudgetOptions) {
    this.local = new LocalRateBudget(o);
  }

  async take(channel: string, reserve: number): Promise<number> {
    try {
      const wait = Number(await this.run(channel, reserve, 0));
      this.recovered();
      return wait;
    } catch (err) {
      this.failed(err);
      return this.local.take(channel, reserve);
    }
  }

  async pause(channel: string, ms: number): Promise<void> {
    await this.local.pause(channel, ms);
    try {
      await this.run(channel, 0, Math.max(1, Math.ceil(ms)));
      this.recovered();
    } catch (err) {
      this.failed(err);
    }
  }

  private run(channel: string, reserve: number, pauseMs: number): Promise<unknown> {
    const call = runLua(
      this.o.redis,
      BUCKET,
      [`${this.o.prefix}slack:rate:${channel}`],
      [this.o.intervalMs, this.o.burst, reserve, pauseMs],
    );
    // A Redis that hangs (stopped, partitioned) must not stall Slack delivery.
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('rate budget: Redis did not answer in 1 s')), 1000);
      timer.unref();
    });
    return Promise.race([call, limit]).finally(() => clearTimeout(timer));
  }

  private failed(err: unknown): void {
    if (this.redisDown) return;
    this.redisDown = true;
    this.o.log.warn({ err }, 'slack rate budget: Redis unavailable, this replica paces itself alone');
  }

  private recovered(): void {
    if (!this.redisDown) return;
    this.redisDown = false;
    this.o.log.info('slack rate budget: shared through Redis again');
  }
}
