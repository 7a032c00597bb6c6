// Incident events → threads. `opened` posts the root message (or joins a storm digest) and
// records it with the store's set-if-absent setThread (so two replicas never keep two threads);
// the diagnosis is the response layer's, drawn by diagnosis-feed.ts; later events re-render the
// root message (counters, the alert list, owner, silences, resolution) — lazily, so a burst of
// events costs one edit — and resolution, acknowledgement and silences post a reply. Events of
// one incident are handled in order; incidents run side by side.
import type { IncidentEvent } from '../incidents/events.js';
import type { IncidentStore } from '../incidents/store.js';
import type { ThreadRef } from '../incidents/types.js';
import type { Logger } from '../log.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import { resolvedReply } from './incident-message.js';
import { lifecycleReply } from './lifecycle-replies.js';
import type { ChatRefs } from './refs.js';
import { pointerMessage, RootViews, type RootViewsDeps } from './root-views.js';
import type { ChatSink } from './sink.js';

/**
 * What a thread needs of an event: the rest is read from the store when the message is drawn.
 * Lifecycle replies (lifecycle-replies.ts) need the whole event read from the outbox.
 */
export type ThreadEvent = Pick<IncidentEvent, 'type' | 'incidentId'> | IncidentEvent;

export interface IncidentThreadsDeps {
  sink: ChatSink;
  incidents: Pick<IncidentStore, 'get' | 'setThread'>;
  catalog: PlaybookCatalog;
  /** SLACK_INCIDENT_CHANNEL (or the terminal's name); a playbook's `channel` wins. */
  defaultChannel: string | undefined;
  refs: ChatRefs;
  /** The incidents' silences (IncidentSilences.list), shown on their roots. */
  silences?: RootViewsDeps['silences'];
  log: Logger;
  now: () => Date;
  /** Another replica may still be posting the root; how long a later event waits for it. */
  threadWaitMs?: number;
  /** How long a replica holds an owed root before another may take it over. */
  rootLeaseMs?: number;
}

export class IncidentThreads {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<unknown>>();

  private readonly views: RootViews;
  /** Roots this replica owes (leases it renews). */
  private readonly owed = new Set<string>();
  private readonly leaseMs: number;
  /** When each incident was drawn into the root being posted (see postRoot). */
  private readonly renderedAt = new Map<string, string>();

  constructor(private readonly deps: IncidentThreadsDeps) {
    this.views = new RootViews(deps);
    this.leaseMs = deps.rootLeaseMs ?? 10_000;
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
   * The consumer's handler for `opened`: the root is owed (recorded in Redis, under this
   * replica's lease) before the event is acknowledged, so a crash before the root is recorded
   * leaves it for another replica's sweep rather than losing the thread.
   */
  async accept(event: ThreadEvent): Promise<void> {
    if (event.type === 'opened') {
      this.owed.add(event.incidentId);
      await this.deps.refs.markRootsPending([event.incidentId], Date.now() + this.leaseMs);
    }
    this.handle(event);
  }

  /**
   * Renews this replica's leases and takes over roots whose owner stopped renewing (it died).
   * Run periodically; at start it also catches incidents whose `opened` event was taken by a
   * replica that died before posting — open or already resolved.
   */
  async sweep(): Promise<number> {
    const { refs } = this.deps;
    await refs.renewRootsPending([...this.owed], Date.now() + this.leaseMs);
    const orphans = await refs.claimExpiredRoots(Date.now(), Date.now() + this.leaseMs);
    for (const id of orphans) {
      if (this.owed.has(id)) continue;
      this.deps.log.warn({ incident: id }, 'incident without a thread: posting it now');
      this.owed.add(id);
      this.handle({ type: 'opened', incidentId: id });
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
    const reply = 'streamId' in event ? lifecycleReply(event) : undefined;
    if (reply && (await this.deps.refs.once((event as IncidentEvent).streamId, 'lifecycle'))) {
      this.track(
        this.deps.sink
          .post(thread.channel, thread.ts, () => reply)
          .catch((err: unknown) => this.writeFailed(err, event)),
      );
    }
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
    try {
      await this.postRoot(id);
      await this.deps.refs.clearRootPending(id);
    } finally {
      this.owed.delete(id);
    }
  }

  private async postRoot(id: string): Promise<void> {
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
    // A digest is drawn once, by its first member's render; every member reads what was drawn
    // for it here — otherwise each other member queued a needless edit of the digest (41,800
    // waiting edits in a 50,000-incident storm).
    let renderedAt = '';
    const { ref, shared } = await sink
      .postRoot(channel, id, async (ids) => {
        const view = await this.views.batch(ids);
        for (const [member, at] of view.updatedAt) this.renderedAt.set(member, at);
        return view.message;
      })
      .finally(() => {
        renderedAt = this.renderedAt.get(id) ?? '';
        this.renderedAt.delete(id);
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
