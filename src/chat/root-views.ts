// What an incident's root message shows, read fresh from the store each time it is drawn: its
// own root, or the storm digest it shares with other incidents.
import type { Incident, ThreadRef } from '../incidents/types.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import { DNS1123_LABEL } from '../playbooks/kinds.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import type { SilenceView } from './incident-controls.js';
import { digestMessage, rootMessage } from './incident-message.js';
import type { ChatMessage } from './message.js';
import type { ChatRefs } from './refs.js';

export interface RootViewsDeps {
  incidents: { get(id: string): Promise<Incident | undefined> };
  /** The incident's silences (IncidentSilences.list), shown on its own root; absent: none. */
  silences?: { list(incidentId: string): Promise<SilenceView[]> } | undefined;
  catalog: PlaybookCatalog;
  refs: ChatRefs;
  now: () => Date;
}

export class RootViews {
  constructor(private readonly deps: RootViewsDeps) {}

  /** The root for incidents posted together: one incident's own root, or their digest. */
  async batch(ids: readonly string[]): Promise<{ message: ChatMessage; updatedAt: Map<string, string> }> {
    const loaded = await this.load(ids);
    const updatedAt = new Map(loaded.map((x) => [x.incident.id, x.incident.updatedAt]));
    const first = loaded[0];
    // A digest root is shared by several incidents: it has no buttons (each incident's are
    // reached through /perf ack|silence|resolve <incident>).
    const message =
      ids.length === 1 && first
        ? rootMessage(
            first.incident,
            first.playbook,
            this.deps.now(),
            (await this.deps.silences?.list(first.incident.id)) ?? [],
          )
        : digestMessage(loaded, this.deps.now());
    return { message, updatedAt };
  }

  /** The root message at `thread` as it should read now. */
  async current(id: string, thread: ThreadRef): Promise<ChatMessage> {
    const members = await this.deps.refs.digestMembers(thread);
    return (await this.batch(members.length > 1 ? members : [id])).message;
  }

  private async load(
    ids: readonly string[],
  ): Promise<{ incident: Incident; playbook: LoadedPlaybook | undefined }[]> {
    const incidents = await Promise.all(ids.map((i) => this.deps.incidents.get(i)));
    return incidents
      .filter((i): i is Incident => i !== undefined)
      .map((incident) => ({
        incident,
        playbook: incident.playbookId ? this.deps.catalog.find(incident.playbookId) : undefined,
      }));
  }
}

/** The alert's namespace label, when it names a valid namespace; else the playbook's. */
export function namespaceOf(incident: Incident): string | undefined {
  const ns = incident.alerts.map((a) => a.labels.namespace).find((n) => n !== undefined);
  return ns && DNS1123_LABEL.test(ns) ? ns : undefined;
}

export function pointerMessage(link: string): ChatMessage {
  return {
    summary: 'This incident continues in another thread',
    parts: [{ kind: 'link', label: 'This incident continues in another thread', url: link }],
  };
}
