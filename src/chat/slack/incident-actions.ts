// The buttons on an incident's root message: Acknowledge, Silence ▾ (1h/4h/24h), Expire silence,
// Re-run diagnosis, Resolve. A click is acknowledged at once (Slack waits 3 s at most), then
// turned into the equivalent /perf command run as the clicker — the same code path, the same
// access rule and the same audit of refusals as typing it — and the answer goes to the clicker
// only. The root message and the thread follow from the incident outbox, not from here.
//
// Payload shapes (Slack block_actions): the buttons carry the incident ID as `value`; the Silence
// choice is a static_select whose chosen option's value is the duration ("1h", "4h", "24h") and
// whose actions block has block_id "incident:<incident ID>" (a select has no value of its own).
import type { App } from '@slack/bolt';
import { rawDetail, recordAudit } from '../../audit/record.js';
import type { AuditInput } from '../../audit/types.js';
import { errorMessage } from '../../errors.js';
import { INCIDENT_ID } from '../../incidents/types.js';
import type { CommandReply, Invoker } from '../command.js';
import { INCIDENT_BLOCK_PREFIX, SILENCE_CHOICES } from '../incident-controls.js';
import { type ChatMessage, message, text } from '../message.js';
import { type ClickPlace, clickPlace, tellClicker } from './click.js';
import type { SlackInteractionDeps } from './interaction-deps.js';

/** Action ID → the /perf command it runs (`<id>` and `<duration>` filled in from the click). */
export const INCIDENT_ACTIONS: Record<
  'incident.ack' | 'incident.silence' | 'incident.unsilence' | 'incident.rerun' | 'incident.resolve',
  (id: string, duration: string) => string
> = {
  'incident.ack': (id) => `ack ${id}`,
  'incident.silence': (id, duration) => `silence ${id} ${duration}`,
  'incident.unsilence': (id) => `silence ${id} expire`,
  'incident.rerun': (id) => `diagnose ${id}`,
  'incident.resolve': (id) => `resolve ${id}`,
};

export type IncidentActionId = keyof typeof INCIDENT_ACTIONS;
export const INCIDENT_ACTION_IDS = Object.keys(INCIDENT_ACTIONS) as IncidentActionId[];

interface ClickedElement {
  action_id?: string;
  block_id?: string;
  value?: string;
  selected_option?: { value?: string } | null;
}

interface ClickBody extends ClickPlace {
  user: { id: string };
  team?: { id?: string } | null;
}

/** The /perf command text a click stands for, or why the click names nothing perfbot knows. */
export function commandFor(
  actionId: IncidentActionId,
  element: ClickedElement,
): { text: string; incidentId: string } | { error: string } {
  const fromBlock = element.block_id?.startsWith(INCIDENT_BLOCK_PREFIX)
    ? element.block_id.slice(INCIDENT_BLOCK_PREFIX.length)
    : undefined;
  const id = actionId === 'incident.silence' ? fromBlock : (element.value ?? fromBlock);
  // Only checked tokens reach the command line: an incident ID and one of the offered durations.
  if (!id || !INCIDENT_ID.test(id)) return { error: 'This button does not name an incident perfbot knows.' };
  if (actionId === 'incident.silence') {
    const duration = element.selected_option?.value ?? '';
    if (!(SILENCE_CHOICES as readonly string[]).includes(duration))
      return { error: `Choose a silence of ${SILENCE_CHOICES.join(', ')}.` };
    return { text: INCIDENT_ACTIONS[actionId](id, duration), incidentId: id };
  }
  return { text: INCIDENT_ACTIONS[actionId](id, ''), incidentId: id };
}

export function registerIncidentActions(app: App, deps: SlackInteractionDeps): void {
  for (const actionId of INCIDENT_ACTION_IDS) {
    app.action({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action }) => {
      await ack();
      await onClick(deps, actionId, body as unknown as ClickBody, action as ClickedElement);
    });
  }
}

async function onClick(
  deps: SlackInteractionDeps,
  actionId: IncidentActionId,
  body: ClickBody,
  element: ClickedElement,
): Promise<void> {
  const { channel, messageTs } = clickPlace(body);
  const userId = body.user.id;
  if (!channel) return;
  const tell = (msg: ChatMessage) => tellClicker(deps, channel, userId, msg);
  const command = commandFor(actionId, element);
  if ('error' in command) {
    // Refused before any command runs, but still a decision on a click: audited with what the
    // click carried, cut to 64 characters (it is whatever the sender put there).
    if (deps.audit)
      await recordAudit(deps.audit, malformedClick(actionId, userId, channel, element), deps.log);
    await tell(message(command.error, text(command.error, 'warn')));
    return;
  }
  const invoker: Invoker = {
    kind: 'slack',
    userId,
    channelId: channel,
    teamId: body.team?.id ?? undefined,
    threadTs: messageTs,
  };
  if (deps.audit)
    void recordAudit(
      deps.audit,
      {
        actor: userId,
        event: 'command.invoked',
        incident: command.incidentId,
        details: { command: actionId, text: command.text, channel },
      },
      deps.log,
    );
  let r: CommandReply;
  try {
    r = await deps.dispatch(command.text, deps.commandContext(invoker));
  } catch (err) {
    deps.log.error({ err, actionId }, 'incident button failed');
    const line = `That did not work: ${errorMessage(err)}. Try again.`;
    r = { message: message(line, text(line, 'error')), visibility: 'ephemeral', exitCode: 1 };
  }
  await tell(r.message);
}

/** The `command.refused` entry of a click that names no incident (or no offered duration). */
export function malformedClick(
  actionId: IncidentActionId,
  userId: string,
  channel: string,
  element: ClickedElement,
): AuditInput {
  const carried =
    actionId === 'incident.silence'
      ? {
          ...rawDetail('blockId', element.block_id),
          ...rawDetail('duration', element.selected_option?.value ?? undefined),
        }
      : rawDetail('value', element.value ?? element.block_id);
  return {
    actor: userId,
    event: 'command.refused',
    details: { command: actionId, channel, reason: 'malformed', malformed: true, ...carried },
  };
}
