// When an incident resolves, its thread gets the timeline as a Markdown file: the post-mortem
// draft built from the audit trail, chain verified (timeline-message.ts timelineFile). The chat
// group reads the `resolved` event while the audit group records it, independently: the draft
// waits until the trail holds that event's `incident.resolved` entry (the recorder writes the
// outbox ID into it), so the file ends with the resolution. Slack gets an upload in the thread;
// the terminal writes the file to its chart folder and prints the path, or prints the Markdown.
import type { IncidentEvent } from '../incidents/events.js';
import type { IncidentStore } from '../incidents/store.js';
import type { ThreadRef } from '../incidents/types.js';
import type { Logger } from '../log.js';
import { readTimeline, type TimelineTrail } from '../timeline/read.js';
import type { ChatRefs } from './refs.js';
import type { ChatSink } from './sink.js';
import { timelineFile } from './timeline-message.js';

export interface TimelineUploadDeps {
  sink: ChatSink;
  refs: Pick<ChatRefs, 'once'>;
  incidents: Pick<IncidentStore, 'get'>;
  trail: TimelineTrail;
  log: Logger;
  now: () => Date;
  /** How long the draft waits for the audit recorder to write the resolution. */
  recordWaitMs?: number;
  /** How long it waits for the incident's thread (another replica may still be posting it). */
  threadWaitMs?: number;
  pollMs?: number;
}

type ResolvedEvent = Pick<IncidentEvent, 'type' | 'incidentId' | 'streamId'>;

export class TimelineUploads {
  private readonly running = new Set<Promise<void>>();
  /** Set by stop(): waits end at once, so a shutdown is not held up to 30 s by a resolution. */
  private stopped = false;

  constructor(private readonly deps: TimelineUploadDeps) {}

  /** Ends the waits (what has not started uploading is given up, and logged) and waits for the rest. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** Accepts an incident event and returns at once; only `resolved` does anything. */
  handle(event: ResolvedEvent): void {
    if (event.type !== 'resolved') return;
    const work = this.attach(event).catch((err: unknown) =>
      this.deps.log.error({ err, incident: event.incidentId }, 'timeline not attached to the thread'),
    );
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Builds the draft once the resolution is in the trail, and uploads it into the thread once. */
  async attach(event: ResolvedEvent): Promise<void> {
    const { deps } = this;
    const id = event.incidentId;
    const thread = await this.threadOf(id);
    if (!thread) {
      deps.log.warn({ incident: id }, 'incident has no thread: timeline not attached');
      return;
    }
    const recorded = await this.resolutionRecorded(event);
    if (this.stopped) {
      deps.log.warn({ incident: id }, 'stopping: timeline not attached to the thread');
      return;
    }
    if (!recorded)
      deps.log.warn({ incident: id }, 'resolution not in the audit trail yet: timeline attached without it');
    const timeline = await readTimeline(deps.trail, id, deps.now);
    if (!timeline) return;
    // One file per resolution, whichever replica (or redelivery) got here.
    if (!(await deps.refs.once(event.streamId, 'timeline'))) return;
    await deps.sink.upload(thread.channel, thread.ts, timelineFile(timeline));
    deps.log.info(
      { incident: id, entries: timeline.entries.length, chainOk: timeline.chain.ok },
      'timeline attached to the thread',
    );
  }

  private async resolutionRecorded(event: ResolvedEvent): Promise<boolean> {
    const deadline = Date.now() + (this.deps.recordWaitMs ?? 30_000);
    for (;;) {
      const last = await this.deps.trail.readTrail({ incident: event.incidentId, limit: 50 });
      if (last.some((e) => e.event === 'incident.resolved' && e.details.event === event.streamId))
        return true;
      if (Date.now() >= deadline || this.stopped) return false;
      await sleep(this.deps.pollMs ?? 250);
    }
  }

  private async threadOf(id: string): Promise<ThreadRef | undefined> {
    const deadline = Date.now() + (this.deps.threadWaitMs ?? 30_000);
    for (;;) {
      const incident = await this.deps.incidents.get(id);
      if (!incident || incident.thread) return incident?.thread;
      if (Date.now() >= deadline || this.stopped) return undefined;
      await sleep(this.deps.pollMs ?? 250);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
