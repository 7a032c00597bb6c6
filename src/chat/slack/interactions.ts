// Bolt listeners: the /perf slash command and the Approve / Deny buttons. Both acknowledge
// first (Slack waits 3 s at most) and do the slow part after: a command whose reply is not
// ready in time is answered "working on it" and its reply follows ephemerally; a click is
// acknowledged at once and then decided, the refusal told only to the clicker.
import type { App } from '@slack/bolt';
import { recordAudit } from '../../audit/record.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { DecideInput, DecideOutcome, Decision } from '../../remediation/decide.js';
import type { CommandReply, Invoker } from '../command.js';
import { message, text } from '../message.js';
import { proposalMessage } from '../proposal-message.js';
import { renderSlack } from './blocks.js';
import { clickPlace, tellClicker } from './click.js';
import { registerIncidentActions } from './incident-actions.js';
import type { SlackInteractionDeps } from './interaction-deps.js';
import { registerRevertAction } from './revert-action.js';

export type { SlackInteractionDeps } from './interaction-deps.js';

export const ACTION_IDS = { approve: 'remediation.approve', deny: 'remediation.deny' } as const;

/**
 * Every action ID of the public contract (DESIGN.md). A click on anything else — a button from
 * another app version, a hand-made payload — is acknowledged at once and told to the clicker,
 * instead of waiting out Slack's 3 s for a listener that does not exist.
 */
export const KNOWN_ACTION_IDS: ReadonlySet<string> = new Set([
  ACTION_IDS.approve,
  ACTION_IDS.deny,
  'remediation.revert',
  'incident.ack',
  'incident.silence',
  'incident.rerun',
  'incident.resolve',
  'incident.unsilence',
]);

/** Modal callback IDs perfbot handles (none yet): any other view submission is simply closed. */
export const KNOWN_VIEW_CALLBACKS: ReadonlySet<string> = new Set<string>();

export function registerSlackHandlers(app: App, deps: SlackInteractionDeps): void {
  registerEdgeHandlers(app, deps);
  registerIncidentActions(app, deps);
  registerRevertAction(app, deps);
  app.command('/perf', async ({ command, ack }) => {
    const invoker: Invoker = {
      kind: 'slack',
      userId: command.user_id,
      channelId: command.channel_id,
      teamId: command.team_id,
    };
    if (deps.audit)
      void recordAudit(
        deps.audit,
        {
          actor: command.user_id,
          event: 'command.invoked',
          details: { command: '/perf', text: command.text.slice(0, 200), channel: command.channel_id },
        },
        deps.log,
      );
    const work = deps
      .dispatch(command.text, deps.commandContext(invoker))
      .catch((err: unknown) => failure(err, deps.log));
    const inTime = await Promise.race([work, sleep(deps.inlineReplyMs ?? 2000)]);
    if (inTime) {
      await ack(slackResponse(inTime));
      return;
    }
    await ack({ response_type: 'ephemeral', text: 'Working on it…' });
    const late = await work;
    await deps.sink.ephemeral(command.channel_id, command.user_id, late.message);
  });

  for (const [decision, actionId] of Object.entries(ACTION_IDS) as [Decision, string][]) {
    app.action({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action }) => {
      await ack();
      const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const { channel, messageTs } = clickPlace(body);
      const userId = body.user.id;
      if (!channel) return;
      // A malformed value still goes to decide, which refuses and audits it.
      if (!deps.decide) {
        await deps.sink.ephemeral(
          channel,
          userId,
          message(
            'Not a remediation',
            text('This button does not belong to a remediation perfbot knows.', 'warn'),
          ),
        );
        return;
      }
      await onDecision(deps, { proposalId: value, userId, decision }, channel, messageTs);
    });
  }
}

async function onDecision(
  deps: SlackInteractionDeps,
  input: DecideInput,
  channel: string,
  messageTs: string | undefined,
): Promise<void> {
  let outcome: DecideOutcome;
  try {
    outcome = await (deps.decide as NonNullable<SlackInteractionDeps['decide']>)(input);
  } catch (err) {
    deps.log.error({ err, proposal: input.proposalId }, 'decision failed');
    await deps.sink.ephemeral(
      channel,
      input.userId,
      message('Decision failed', text(`Nothing was decided: ${errorMessage(err)}. Try again.`, 'error')),
    );
    return;
  }
  await deps.sink.ephemeral(
    channel,
    input.userId,
    message(outcome.text, text(outcome.text, outcome.ok ? 'ok' : 'warn')),
  );
  const proposal = outcome.proposal;
  if (!proposal) return;
  // A refusal may still mean the message is stale (expired, decided elsewhere): refresh it.
  const stored = await deps.refs.proposalMessage(proposal.id);
  const ref = stored ?? (messageTs ? { channel, ts: messageTs } : undefined);
  if (ref) await deps.sink.update(ref, () => proposalMessage(proposal, deps.now()));
}

/**
 * Answers what no listener would: clicks on unknown action IDs (acknowledged, the clicker told)
 * and view submissions/closings of modals perfbot does not own (acknowledged, which closes them).
 */
export function registerEdgeHandlers(
  app: App,
  deps: Pick<SlackInteractionDeps, 'sink' | 'log'>,
  known: { actions?: ReadonlySet<string>; views?: ReadonlySet<string> } = {},
): void {
  const actions = known.actions ?? KNOWN_ACTION_IDS;
  const views = known.views ?? KNOWN_VIEW_CALLBACKS;
  app.use(async (args) => {
    const body = args.body as {
      type?: string;
      actions?: { action_id?: string }[];
      view?: { callback_id?: string };
      user?: { id?: string };
      channel?: { id?: string };
      container?: { channel_id?: string };
    };
    const ack = (args as { ack?: (r?: unknown) => Promise<void> }).ack;
    if (body.type === 'block_actions' && ack) {
      const ids = (body.actions ?? []).map((a) => String(a.action_id));
      if (ids.some((id) => actions.has(id))) return args.next();
      await ack();
      deps.log.info({ actionIds: ids, user: body.user?.id }, 'slack: click on an unknown action answered');
      const { channel } = clickPlace(body);
      if (channel && body.user?.id) {
        await tellClicker(
          deps,
          channel,
          body.user.id,
          message(
            'Not a perfbot button',
            text(
              'perfbot does not know this button (it may come from another version); nothing was done.',
              'warn',
            ),
          ),
        );
      }
      return;
    }
    if ((body.type === 'view_submission' || body.type === 'view_closed') && ack) {
      if (views.has(String(body.view?.callback_id))) return args.next();
      await ack();
      deps.log.info({ callbackId: body.view?.callback_id, type: body.type }, 'slack: unknown view answered');
      return;
    }
    return args.next();
  });
}

function slackResponse(r: CommandReply): Record<string, unknown> {
  const rendered = renderSlack(r.message);
  return { response_type: r.visibility, text: rendered.text, blocks: rendered.blocks };
}

function failure(err: unknown, log: Logger): CommandReply {
  log.error({ err }, '/perf command failed');
  return {
    message: message('Command failed', text(`That did not work: ${errorMessage(err)}`, 'error')),
    visibility: 'ephemeral',
    exitCode: 1,
  };
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
