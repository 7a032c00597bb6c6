// What a signed request from Slack must contain before Bolt sees it. The signature proves who
// sent the bytes, not that they make sense; Bolt and our listeners dereference these fields
// (`body.user.id`, `actions[0]`), so a body without them is answered 400 naming the field —
// never a 500 with a TypeError. Lenient everywhere else: Slack adds fields all the time.
import { z } from 'zod';

const Id = z.string().min(1);
const User = z.looseObject({ id: Id });

/** A slash command (form fields). */
export const SlashCommandBody = z.looseObject({
  command: z.string().startsWith('/'),
  user_id: Id,
  channel_id: Id,
  text: z.string().optional(),
  team_id: z.string().optional(),
});

const BlockActions = z.looseObject({
  type: z.literal('block_actions'),
  user: User,
  actions: z.array(z.looseObject({ action_id: Id, type: z.string().optional() })).min(1),
  channel: z.looseObject({ id: Id }).optional(),
  container: z.looseObject({}).optional(),
});

const ViewAction = z.looseObject({
  type: z.enum(['view_submission', 'view_closed']),
  user: User,
  view: z.looseObject({ id: Id, callback_id: z.string() }),
});

const Shortcut = z.looseObject({
  type: z.enum(['shortcut', 'message_action']),
  user: User,
  callback_id: Id,
});

const Suggestion = z.looseObject({ type: z.literal('block_suggestion'), user: User, action_id: Id });

const KNOWN_INTERACTIONS: Record<string, z.ZodType> = {
  block_actions: BlockActions,
  view_submission: ViewAction,
  view_closed: ViewAction,
  shortcut: Shortcut,
  message_action: Shortcut,
  block_suggestion: Suggestion,
};

/** The JSON `payload` of an interactivity request; types perfbot does not use pass on as they are. */
export const InteractionPayload = z.looseObject({ type: Id }).superRefine((v, ctx) => {
  const schema = KNOWN_INTERACTIONS[v.type];
  if (!schema) return;
  const r = schema.safeParse(v);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
});

/** An Events API body (JSON). */
export const EventsBody = z
  .looseObject({
    type: Id,
    event: z.looseObject({ type: Id }).optional(),
    challenge: z.string().optional(),
  })
  .refine((b) => b.type !== 'event_callback' || b.event !== undefined, {
    message: 'event_callback without an event',
    path: ['event'],
  })
  .refine((b) => b.type !== 'url_verification' || b.challenge !== undefined, {
    message: 'url_verification without a challenge',
    path: ['challenge'],
  });

export type SlackBodyKind = 'command' | 'interaction' | 'event';

/** The first problem's path, as the 400 names it: `payload.user.id`, `command`. */
export function firstProblem(error: z.ZodError, prefix: string): string {
  const path = error.issues[0]?.path ?? [];
  return [prefix, ...path.map(String)].filter(Boolean).join('.') || '(body)';
}
