// What the worker tells the chat layer: job progress, results and verification verdicts. Events
// go to in-process listeners (tests, a single-process CLI) and, when a Redis client is given,
// to the outbox stream `<prefix>remediation-events`, which the Slack layer reads through a
// consumer group (consumeRemediationEvents) — so a worker in another process, or on another
// replica, still gets its result posted exactly once per group.
import type { Redis } from 'ioredis';
import type { CheckStatus } from '../diagnostics/types.js';
import type { Logger } from '../log.js';
import type { Proposal } from './proposal.js';
import type { ActionResult } from './types.js';

export interface VerifiedCheck {
  checkId: string;
  title: string;
  status: CheckStatus;
  value?: number | undefined;
  summary: string;
}

export type RemediationEvent =
  | { type: 'proposal.expired'; proposal: Proposal }
  /** Its incident resolved before anyone approved it: show it retired, without buttons. */
  | { type: 'proposal.retired'; proposal: Proposal; reason: string }
  | { type: 'job.started'; proposal: Proposal; attempt: number }
  | { type: 'job.retried'; proposal: Proposal; attempt: number; error: string; retryInMs: number }
  | { type: 'job.succeeded'; proposal: Proposal; result: ActionResult; rollout: string | undefined }
  | { type: 'job.failed'; proposal: Proposal; error: string; code: string | undefined }
  | { type: 'job.dry-run'; proposal: Proposal; preview: string; reason: string }
  | { type: 'verification.scheduled'; proposal: Proposal; at: string; checks: string[] }
  | { type: 'verification.passed'; proposal: Proposal; checks: VerifiedCheck[]; summary: string }
  | {
      type: 'verification.failed';
      proposal: Proposal;
      checks: VerifiedCheck[];
      summary: string;
      /** Slack user IDs to mention: those who approved (or the policy's approvers). */
      mention: string[];
    };
export type RemediationEventType = RemediationEvent['type'];

export type RemediationEventListener = (event: RemediationEvent) => void;

export const remediationEventsKey = (prefix: string): string => `${prefix}remediation-events`;

/** The outbox is a notification channel, not the record (that is the audit trail): keep it bounded. */
const OUTBOX_MAXLEN = 10_000;

export interface RemediationEventsOptions {
  /** Without it, events stay in-process. */
  redis?: Redis | undefined;
  prefix?: string | undefined;
  log?: Logger | undefined;
}

export class RemediationEvents {
  private readonly listeners = new Set<RemediationEventListener>();
  private readonly redis: Redis | undefined;
  private readonly key: string;
  private readonly log: Logger | undefined;

  constructor(options: RemediationEventsOptions = {}) {
    this.redis = options.redis;
    this.key = remediationEventsKey(options.prefix ?? 'perfbot:');
    this.log = options.log;
  }

  /** Returns the unsubscribe function. */
  on(listener: RemediationEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Never throws: a lost notification must not fail the job whose result it reports. */
  async emit(event: RemediationEvent): Promise<void> {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log?.warn({ err, type: event.type }, 'remediation event listener failed');
      }
    }
    if (!this.redis) return;
    try {
      await this.redis.xadd(this.key, 'MAXLEN', '~', OUTBOX_MAXLEN, '*', 'event', JSON.stringify(event));
    } catch (err) {
      this.log?.error(
        { err, type: event.type, proposal: event.proposal.id },
        'remediation event not published',
      );
    }
  }
}

export function parseRemediationEvent(json: string): RemediationEvent {
  return JSON.parse(json) as RemediationEvent;
}
