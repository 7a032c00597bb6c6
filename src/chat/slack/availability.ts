// Whether Slack can be written to at all. perfbot starts whatever Slack says: a failed auth.test
// (bad token, 5xx, timeout, unreachable URL) is logged once, clearly, the channel queues are
// held — webhooks, incidents and diagnoses carry on, and what would be posted waits (roots
// coalescing into digests, edits into the newest) — and auth.test is asked again, after 2 s,
// then twice as long each time up to every `recheckMs`, until Slack answers; then the queues
// are released. A write refused later for an auth reason (token revoked) holds them the same way.
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';

export interface SlackIdentity {
  botId: string;
  botUserId: string;
  url: string | undefined;
  team: string | undefined;
}

export interface SlackAvailabilityOptions {
  /** auth.test, one attempt, bounded in time. */
  check: () => Promise<{ bot_id?: string; user_id?: string; url?: string; team?: string }>;
  log: Logger;
  /** Slack is asked again after `firstRecheckMs` (default 2 s), doubling up to this (default 30 s); ±10% jitter. */
  recheckMs?: number;
  firstRecheckMs?: number;
  /** Slack can be written to again (or for the first time). */
  onUp: (identity: SlackIdentity) => void;
  /** Slack cannot be written to: hold every write. */
  onDown: () => void;
  random?: () => number;
}

/** Until auth.test has answered, Bolt gets these (it then never calls auth.test itself). */
export const UNKNOWN_IDENTITY: SlackIdentity = {
  botId: 'B0UNKNOWN',
  botUserId: 'U0UNKNOWN',
  url: undefined,
  team: undefined,
};

export class SlackAvailability {
  state: 'unknown' | 'up' | 'down' = 'unknown';
  identity: SlackIdentity = UNKNOWN_IDENTITY;
  private timer: NodeJS.Timeout | undefined;
  private downSince = 0;
  private failedChecks = 0;
  private stopped = false;
  private readonly recheckMs: number;
  private readonly firstRecheckMs: number;

  constructor(private readonly o: SlackAvailabilityOptions) {
    this.recheckMs = o.recheckMs ?? 30_000;
    this.firstRecheckMs = Math.min(o.firstRecheckMs ?? 2000, this.recheckMs);
  }

  /** The start-up check. Never throws: on failure Slack is marked down and re-checked. */
  async first(): Promise<SlackIdentity> {
    try {
      this.up(await this.o.check());
    } catch (err) {
      this.down(`auth.test failed: ${reasonOf(err)}`, err, 'at start-up');
    }
    return this.identity;
  }

  /** A write was refused for an auth reason (the queue says so). */
  markDown(reason: string): void {
    this.down(reason, undefined, 'while running');
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private up(res: { bot_id?: string; user_id?: string; url?: string; team?: string }): void {
    const wasDown = this.state === 'down';
    this.identity = {
      botId: res.bot_id ?? UNKNOWN_IDENTITY.botId,
      botUserId: res.user_id ?? UNKNOWN_IDENTITY.botUserId,
      url: res.url,
      team: res.team,
    };
    this.state = 'up';
    if (wasDown) {
      this.o.log.info(
        { team: res.team, downForMs: Date.now() - this.downSince, failedChecks: this.failedChecks },
        'slack: reachable again; sending what waited',
      );
    } else {
      this.o.log.info({ team: res.team, botUserId: res.user_id }, 'slack: connected');
    }
    this.failedChecks = 0;
    this.o.onUp(this.identity);
  }

  private down(reason: string, err: unknown, when: string): void {
    if (this.state === 'down') return;
    this.state = 'down';
    this.downSince = Date.now();
    this.o.onDown();
    // The one clear line; re-check failures after it are debug.
    this.o.log.error(
      { reason, err, recheckEverySeconds: Math.round(this.recheckMs / 1000) },
      `slack: unavailable ${when} (${reason}); webhooks, incidents and diagnoses continue, Slack messages wait and are sent once Slack answers — check SLACK_BOT_TOKEN and SLACK_API_URL`,
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const jitter = 0.9 + 0.2 * (this.o.random ?? Math.random)();
    const delay = Math.min(this.recheckMs, this.firstRecheckMs * 2 ** this.failedChecks);
    this.timer = setTimeout(() => void this.recheck(), Math.round(delay * jitter));
    this.timer.unref();
  }

  private async recheck(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    try {
      this.up(await this.o.check());
    } catch (err) {
      this.failedChecks++;
      this.o.log.debug(
        { reason: reasonOf(err), failedChecks: this.failedChecks },
        'slack: still unavailable',
      );
      this.schedule();
    }
  }
}

function reasonOf(err: unknown): string {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  if (data && typeof data.error === 'string') return data.error;
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') return `HTTP ${status}`;
  return errorMessage(err);
}
