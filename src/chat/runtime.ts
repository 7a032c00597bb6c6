// The chat surface of `perfbot serve`: Slack when credentials are set, otherwise the terminal
// as the incident channel. It renders — incident roots, diagnoses, proposals, job results —
// from the event streams through its consumer group "chat", and serves /perf and the buttons.
// It orchestrates nothing: the response layer diagnoses and proposes whether or not this runs.
import { hostname } from 'node:os';
import type { App } from '../app.js';
import type { AuditSink } from '../audit/types.js';
import type { Logger } from '../log.js';
import { logJobFailure } from '../redis/health.js';
import { rerunDiagnosis } from '../response/rerun.js';
import { auditTimelineSource } from '../timeline/read.js';
import type { CommandContext, CommandReply, Invoker } from './command.js';
import { incidentActions, incidentDirectory } from './command.js';
import { DiagnosisFeed } from './diagnosis-feed.js';
import { IncidentThreads } from './incident-threads.js';
import { LifecycleReplies } from './lifecycle-replies.js';
import { ChatRefs } from './refs.js';
import { handleRemediationEvent } from './remediation-feed.js';
import { threadedReverts } from './revert-thread.js';
import type { ChatSink } from './sink.js';
import type { SlackRuntime, SlackRuntimeTuning } from './slack/runtime.js';
import { subscribe } from './subscribe.js';
import { TerminalSink, type TerminalSinkOptions } from './terminal-sink.js';
import { TimelineUploads } from './timeline-upload.js';

export const TERMINAL_CHANNEL = 'terminal';

/** The /perf dispatcher (commands/index.ts), injected: src/ never imports commands/. */
export type Dispatch = (text: string, ctx: CommandContext) => Promise<CommandReply>;

export interface ChatOptions {
  dispatch: Dispatch;
  /** Lines of the audit trail for `/perf audit` (commands/audit.ts), injected likewise. */
  auditLines?: (filter: { incident?: string | undefined; limit: number }) => Promise<string[]>;
  /** Terminal output when Slack is not configured. */
  write?: TerminalSinkOptions['write'];
  /** The terminal's in-place status line (progress); none: progress is not printed. */
  status?: TerminalSinkOptions['status'];
  /** Where the terminal writes chart PNGs. */
  chartDir?: string | undefined;
  /** Name of this replica in the consumer groups. */
  consumer?: string;
  slack?: SlackRuntimeTuning;
  /** How often owed roots are swept (leases renewed, dead replicas' roots taken over). */
  sweepMs?: number;
  rootLeaseMs?: number;
}

export interface ChatRuntime {
  kind: 'slack' | 'terminal';
  sink: ChatSink;
  threads: IncidentThreads;
  feed: DiagnosisFeed;
  slack: SlackRuntime | undefined;
  /** Mounts POST /slack/events when Slack is served over HTTP. */
  routes: NonNullable<import('../server.js').ServerOptions['routes']>;
  commandContext(invoker: Invoker): CommandContext;
  /** Starts reading the event streams (and Socket Mode). */
  start(): Promise<void>;
  /** Every accepted event drawn (tests, benchmark). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function createChat(app: App, o: ChatOptions): Promise<ChatRuntime> {
  const { log, redis, prefix, config } = app;
  const refs = new ChatRefs(redis, prefix);
  // Bolt and the Web API client are loaded only when Slack is configured.
  const slack = config.slack.botToken
    ? await (await import('./slack/runtime.js')).createSlackRuntime({
        slack: config.slack,
        log,
        metrics: app.metrics,
        redis,
        prefix,
        ...o.slack,
      })
    : undefined;
  const sink: ChatSink =
    slack?.sink ??
    new TerminalSink({
      write: o.write ?? ((t) => process.stdout.write(`${t}\n`)),
      status: o.status,
      chartDir: o.chartDir,
      now: app.now,
    });
  chatLogLine(slack ? 'slack' : 'terminal', app, log, slack?.mode);
  const threads = new IncidentThreads({
    sink,
    incidents: app.incidents,
    catalog: app.catalog,
    defaultChannel: slack ? config.slack.incidentChannel : TERMINAL_CHANNEL,
    refs,
    silences: app.silences,
    log,
    now: app.now,
    rootLeaseMs: o.rootLeaseMs,
  });
  const lifecycleReplies = new LifecycleReplies({ sink, refs, incidents: app.incidents, log });
  // On resolve, the thread gets the post-incident timeline as a Markdown file.
  const timelines = new TimelineUploads({
    sink,
    refs,
    incidents: app.incidents,
    trail: app.audit,
    log,
    now: app.now,
  });
  const getProposal = (id: string) => app.remediation.getProposal(id);
  const feed = new DiagnosisFeed({
    sink,
    refs,
    diagnoses: app.diagnoses,
    incidents: app.incidents,
    catalog: app.catalog,
    getProposal,
    log,
    now: app.now,
  });

  const commandContext = (invoker: Invoker): CommandContext => ({
    catalog: app.catalog,
    invoker,
    now: app.now,
    log,
    incidents: incidentDirectory(app.incidents),
    audit: o.auditLines ? { lines: o.auditLines } : undefined,
    diagnosis: {
      start: async ({ playbook, namespace, requester, channel, overrideCooldown }) => {
        app.response.diagnose({
          playbook,
          namespace,
          requester,
          channel,
          origin: 'manual',
          overrideCooldown,
        });
      },
      rerun: (incidentId, requester) => rerunDiagnosis(app, incidentId, requester),
    },
    threadLink: (channel, ts) => sink.link({ channel, ts }),
    incidentActions: incidentActions({
      store: app.incidents,
      lifecycle: app.lifecycle,
      silences: app.silences,
    }),
    access: app.access,
    timeline: auditTimelineSource(app.audit, app.now),
    // `/perf undo` and the Revert button: the revert proposal is posted in the fix's thread.
    revert: threadedReverts(
      { sink, refs, getProposal, log, now: app.now },
      app.remediation,
      invoker.kind === 'slack' ? { channel: invoker.channelId, threadTs: invoker.threadTs } : undefined,
    ),
  });

  if (slack) {
    const client = slack.app.client;
    const members = async (usergroup: string) =>
      (await client.usergroups.users.list({ usergroup })).users ?? [];
    app.remediation.useGroupResolver(members);
    app.access.useGroupResolver(members);
    const { registerSlackHandlers } = await import('./slack/interactions.js');
    registerSlackHandlers(slack.app, {
      sink,
      refs,
      commandContext,
      dispatch: o.dispatch,
      decide: (input) => app.remediation.decide(input),
      getProposal,
      audit: app.audit as AuditSink,
      log,
      now: app.now,
    });
  }

  const abort = new AbortController();
  const loops: Promise<void>[] = [];
  let sweeper: NodeJS.Timeout | undefined;
  const consumer = o.consumer ?? `${hostname()}-${process.pid}`;
  const remediationFeed = { sink, refs, getProposal, log, now: app.now };
  const sweep = () =>
    threads
      .sweep()
      .catch((err: unknown) =>
        logJobFailure(log, 'warn', err, 'could not check for incidents without a thread'),
      );
  return {
    kind: slack ? 'slack' : 'terminal',
    sink,
    threads,
    feed,
    slack,
    routes: async (server) => slack?.routes(server),
    commandContext,
    start: async () => {
      await slack?.start();
      await sweep();
      sweeper = setInterval(sweep, o.sweepMs ?? 2000);
      sweeper.unref();
      loops.push(
        ...subscribe(
          { redis, prefix, log, signal: abort.signal },
          {
            group: 'chat',
            consumer,
            // Handlers only record and enqueue: a replica that died holding entries is replaced soon.
            claimIdleMs: 10_000,
            onIncident: async (e) => {
              await threads.accept(e);
              timelines.handle(e);
              // A storm waits in the stream, not in memory, while Slack works through the backlog.
              await slack?.sink.room();
            },
            onResponse: async (e) => {
              await lifecycleReplies.response(e);
              feed.handle(e);
            },
            onRemediation: async (e) => {
              await lifecycleReplies.remediation(e);
              await handleRemediationEvent(remediationFeed, e);
            },
          },
        ),
      );
    },
    idle: async () => {
      await threads.idle();
      await feed.idle();
      await timelines.idle();
      await threads.idle();
    },
    stop: async () => {
      abort.abort();
      if (sweeper) clearInterval(sweeper);
      // Slack first: what it has not taken within its grace period is refused, so neither an
      // event handler nor a thread waits forever on a Slack that does not answer.
      await Promise.all([Promise.allSettled(loops), slack?.stop()]);
      await threads.idle();
      await feed.idle();
      await timelines.stop();
    },
  };
}

export function chatLogLine(
  kind: ChatRuntime['kind'],
  app: Pick<App, 'config'>,
  log: Logger,
  mode?: string,
): void {
  const slack = app.config.slack;
  if (kind === 'slack') {
    log.info(
      { mode, incidentChannel: slack.incidentChannel ?? '(playbook channels only)' },
      mode === 'socket'
        ? 'slack: Socket Mode (SLACK_APP_TOKEN set)'
        : 'slack: slash commands and buttons at POST /slack/events',
    );
    if (!slack.incidentChannel)
      log.warn('SLACK_INCIDENT_CHANNEL is not set: incidents of playbooks without a channel are not posted');
  } else {
    log.warn(
      'no Slack credentials (SLACK_BOT_TOKEN): incidents, diagnoses and proposals are printed here instead',
    );
  }
}
