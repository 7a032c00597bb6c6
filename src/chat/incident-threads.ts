// Incident events → threads. `opened` posts the root message (or joins a storm digest), records
// it with the store's set-if-absent setThread (so two replicas never keep two threads) and runs
// the playbook's diagnosis in the thread; later events re-render the root message (counters,
// the alert list, resolution) — lazily, so a burst of events costs one edit — and resolution
// posts a reply. Events of one incident are handled in order; incidents run side by side.
import { randomBytes } from 'node:crypto';
import { errorMessage } from '../errors.js';
import type { IncidentEvent } from '../incidents/events.js';
import type { IncidentStore } from '../incidents/store.js';
import type { ThreadRef } from '../incidents/types.js';
import type { Logger } from '../log.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import { type DiagnosisThreadDeps, runDiagnosisThread } from './diagnosis-thread.js';
import { manualRootMessage, resolvedReply } from './incident-message.js';
import type { ChatRefs } from './refs.js';
import { namespaceOf, pointerMessage, RootViews } from './root-views.js';
import type { ChatSink } from './sink.js';

/** What a thread needs of an event: the rest is read from the store when the message is drawn. */
export type ThreadEvent = Pick<IncidentEvent, 'type' | 'incidentId'>;

export interface IncidentThreadsDeps {
  sink: ChatSink;
  incidents: Pick<IncidentStore, 'get' | 'setThread'>;
  catalog: PlaybookCatalog;
  /** SLACK_INCIDENT_CHANNEL (or the terminal's name); a playbook's `channel` wins. */
  defaultChannel: string | undefined;
  refs: ChatRefs;
  /** Everything a diagnosis thread needs except the sink, which is shared. */
  diagnosis: Omit<DiagnosisThreadDeps, 'sink' | 'refs' | 'log' | 'now'>;
  log: Logger;
  now: () => Date;
  /** Another replica may still be posting the root; how long a later event waits for it. */
  threadWaitMs?: number;
}

export class IncidentThreads {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<unknown>>();

  private readonly views: RootViews;

  constructor(private readonly deps: IncidentThreadsDeps) {
    this.views = new RootViews(deps);
  }

  /** Accepts the event and returns; the work continues in the incident's chain. */
  handle(event: ThreadEvent): void {
    const id = event.incidentId;
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev
      .then(() => this.process(event))
      .catch((err: unknown) =>
        this.deps.log.error({ err, incident: id, type: event.type }, 'incident thread update failed'),
      );
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  /**
   * `/perf diagnose`: a root message in the channel, then the diagnosis in its thread. Returns
   * at once (the command's ack must not wait for the channel's turn); a failure to post is
   * told to the requester alone.
   */
  startManual(input: {
    playbook: LoadedPlaybook;
    namespace: string | undefined;
    requester: string;
    channel: string;
  }): void {
    const id = `manual-${this.deps.now().getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
    const namespace = input.namespace ?? input.playbook.target.namespace;
    const run = async () => {
      const root = await this.deps.sink.post(input.channel, undefined, () =>
        manualRootMessage({ ...input, namespace, id }),
      );
      await this.diagnose(input.playbook, input.namespace, root, id, input.requester);
    };
    this.track(
      run().catch(async (err: unknown) => {
        this.deps.log.error({ err, channel: input.channel }, 'manual diagnosis could not start');
        await this.deps.sink
          .ephemeral(input.channel, input.requester, {
            summary: 'Diagnosis could not start',
            parts: [
              {
                kind: 'text',
                text: `Diagnosis could not start here: ${errorMessage(err)} (is perfbot in this channel?)`,
                tone: 'error',
              },
            ],
          })
          .catch(() => {});
      }),
    );
  }

  /**
   * Safety net at start: an open incident that still has no thread well after it opened lost
   * its `opened` event (a replica died between taking the event and posting). Younger ones
   * may still be waiting for their channel's turn on another replica.
   */
  async reconcile(
    listOpen: () => Promise<{ id: string; openedAt: string; thread?: ThreadRef | undefined }[]>,
    olderThanMs = 120_000,
  ): Promise<number> {
    const cutoff = this.deps.now().getTime() - olderThanMs;
    const orphans = (await listOpen()).filter((i) => !i.thread && Date.parse(i.openedAt) < cutoff);
    for (const i of orphans) {
      this.deps.log.warn({ incident: i.id }, 'open incident without a thread: posting it now');
      this.handle({ type: 'opened', incidentId: i.id });
    }
    return orphans.length;
  }

  /** Every accepted event handled and every diagnosis finished (tests, benchmark, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0 || this.running.size > 0) {
      await Promise.allSettled([...this.chains.values(), ...this.running]);
    }
    await this.deps.sink.idle();
  }

  private async process(event: ThreadEvent): Promise<void> {
    if (event.type === 'opened') return this.opened(event.incidentId);
    const thread = await this.threadOf(event.incidentId);
    if (!thread) {
      this.deps.log.warn(
        { incident: event.incidentId, type: event.type },
        'incident has no thread: event not shown',
      );
      return;
    }
    // Not awaited: the next event of this incident must reach the queue while this edit still
    // waits for its turn, so the two coalesce into one chat.update.
    this.track(
      this.updateRoot(event.incidentId, thread).catch((err: unknown) => this.writeFailed(err, event)),
    );
    if (event.type === 'resolved') {
      const incident = await this.deps.incidents.get(event.incidentId);
      if (incident) {
        this.track(
          this.deps.sink
            .post(thread.channel, thread.ts, () => resolvedReply(incident))
            .catch((err: unknown) => this.writeFailed(err, event)),
        );
      }
    }
  }

  private writeFailed(err: unknown, event: ThreadEvent): void {
    this.deps.log.error(
      { err, incident: event.incidentId, type: event.type },
      'incident message not written',
    );
  }

  private async opened(id: string): Promise<void> {
    const { sink, incidents, refs, log } = this.deps;
    const incident = await incidents.get(id);
    if (!incident || incident.thread) return; // expired, or another replica's thread exists
    const playbook = incident.playbookId ? this.deps.catalog.find(incident.playbookId) : undefined;
    const channel = playbook?.channel ?? this.deps.defaultChannel;
    if (!channel) {
      log.warn(
        { incident: id, playbook: playbook?.id },
        'no channel for this incident: set SLACK_INCIDENT_CHANNEL',
      );
      return;
    }
    let renderedAt = '';
    const { ref, shared } = await sink.postRoot(channel, id, async (ids) => {
      const view = await this.views.batch(ids);
      renderedAt = view.updatedAt.get(id) ?? '';
      return view.message;
    });
    if (shared > 1) await refs.addDigestMembers(ref, [id]);
    const won = await incidents.setThread(id, ref.channel, ref.ts);
    if (!won) return;
    if (!won.created) {
      log.warn({ incident: id, kept: won.thread, dropped: ref }, 'another replica opened this thread first');
      if (shared === 1) await sink.update(ref, () => pointerMessage(sink.link(won.thread)));
      return;
    }
    // Events that arrived while the root waited for its turn were rendered into it only if
    // they came before the render; catch up on the rest.
    const now = await incidents.get(id);
    if (now && now.updatedAt !== renderedAt) {
      this.track(
        this.updateRoot(id, won.thread).catch((err: unknown) =>
          log.error({ err, incident: id }, 'root update failed'),
        ),
      );
    }
    if (playbook) this.track(this.diagnose(playbook, namespaceOf(incident), won.thread, id, 'system'));
  }

  private diagnose(
    playbook: LoadedPlaybook,
    namespace: string | undefined,
    thread: ThreadRef,
    incidentId: string,
    requester: string,
  ): Promise<unknown> {
    const deps = {
      ...this.deps.diagnosis,
      sink: this.deps.sink,
      refs: this.deps.refs,
      log: this.deps.log,
      now: this.deps.now,
    };
    return runDiagnosisThread(deps, {
      playbook,
      namespace,
      channel: thread.channel,
      threadTs: thread.ts,
      incidentId,
      requester,
    }).catch(async (err: unknown) => {
      this.deps.log.error({ err, incident: incidentId }, 'diagnosis failed');
      await this.deps.sink
        .post(thread.channel, thread.ts, () => ({
          summary: `Diagnosis failed: ${errorMessage(err)}`,
          parts: [{ kind: 'text', text: `Diagnosis failed: ${errorMessage(err)}`, tone: 'error' }],
        }))
        // Slack may refuse this too; a rejection here would be unhandled (and end the process).
        .catch((e: unknown) =>
          this.deps.log.error({ err: e, incident: incidentId }, 'diagnosis failure not posted'),
        );
    });
  }

  private updateRoot(id: string, thread: ThreadRef): Promise<void> {
    return this.deps.sink.update(thread, () => this.views.current(id, thread));
  }

  private async threadOf(id: string): Promise<ThreadRef | undefined> {
    const deadline = Date.now() + (this.deps.threadWaitMs ?? 30_000);
    for (;;) {
      const incident = await this.deps.incidents.get(id);
      if (!incident || incident.thread) return incident?.thread;
      if (Date.now() >= deadline) return undefined;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }
}
