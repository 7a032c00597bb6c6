// What a /perf subcommand is: one file each under commands/, registered in commands/index.ts,
// run the same way from Slack and from the CLI. A command returns a neutral ChatMessage; Slack
// renders it as Block Kit, the terminal as text.
import type { AccessDecision, AccessRequest } from '../access/gate.js';
import type { AckOutcome, IncidentLifecycle, ResolveOutcome } from '../incidents/lifecycle.js';
import type { IncidentSilence, IncidentSilences, SilenceOutcome } from '../incidents/silences.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Incident } from '../incidents/types.js';
import type { Logger } from '../log.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import type { RevertInput, RevertOutcome } from '../remediation/revert.js';
import type { RerunOutcome } from '../response/rerun.js';
import type { TimelineSource } from '../timeline/read.js';
import type { ChatMessage } from './message.js';

export type Invoker =
  | {
      kind: 'slack';
      userId: string;
      channelId: string;
      teamId?: string | undefined;
      /** The thread it came from (a button, a thread reply): its incident needs no argument. */
      threadTs?: string | undefined;
    }
  | { kind: 'cli'; user: string };

export interface CommandReply {
  message: ChatMessage;
  /** Slack: who sees the reply. Errors and listings go to the typer only. */
  visibility: 'ephemeral' | 'in_channel';
  /** CLI exit code (0 unless the command could not do what was asked). */
  exitCode: number;
  /** Preformatted terminal text when the command has its own (the diagnosis report). */
  text?: string | undefined;
  /** The same answer as plain data, for `--json`. */
  data?: unknown;
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
  /** Alerts Alertmanager left out of its notifications (max_alerts): they may still fire. */
  notShown?: number | undefined;
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
        notShown: i.truncatedAlerts,
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
  /** Diagnoses an open incident again, in its thread (src/response/rerun.ts rerunDiagnosis). */
  rerun?: ((incidentId: string, requester: string) => Promise<RerunOutcome>) | undefined;
}

/** `/perf undo`: RemediationService.proposeRevert fits. */
export interface RevertStarter {
  proposeRevert(input: RevertInput): Promise<RevertOutcome>;
}

/** Prints the audit trail as lines (the remediation issue's `perfbot audit`). */
export interface AuditLister {
  lines(filter: { incident?: string | undefined; limit: number }): Promise<string[]>;
}

/** What /perf ack, resolve and silence do (src/incidents/: lifecycle.ts, silences.ts). */
export interface IncidentActions {
  get(id: string): Promise<Incident | undefined>;
  acknowledge(id: string, user: string): Promise<AckOutcome>;
  resolve(id: string, user: string): Promise<ResolveOutcome>;
  /** Absent when no Alertmanager can be reached from this process. */
  silence?:
    | ((
        id: string,
        input: { user: string; durationMs: number; comment?: string | undefined },
      ) => Promise<SilenceOutcome>)
    | undefined;
  expireSilences?:
    | ((id: string, user: string) => Promise<{ expired: IncidentSilence[]; failed: string[] }>)
    | undefined;
}

/** The incident store, lifecycle and (with an Alertmanager) silences, as the commands need them. */
export function incidentActions(o: {
  store: Pick<IncidentStore, 'get'>;
  lifecycle: Pick<IncidentLifecycle, 'acknowledge' | 'resolve'>;
  silences?: Pick<IncidentSilences, 'silence' | 'expire'> | undefined;
}): IncidentActions {
  const { silences } = o;
  return {
    get: (id) => o.store.get(id),
    acknowledge: (id, user) => o.lifecycle.acknowledge(id, user),
    resolve: (id, user) => o.lifecycle.resolve(id, user),
    silence: silences && ((id, input) => silences.silence(id, input)),
    expireSilences: silences && ((id, user) => silences.expire(id, user)),
  };
}

/** Who may run which command where (src/access/gate.ts AccessGate fits). */
export interface CommandAccess {
  check(request: AccessRequest): Promise<AccessDecision>;
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
  /** ack, resolve, silence: the incident lifecycle, where this process has the incident store. */
  incidentActions?: IncidentActions | undefined;
  /** Per-command permissions for Slack invocations; absent: none (the CLI holds the bot's own credentials). */
  access?: CommandAccess | undefined;
}

export interface PerfCommand {
  name: string;
  usage: string;
  summary: string;
  run(args: string[], ctx: CommandContext): Promise<CommandReply>;
  /**
   * What the command acts on, for the access rules (a playbook's `access` section applies to its
   * incidents). Absent: the command's general rule.
   */
  accessTarget?(
    args: string[],
    ctx: CommandContext,
  ): Promise<{ incidentId?: string; playbookId?: string | null }>;
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
    data: options.data,
  };
}
