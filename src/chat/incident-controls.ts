// The lifecycle parts of an incident's root message: who owns it, its active silences, the
// sender groups that joined it and why, and the buttons (Acknowledge, Silence ▾ 1h/4h/24h,
// Expire silence, Re-run diagnosis, Resolve). Everything from outside (group keys, label
// values, Alertmanager URLs) is plain text here; the renderers escape it.
import type { Incident, IncidentGroup } from '../incidents/types.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import {
  type Button,
  formatAge,
  type Item,
  list,
  mention,
  type Part,
  rich,
  type Span,
  type Text,
} from './message.js';

/** The Silence choice's durations (src/incidents/silences.ts SILENCE_DURATIONS). */
export const SILENCE_CHOICES = ['1h', '4h', '24h'] as const;

/** What the root needs to know of a silence (src/incidents/silences.ts IncidentSilence fits). */
export interface SilenceView {
  url: string;
  id: string;
  by: string;
  endsAt: string;
  state: 'active' | 'ended';
}

/**
 * The incident's buttons carry its ID as their value; the Silence choice (a static_select has no
 * value of its own) carries only the duration, so the row's block_id names the incident too.
 */
export const INCIDENT_BLOCK_PREFIX = 'incident:';
export const incidentBlockId = (incidentId: string): string => `${INCIDENT_BLOCK_PREFIX}${incidentId}`;

/** "@U0ALICE (acknowledged 5m ago)". */
export function ownerText(incident: Incident, now: Date): Text | undefined {
  if (!incident.acknowledgedBy) return undefined;
  const at = incident.acknowledgedAt ? Date.parse(incident.acknowledgedAt) : Number.NaN;
  const ago = Number.isFinite(at) ? ` (acknowledged ${formatAge(now.getTime() - at)} ago)` : '';
  return rich`${mention(incident.acknowledgedBy)}${ago}`;
}

/** Active silences, one line per person and end time (an HA pair's two silences are one line). */
export function silencesPart(silences: readonly SilenceView[]): Part | undefined {
  const active = silences.filter((s) => s.state === 'active');
  if (active.length === 0) return undefined;
  const byKey = new Map<string, SilenceView[]>();
  for (const s of active) {
    const key = `${s.by}\u0000${s.endsAt}`;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  const items: Item[] = [...byKey.values()].map((same) => {
    const first = same[0] as SilenceView;
    return {
      text: rich`Silenced until ${first.endsAt} by ${by(first.by)}`,
      tone: 'skipped',
      detail: same.map((s) => `${s.url} · silence ${s.id}`).join('\n'),
    };
  });
  return list(items, 'Silences');
}

/**
 * The sender groups of a correlated incident: which one opened it, which joined and on which
 * labels, with their alerts and repeats. A single group says nothing the alert list does not.
 */
export function groupsPart(incident: Incident): Part | undefined {
  const groups = incident.groups ?? [];
  if (groups.length < 2) return undefined;
  return list(
    groups.map((g) => groupItem(incident, g)),
    `Alert groups (${groups.length})`,
  );
}

function groupItem(incident: Incident, g: IncidentGroup): Item {
  const alerts = incident.alerts.filter((a) => a.group === g.group);
  const names = [...new Set(alerts.map((a) => a.name))];
  const repeats = alerts.reduce((n, a) => n + a.repeats, 0);
  const key = g.key ? Object.entries(g.key).map(([k, v]) => `${k}=${JSON.stringify(v)}`) : [];
  const why =
    g.reason === 'opened'
      ? 'opened the incident'
      : `joined at ${g.at}${key.length > 0 ? ` (same ${key.join(', ')})` : ''}`;
  const counts = `${alerts.length} ${alerts.length === 1 ? 'alert' : 'alerts'}${repeats > 0 ? ` · repeated ${repeats}×` : ''}`;
  return {
    text: `${names.join(', ') || 'no alerts'} — ${why}`,
    tone: g.reason === 'opened' ? 'info' : 'progress',
    detail: `${counts} · ${g.source} group ${clipped(g.group, 200)}`,
  };
}

/** The incident's buttons; none once it has resolved (there is nothing left to act on). */
export function actionsPart(
  incident: Incident,
  playbook: LoadedPlaybook | undefined,
  silences: readonly SilenceView[],
): Part | undefined {
  if (incident.status !== 'open') return undefined;
  const id = incident.id;
  const buttons: Button[] = [
    {
      actionId: 'incident.ack',
      label: 'Acknowledge',
      value: id,
      ...(incident.acknowledgedBy ? {} : { style: 'primary' }),
    },
  ];
  if (incident.source === 'alertmanager') {
    buttons.push({
      actionId: 'incident.silence',
      label: 'Silence…',
      value: id,
      options: SILENCE_CHOICES.map((d) => ({ label: `Silence ${d}`, value: d })),
    });
  }
  if (silences.some((s) => s.state === 'active'))
    buttons.push({ actionId: 'incident.unsilence', label: 'Expire silence', value: id });
  if (playbook) buttons.push({ actionId: 'incident.rerun', label: 'Re-run diagnosis', value: id });
  buttons.push({ actionId: 'incident.resolve', label: 'Resolve', value: id, style: 'danger' });
  return { kind: 'actions', buttons, blockId: incidentBlockId(id) };
}

/** A recorded actor: a Slack user as a mention, the CLI user (`cli:name`) as text. */
export function by(actor: string): Span {
  return /^[UW][A-Z0-9]{2,}$/.test(actor) ? mention(actor) : `@${actor}`;
}

function clipped(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
