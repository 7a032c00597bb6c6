// What people did to an incident, told in its thread (the root is re-rendered as well): who
// acknowledged it, who silenced it until when and on which matchers, that a silence ended (ran
// out, expired or deleted in Alertmanager, expired through perfbot), who asked for a re-run of
// the diagnosis, and which proposals were retired with it. The terminal prints one line each.
// Posts are drawn once per stream event, whichever replica read it.
import type { IncidentEvent } from '../incidents/events.js';
import { describeMatchers } from '../incidents/silence-matchers.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { RemediationEvent } from '../remediation/events.js';
import type { ResponseEvent } from '../response/events.js';
import { by } from './incident-controls.js';
import {
  type ChatMessage,
  fields,
  type Part,
  plainText,
  rich,
  type Text,
  TONE_MARK,
  type Tone,
  text,
} from './message.js';
import type { ChatRefs } from './refs.js';
import type { ChatSink } from './sink.js';

/** The thread reply an incident event gets, if it is a person's (or a silence's) doing. */
export function lifecycleReply(event: IncidentEvent): ChatMessage | undefined {
  switch (event.type) {
    case 'acknowledged': {
      const from = event.previous ? rich` (taken over from ${by(event.previous)})` : '';
      return line(rich`${by(event.by)} acknowledged this incident and owns it now${from}.`, 'ok');
    }
    case 'silenced': {
      const head = rich`Silenced by ${by(event.by)} until ${event.endsAt}.`;
      const matchers = describeMatchers(event.matchers.map((m) => ({ ...m, isEqual: true })));
      const parts: Part[] = [
        text(head, 'skipped'),
        fields({
          Matchers: matchers,
          Alertmanagers: event.silences.map((s) => `${s.url} (silence ${s.id})`).join(', '),
          Comment: event.comment,
        }),
      ];
      return {
        summary: head,
        parts,
        terminal: {
          show: 'line',
          line: `${TONE_MARK.skipped} ${plainText(head)} Matchers: ${matchers}`,
        },
      };
    }
    case 'silence-ended': {
      const which = `Silence ${event.silence.id} on ${event.silence.url}`;
      if (event.reason === 'expired-by')
        return line(rich`${which} was expired by ${by(event.by ?? 'someone')}: alerts notify again.`, 'info');
      if (event.reason === 'deleted')
        return line(`${which} was expired or deleted in Alertmanager: alerts notify again.`, 'info');
      return line(`${which} has run out: alerts notify again.`, 'info');
    }
    default:
      return undefined;
  }
}

/** A re-run of an incident's diagnosis: who asked (the report follows in the thread). */
export function rerunReply(requester: string): ChatMessage {
  return line(rich`Diagnosis re-run requested by ${by(requester)}.`, 'progress');
}

export function retiredReply(title: string, reason: string): ChatMessage {
  return line(`Retired: ${title} — ${reason}; it can no longer be approved.`, 'skipped');
}

function line(body: Text, tone: Tone): ChatMessage {
  return {
    summary: body,
    parts: [text(body, tone)],
    terminal: { show: 'line', line: `${TONE_MARK[tone]} ${plainText(body)}` },
  };
}

export interface LifecycleRepliesDeps {
  sink: ChatSink;
  refs: ChatRefs;
  incidents: Pick<IncidentStore, 'get'>;
  log: Logger;
}

/**
 * The replies that come from the other outboxes: a re-run's `diagnosis.started` (response
 * events) and a `proposal.retired` (remediation events). Only enqueues the post, so the
 * diagnosis feed's own messages for the same event come after it.
 */
export class LifecycleReplies {
  constructor(private readonly deps: LifecycleRepliesDeps) {}

  async response(event: ResponseEvent & { streamId?: string }): Promise<void> {
    if (event.type !== 'diagnosis.started' || event.origin !== 'rerun') return;
    if (event.streamId && !(await this.deps.refs.once(event.streamId, 'rerun'))) return;
    const thread = (await this.deps.incidents.get(event.incidentId))?.thread;
    if (!thread) return;
    this.post(thread.channel, thread.ts, rerunReply(event.requester), event.incidentId);
  }

  async remediation(event: RemediationEvent & { streamId?: string }): Promise<void> {
    if (event.type !== 'proposal.retired') return;
    const ref = await this.deps.refs.proposalMessage(event.proposal.id);
    if (!ref) return;
    if (event.streamId && !(await this.deps.refs.once(event.streamId, 'retired'))) return;
    this.post(ref.channel, ref.threadTs, retiredReply(event.proposal.title, event.reason), event.proposal.id);
  }

  private post(channel: string, threadTs: string, msg: ChatMessage, about: string): void {
    void this.deps.sink
      .post(channel, threadTs, () => msg)
      .catch((err: unknown) => this.deps.log.error({ err, about }, 'lifecycle reply not written'));
  }
}
