// Who may run which /perf command, and where: the PERFBOT_ACCESS file and a playbook's `access`
// section share these schemas. Strict, like playbooks: a misspelt command name must be an error,
// not a rule that silently never applies.
import { z } from 'zod';

/** Commands a rule may name: the /perf subcommands and the incident/proposal buttons. */
export const ACCESS_COMMANDS = [
  'diagnose',
  'rerun',
  'list',
  'status',
  'help',
  'audit',
  'timeline',
  'ack',
  'resolve',
  'silence',
  'undo',
] as const;
export type AccessCommand = (typeof ACCESS_COMMANDS)[number];

/** Nothing changes state: anyone may run them unless a rule says otherwise. */
export const READ_ONLY_COMMANDS: readonly AccessCommand[] = [
  'diagnose',
  'rerun',
  'list',
  'status',
  'help',
  'audit',
  'timeline',
];

export const isAccessCommand = (name: string): name is AccessCommand =>
  (ACCESS_COMMANDS as readonly string[]).includes(name);

/**
 * `anyone`; `approvers` (the playbook's remediation approvers, else PERFBOT_APPROVERS); a Slack
 * user (U…/W…) or user group (S…).
 */
export const Principal = z.union([
  z.literal('anyone'),
  z.literal('approvers'),
  z
    .string()
    .regex(/^[USW][A-Z0-9]{2,}$/, 'expected anyone, approvers, or a Slack user (U…) or user-group (S…) ID'),
]);
export type Principal = z.infer<typeof Principal>;

export const CommandRule = z.strictObject({
  who: z.array(Principal).min(1),
  /** Slack channel IDs where the command may run; absent: any channel. */
  channels: z
    .array(z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a Slack channel ID'))
    .min(1)
    .optional(),
});
export type CommandRule = z.infer<typeof CommandRule>;

/** Rules per command; commands not named keep their default. */
export const CommandRules = z.partialRecord(z.enum(ACCESS_COMMANDS), CommandRule);
export type CommandRules = z.infer<typeof CommandRules>;

/** The PERFBOT_ACCESS file. */
export const AccessFile = z.strictObject({
  commands: CommandRules.default({}),
});
export type AccessFile = z.infer<typeof AccessFile>;
