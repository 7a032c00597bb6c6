// Attaches the chat layer to an assembled app (src/app.ts) for `perfbot serve`: Slack when
// SLACK_BOT_TOKEN is set, otherwise the terminal as the incident channel — and says which at
// start, so a newcomer knows where incidents will appear.
import type { AppDeps } from '../app.js';
import { AuditTrail } from '../audit/trail.js';
import { IncidentStore } from '../incidents/store.js';
import { type ChatRuntime, type ChatRuntimeOptions, createChatRuntime } from './runtime.js';
import { serveTerminalOutput } from './terminal-sink.js';

export type AttachChatOptions = Partial<
  Omit<ChatRuntimeOptions, 'config' | 'log' | 'redis' | 'catalog' | 'now'>
>;

export async function attachChat(app: AppDeps, options: AttachChatOptions = {}): Promise<ChatRuntime> {
  const incidents =
    options.incidents ?? app.incidents ?? new IncidentStore({ redis: app.redis, now: app.now });
  const chat = await createChatRuntime({
    config: app.config,
    log: app.log,
    redis: app.redis,
    catalog: app.catalog,
    backends: app.backends,
    now: app.now,
    metrics: app.metrics,
    audit: new AuditTrail({ redis: app.redis, log: app.log, now: app.now }),
    chartDir: '.perfbot/charts',
    // A person at a terminal reads text and a status line; a log collector gets JSON lines.
    ...(options.write ? {} : serveTerminalOutput(app.log)),
    ...options,
    incidents,
  });
  app.chat = chat;
  const slack = app.config.slack;
  if (chat.kind === 'slack') {
    app.log.info(
      { mode: chat.slack?.mode, incidentChannel: slack.incidentChannel ?? '(playbook channels only)' },
      chat.slack?.mode === 'socket'
        ? 'slack: Socket Mode (SLACK_APP_TOKEN set)'
        : 'slack: slash commands and buttons at POST /slack/events',
    );
    if (!slack.incidentChannel)
      app.log.warn(
        'SLACK_INCIDENT_CHANNEL is not set: incidents of playbooks without a channel are not posted',
      );
  } else {
    app.log.warn(
      'no Slack credentials (SLACK_BOT_TOKEN): incidents, diagnoses and proposals are printed here instead',
    );
  }
  return chat;
}
