// The Revert button under a fix that ran (action_id `remediation.revert`, value: the fix's
// proposal ID). A click is acknowledged at once, audited, checked against the same access rule
// as `/perf undo`, then becomes `/perf undo`'s `proposeRevert`: the revert proposal — same
// approval policy as the fix — is posted in the fix's thread with the usual Approve / Deny (by
// the starter the command context gives, src/chat/revert-thread.ts), and the clicker is told
// ephemerally what happened, or why not (no undo for this action, the object changed since,
// nothing left to revert). Renders only: the revert itself is the remediation layer's.
import type { App } from '@slack/bolt';
import { rawDetail, recordAudit } from '../../audit/record.js';
import { errorMessage } from '../../errors.js';
import { isProposalId } from '../../remediation/proposal.js';
import type { RevertOutcome } from '../../remediation/revert.js';
import { message, text } from '../message.js';
import { clickPlace, tellClicker } from './click.js';
import type { SlackInteractionDeps } from './interaction-deps.js';

export const REVERT_ACTION_ID = 'remediation.revert';

export interface RevertClick {
  /** The button's value: the fix's proposal ID (anything else is refused by proposeRevert). */
  value: string;
  userId: string;
  teamId: string | undefined;
  channel: string;
  /** The thread the button was in, for a fix whose message perfbot no longer knows. */
  threadTs: string;
}

/** The command context gives the revert starter (`/perf undo`'s), the access gate and the catalog. */
export type RevertActionDeps = Pick<
  SlackInteractionDeps,
  'sink' | 'refs' | 'commandContext' | 'getProposal' | 'audit' | 'log' | 'now'
>;
type Deps = RevertActionDeps;

export function registerRevertAction(app: App, deps: Deps): void {
  app.action({ type: 'block_actions', action_id: REVERT_ACTION_ID }, async ({ ack, body, action }) => {
    await ack();
    const { channel, messageTs, threadTs } = clickPlace(body);
    if (!channel || !messageTs) return;
    const click: RevertClick = {
      value: 'value' in action && typeof action.value === 'string' ? action.value : '',
      userId: body.user.id,
      teamId: body.team?.id,
      channel,
      threadTs: threadTs ?? messageTs,
    };
    try {
      await onRevertClick(deps, click);
    } catch (err) {
      deps.log.error({ err, proposal: click.value.slice(0, 64) }, 'revert click failed');
      await tell(deps, click, `Nothing was reverted: ${errorMessage(err)}. Try again.`, 'error');
    }
  });
}

export async function onRevertClick(deps: Deps, click: RevertClick): Promise<void> {
  const fix = isProposalId(click.value) ? await deps.getProposal?.(click.value) : undefined;
  if (deps.audit)
    await recordAudit(
      deps.audit,
      {
        actor: click.userId,
        event: 'command.invoked',
        incident: fix?.incidentId,
        proposal: fix?.id,
        details: { button: REVERT_ACTION_ID, ...rawDetail('value', click.value), channel: click.channel },
      },
      deps.log,
    );
  const ctx = deps.commandContext({
    kind: 'slack',
    userId: click.userId,
    channelId: click.channel,
    teamId: click.teamId ?? '',
    threadTs: click.threadTs,
  });
  if (!ctx.revert) return tell(deps, click, 'Undo is not available in this process.', 'warn');
  // The same rule as `/perf undo` (a state-changing command: approvers by default); the gate
  // audits a refusal.
  if (ctx.access) {
    const decision = await ctx.access.check({
      command: 'undo',
      user: click.userId,
      channel: click.channel,
      playbook: fix ? ctx.catalog.find(fix.playbookId) : undefined,
      incidentId: fix?.incidentId,
    });
    if (!decision.allowed) {
      return tell(deps, click, decision.text ?? 'You may not revert changes here.', 'warn');
    }
  }
  const out = await ctx.revert.proposeRevert({ proposalId: click.value, requester: click.userId });
  await answer(deps, click, out);
}

async function answer(deps: Deps, click: RevertClick, out: RevertOutcome): Promise<void> {
  const shown = click.value.slice(0, 64);
  switch (out.status) {
    case 'refused':
      return tell(deps, click, `Cannot revert ${shown}: ${out.reason}.`, 'warn');
    case 'noop':
      return tell(deps, click, `Nothing to revert: ${out.preview}.`, 'ok');
    case 'created':
    case 'exists': {
      // Posted in the fix's thread by the revert starter (src/chat/revert-thread.ts).
      const revert = out.proposal;
      const ref = await deps.refs.proposalMessage(revert.id);
      const where = ref ? ` (${deps.sink.link(ref)})` : '';
      if (out.status === 'exists') {
        return tell(
          deps,
          click,
          `A revert of ${out.of.id} is already proposed: ${revert.id}, ${revert.status}${where}.`,
          'info',
        );
      }
      const needs = `${revert.policy.required} approval${revert.policy.required === 1 ? '' : 's'}`;
      return tell(
        deps,
        click,
        `Revert of ${out.of.id} proposed as ${revert.id}${where}: ${revert.preview}. It needs ${needs}, as the fix did.`,
        'ok',
      );
    }
  }
}

async function tell(
  deps: Deps,
  click: RevertClick,
  line: string,
  tone: 'ok' | 'info' | 'warn' | 'error',
): Promise<void> {
  await tellClicker(deps, click.channel, click.userId, message(line, text(line, tone)));
}
