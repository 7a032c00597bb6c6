// What a /perf subcommand is: one file each under commands/, registered in commands/index.ts,
// run the same way from Slack and from the CLI. A command returns a neutral ChatMessage; Slack
// renders it as Block Kit, the terminal as text.
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import type { RevertInput, RevertOutcome } from '../remediation/revert.js';
import type { TimelineSource } from '../timeline/read.js';
import type { ChatMessage } from './message.js';

export type Invoker =
  | { kind: 'slack'; userId: string; channelId: string; teamId?: string | undefined }
  | { kind: 'cli'; user: string };

export interface CommandReply {
  message: ChatMessage;
  /** Slack: who sees the reply. Errors and listings go to the typer only. */
  visibility: 'ephemeral' | 'in_channel';
  /** CLI exit code (0 unless the command could not do what was asked). */
  exitCode: number;
  /** Preformatted terminal text when the command has its own (the diagnosis report). */
  text?: string | undefined;
}

/** An open incident as /perf status shows it. */
export interface IncidentListing {
  id: string;
  title: string;
  playbookId: string | undefined;
  openedAtMs: number;
  alerts: number;
  firing: number;
  repeats: number;
  thread: { channel: string; ts: string } | undefined;
}

export interface IncidentDirectory {
  listOpen(limit: number): Promise<IncidentListing[]>;
}

/** The incident store seen as /perf status needs it (Slack and CLI alike). */
export function incidentDirectory(store: Pick<IncidentStore, 'listOpen'>): IncidentDirectory {
  return {
    listOpen: async (limit) =>
      (await store.listOpen(limit)).map((i) => ({
        id: i.id,
        title: i.title,
        playbookId: i.playbookId ?? undefined,
        openedAtMs: Date.parse(i.openedAt),
        alerts: i.alertCount,
        firing: i.firingCount,
        repeats: i.repeats,
        thread: i.thread,
      })),
  };
}

/** Slack: opens a thread in the channel and runs the diagnosis there, after the ack. */
export interface DiagnosisStarter {
  start(input: {
    playbook: LoadedPlaybook;
    namespace: string | undefined;
    requester: string;
    channel: string;
    /** `--override-cooldown`: proposals blocked only by a cooldown need one more approval instead. */
    overrideCooldown?: boolean | undefined;
  }): Promise<void>;
}

/** `/perf undo`: RemediationService.proposeRevert fits. */
export interface RevertStarter {
  proposeRevert(input: RevertInput): Promise<RevertOutcome>;
}

/** Prints the audit trail as lines (the remediation issue's `perfbot audit`). */
export interface AuditLister {
  lines(filter: { incident?: string | undefined; limit: number }): Promise<string[]>;
}

export interface CommandContext {
  catalog: PlaybookCatalog;
  invoker: Invoker;
  now: () => Date;
  log: Logger;
  incidents?: IncidentDirectory | undefined;
  audit?: AuditLister | undefined;
  diagnosis?: DiagnosisStarter | undefined;
  /** CLI diagnose: runs the checks and returns the report text and exit code. */
  runDiagnosisText?:
    | ((input: { playbook: LoadedPlaybook; namespace: string | undefined; json: boolean }) => Promise<string>)
    | undefined;
  /** `/perf timeline`: timelines from the audit trail (src/timeline/read.ts auditTimelineSource). */
  timeline?: TimelineSource | undefined;
  /** `/perf undo`. */
  revert?: RevertStarter | undefined;
  /** A link to a Slack thread, when Slack is configured. */
  threadLink?: ((channel: string, ts: string) => string) | undefined;
}

export interface PerfCommand {
  name: string;
  usage: string;
  summary: string;
  run(args: string[], ctx: CommandContext): Promise<CommandReply>;
}

export function reply(
  message: ChatMessage,
  options: Partial<Omit<CommandReply, 'message'>> = {},
): CommandReply {
  return {
    message,
    visibility: options.visibility ?? 'ephemeral',
    exitCode: options.exitCode ?? 0,
    text: options.text,
  };
}
