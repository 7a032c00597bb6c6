// The chat layer of `perfbot serve`: Slack when credentials are set, otherwise the terminal as
// the incident channel. It reads incident events and remediation events through consumer
// groups (each event handled by one replica), writes threads, and serves /perf and the buttons.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { auditCommand } from '../../commands/audit.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config.js';
import { runDiagnosis } from '../diagnostics/engine.js';
import type { BackendName } from '../diagnostics/types.js';
import { consumeIncidentEvents } from '../incidents/events.js';
import type { IncidentStore } from '../incidents/store.js';
import type { AnyCheckDefinition } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import type { CheckKind } from '../playbooks/kinds.js';
import { consumeRemediationEvents } from '../remediation/consume.js';
import type { DecideInput, DecideOutcome } from '../remediation/decide.js';
import type { Proposal } from '../remediation/proposal.js';
import { type ProposeDeps, proposeFromDiagnosis } from '../remediation/proposals.js';
import { type CommandContext, type Invoker, incidentDirectory } from './command.js';
import type { Diagnose, ProposeRemediations } from './diagnosis-thread.js';
import { IncidentThreads } from './incident-threads.js';
import { ChatRefs } from './refs.js';
import { handleRemediationEvent } from './remediation-feed.js';
import { buildReport } from './report.js';
import type { ChatSink } from './sink.js';
import { registerSlackHandlers } from './slack/interactions.js';
import { createSlackRuntime, type SlackRuntime, type SlackRuntimeTuning } from './slack/runtime.js';
import { TerminalSink } from './terminal-sink.js';

export const TERMINAL_CHANNEL = 'terminal';

export interface ChatRuntimeOptions {
  config: Config;
  log: Logger;
  redis: Redis;
  prefix?: string;
  catalog: PlaybookCatalog;
  backends: Partial<Record<BackendName, unknown>>;
  incidents: IncidentStore;
  now: () => Date;
  metrics?: Metrics | undefined;
  audit?: AuditTrail | undefined;
  /** The remediation core (src/remediation/service.ts RemediationService fits). */
  remediation?: RemediationPort | undefined;
  /** Terminal output when Slack is not configured. */
  write?: (text: string) => void;
  /** Where the terminal writes chart PNGs. */
  chartDir?: string | undefined;
  /** Name of this replica in the consumer groups. */
  consumer?: string;
  slack?: SlackRuntimeTuning;
  /** Check implementations (tests and the benchmark pass fakes); the registry by default. */
  checks?: Partial<Record<CheckKind, AnyCheckDefinition>>;
  diagnosisDeadlineMs?: number;
}

export interface RemediationPort {
  proposeDeps: ProposeDeps;
  decide(input: DecideInput): Promise<DecideOutcome>;
  getProposal(id: string): Promise<Proposal | undefined>;
  /** Slack's usergroups.users.list is plugged in here, for approvers given as user groups. */
  useGroupResolver?(resolve: (groupId: string) => Promise<string[]>): void;
}

export interface ChatRuntime {
  kind: 'slack' | 'terminal';
  sink: ChatSink;
  threads: IncidentThreads;
  slack: SlackRuntime | undefined;
  routes: SlackRuntime['routes'];
  commandContext(invoker: Invoker): CommandContext;
  /** Starts reading the event streams (and Socket Mode). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createChatRuntime(o: ChatRuntimeOptions): Promise<ChatRuntime> {
  const prefix = o.prefix ?? 'perfbot:';
  const refs = new ChatRefs(o.redis, prefix);
  const slackConfigured = o.config.slack.botToken !== undefined;
  const slack = slackConfigured
    ? await createSlackRuntime({
        slack: o.config.slack,
        log: o.log,
        metrics: o.metrics,
        redis: o.redis,
        prefix,
        ...o.slack,
      })
    : undefined;
  const sink: ChatSink =
    slack?.sink ??
    new TerminalSink({
      write: o.write ?? ((t) => process.stdout.write(`${t}\n`)),
      chartDir: o.chartDir,
      now: o.now,
    });

  const diagnose: Diagnose = async ({ playbook, namespace, onProgress }) =>
    buildReport(
      playbook,
      await runDiagnosis({
        playbook,
        namespace,
        backends: o.backends,
        checks: o.checks,
        log: o.log,
        now: o.now,
        deadlineMs: o.diagnosisDeadlineMs,
        metrics: o.metrics,
        onProgress: (r) => onProgress(r),
      }),
    );
  const remediation = o.remediation;
  const propose: ProposeRemediations | undefined = remediation
    ? ({ playbook, incidentId, namespace, requester, report }) =>
        proposeFromDiagnosis(remediation.proposeDeps, {
          playbook,
          incidentId,
          namespace,
          requester,
          diagnosis: report.diagnosis,
        })
    : undefined;

  const threads = new IncidentThreads({
    sink,
    incidents: o.incidents,
    catalog: o.catalog,
    defaultChannel: slack ? o.config.slack.incidentChannel : TERMINAL_CHANNEL,
    refs,
    diagnosis: { diagnose, propose, audit: o.audit },
    log: o.log,
    now: o.now,
  });

  const commandContext = (invoker: Invoker): CommandContext => ({
    catalog: o.catalog,
    invoker,
    now: o.now,
    log: o.log,
    incidents: incidentDirectory(o.incidents),
    audit: o.audit
      ? {
          lines: async ({ incident, limit }) =>
            (await auditCommand({ store: o.audit as AuditTrail, incident, limit })).lines,
        }
      : undefined,
    diagnosis: {
      start: async (input) => {
        threads.startManual(input);
      },
    },
    threadLink: (channel, ts) => sink.link({ channel, ts }),
  });

  if (slack && remediation?.useGroupResolver) {
    const client = slack.app.client;
    remediation.useGroupResolver(
      async (usergroup) => (await client.usergroups.users.list({ usergroup })).users ?? [],
    );
  }
  if (slack) {
    registerSlackHandlers(slack.app, {
      sink,
      refs,
      commandContext,
      decide: remediation ? (input) => remediation.decide(input) : undefined,
      audit: o.audit,
      log: o.log,
      now: o.now,
    });
  }

  const abort = new AbortController();
  const loops: Promise<void>[] = [];
  const consumer = o.consumer ?? `${hostname()}-${process.pid}`;
  return {
    kind: slack ? 'slack' : 'terminal',
    sink,
    threads,
    slack,
    routes: async (server) => slack?.routes(server),
    commandContext,
    start: async () => {
      await slack?.start();
      await threads
        .reconcile(() => o.incidents.listOpen())
        .catch((err: unknown) => o.log.warn({ err }, 'could not check open incidents for missing threads'));
      loops.push(
        consumeIncidentEvents({
          redis: o.redis,
          prefix,
          group: 'chat',
          consumer,
          handler: async (e) => {
            threads.handle(e);
            // A storm waits in the stream, not in memory, while Slack works through the backlog.
            await slack?.sink.room();
          },
          signal: abort.signal,
          log: o.log,
        }),
      );
      if (remediation) {
        const feed = {
          sink,
          refs,
          getProposal: (id: string) => remediation.getProposal(id),
          log: o.log,
          now: o.now,
        };
        loops.push(
          consumeRemediationEvents({
            redis: o.redis,
            prefix,
            group: 'chat',
            consumer,
            handler: (e) => handleRemediationEvent(feed, e),
            signal: abort.signal,
            log: o.log,
          }),
        );
      }
    },
    stop: async () => {
      abort.abort();
      // Slack first: what it has not taken within its grace period is refused, so neither an
      // event handler nor a thread waits forever on a Slack that does not answer.
      await Promise.all([Promise.allSettled(loops), slack?.stop()]);
      await threads.idle();
    },
  };
}
