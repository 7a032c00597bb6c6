// What the response layer tells every surface: a diagnosis started, advanced, finished or
// failed, and which proposals it produced. Events go to in-process listeners and to the outbox
// stream `<prefix>response-events`, which each renderer (Slack, terminal, a later web console)
// reads through its own consumer group — so adding a surface never touches the response layer.
// Events carry IDs, not content: a renderer reads the newest state from the diagnosis store at
// render time, so events of one diagnosis handled out of order by two replicas still show the
// right thing.
import type { Redis } from 'ioredis';
import type { CheckStatus } from '../diagnostics/types.js';
import type { Logger } from '../log.js';
import { consumeStream } from '../redis/stream-consumer.js';

/** Why a diagnosis ran: an incident opened, a person asked (`/perf diagnose`), a re-run. */
export type DiagnosisOrigin = 'incident' | 'manual' | 'rerun';

interface DiagnosisRef {
  diagnosisId: string;
  incidentId: string;
}

export type ResponseEvent =
  | (DiagnosisRef & {
      type: 'diagnosis.started';
      playbookId: string;
      namespace: string;
      requester: string;
      origin: DiagnosisOrigin;
      /** Where a manual diagnosis was asked for: its renderer opens the thread there. */
      channel?: string | undefined;
    })
  | (DiagnosisRef & {
      type: 'diagnosis.progress';
      checkId: string;
      status: CheckStatus;
      done: number;
      total: number;
    })
  | (DiagnosisRef & { type: 'diagnosis.done'; status: string; bottlenecks: string[] })
  | (DiagnosisRef & { type: 'diagnosis.failed'; error: string })
  | (DiagnosisRef & { type: 'proposal.created'; proposalId: string; existed: boolean })
  /** A remediation the tree chose but that was not proposed: already done (noop) or failed to plan. */
  | (DiagnosisRef & { type: 'proposal.skipped'; title: string; reason: string; noop: boolean });

export type ResponseEventType = ResponseEvent['type'];
export type ResponseEventListener = (event: ResponseEvent) => void;

export const responseEventsKey = (prefix: string): string => `${prefix}response-events`;

/** A notification channel, not the record (that is the audit trail): bounded. */
const OUTBOX_MAXLEN = 20_000;

export class ResponseEvents {
  private readonly listeners = new Set<ResponseEventListener>();
  private readonly key: string;

  constructor(private readonly options: { redis?: Redis | undefined; prefix: string; log: Logger }) {
    this.key = responseEventsKey(options.prefix);
  }

  /** In-process subscription (tests, the CLI); returns the unsubscribe function. */
  on(listener: ResponseEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Never throws: a lost notification must not fail the diagnosis it reports. */
  async emit(event: ResponseEvent): Promise<void> {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.log.warn({ err, type: event.type }, 'response event listener failed');
      }
    }
    if (!this.options.redis) return;
    try {
      await this.options.redis.xadd(
        this.key,
        'MAXLEN',
        '~',
        OUTBOX_MAXLEN,
        '*',
        'event',
        JSON.stringify(event),
      );
    } catch (err) {
      this.options.log.error(
        { err, type: event.type, incident: event.incidentId },
        'response event not published',
      );
    }
  }
}

export interface ConsumeResponseEventsOptions {
  redis: Redis;
  prefix: string;
  /** One group per surface ("chat", a web console…): each event reaches one member of each. */
  group: string;
  consumer: string;
  handler: (event: ResponseEvent & { streamId: string }) => Promise<void> | void;
  signal: AbortSignal;
  claimIdleMs?: number;
  log?: Logger;
}

export function consumeResponseEvents(options: ConsumeResponseEventsOptions): Promise<void> {
  return consumeStream({
    ...options,
    key: responseEventsKey(options.prefix),
    parse: (streamId, json) => ({ ...(JSON.parse(json) as ResponseEvent), streamId }),
    what: 'response-events',
  });
}
