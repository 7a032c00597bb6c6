// Alertmanager API v2 silences (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml).
// What we send is typed exactly; what comes back is read leniently (`.catch()`), because a
// newer Alertmanager may add fields or states and a silence we cannot fully read is still one
// we must notice expiring.
import { z } from 'zod';

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** false: `!=` / `!~`. Alertmanager ≥ 0.22 understands it; we only send true. */
  isEqual?: boolean;
}

export interface PostableSilence {
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export const SilenceState = z.enum(['active', 'pending', 'expired']);
export type SilenceState = z.infer<typeof SilenceState>;

export const GettableSilence = z.object({
  id: z.string(),
  status: z.object({ state: SilenceState.or(z.string()) }).catch({ state: 'unknown' }),
  matchers: z
    .array(
      z.object({
        name: z.string(),
        value: z.string(),
        isRegex: z.boolean().catch(false),
        isEqual: z.boolean().optional().catch(true),
      }),
    )
    .catch([]),
  startsAt: z.string().catch(''),
  endsAt: z.string().catch(''),
  updatedAt: z.string().catch(''),
  createdBy: z.string().catch(''),
  comment: z.string().catch(''),
});
export type GettableSilence = z.infer<typeof GettableSilence>;

export const PostSilenceReply = z.object({ silenceID: z.string().min(1) });
