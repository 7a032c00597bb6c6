// Redis hashes written by the Lua script → the store's typed incidents.
import type { Alert, AlertSource } from '../alerts/schema.js';

/** What the store keeps of an alert besides its state (see store.ts pushAlertArgs). */
export type StoredAlert = Pick<Alert, 'name' | 'labels' | 'annotations' | 'generatorURL' | 'value'> & {
  group?: string;
};

import type { Incident, IncidentAlert, IncidentGroup, IncidentSummary } from './types.js';

const iso = (ms: string | undefined): string => new Date(Number(ms ?? 0)).toISOString();
const int = (v: string | undefined): number => Number(v ?? 0);

export function readSummary(h: Record<string, string>): IncidentSummary | undefined {
  if (!h.id || !h.status) return undefined; // expired or never written
  const trigger = int(h.trigger);
  const summary: IncidentSummary = {
    id: h.id,
    source: h.source as AlertSource,
    group: h.group ?? '',
    playbookId: h.playbook ? h.playbook : null,
    trigger: trigger >= 0 ? { index: trigger, description: h.triggerDescription ?? '' } : null,
    // Kept JSON-encoded (script.ts never decodes JSON).
    title: h.title ? (JSON.parse(h.title) as string) : '',
    status: h.status === 'resolved' ? 'resolved' : 'open',
    openedAt: iso(h.openedAt),
    startedAt: iso(h.startedAt),
    updatedAt: iso(h.updatedAt),
    alertCount: int(h.alerts),
    firingCount: int(h.firing),
    repeats: int(h.repeats),
  };
  if (h.resolvedAt) summary.resolvedAt = iso(h.resolvedAt);
  if (h.durationMs) summary.durationMs = int(h.durationMs);
  if (h.truncated && h.truncated !== '0') summary.truncatedAlerts = int(h.truncated);
  if (h.closedReason === 'stale') summary.closedReason = 'stale';
  if (h.threadChannel && h.threadTs) summary.thread = { channel: h.threadChannel, ts: h.threadTs };
  if (h.ackBy) {
    summary.acknowledgedBy = h.ackBy;
    summary.acknowledgedAt = iso(h.ackAt);
  }
  if (h.resolvedBy) summary.resolvedBy = h.resolvedBy;
  return summary;
}

export function readIncident(
  hash: Record<string, string>,
  alerts: Record<string, string>,
  groups: Record<string, string> = {},
): Incident | undefined {
  const summary = readSummary(hash);
  if (!summary) return undefined;
  const list: IncidentAlert[] = [];
  for (const [field, value] of Object.entries(alerts)) {
    // "st|startsMs|endsMs|repeats|firstSeenMs|lastNotifiedMs|" then the stored alert JSON.
    const s = value.split('|', 6);
    const json = value.slice(s.join('|').length + 1);
    const [st, startMs, endMs, repeats, seen, last] = s;
    const stored = JSON.parse(json) as StoredAlert;
    const alert: IncidentAlert = {
      source: summary.source,
      name: stored.name,
      status: st === 'r' ? 'resolved' : 'firing',
      labels: stored.labels,
      annotations: stored.annotations,
      startsAt: iso(startMs),
      // Hash fields are JSON-encoded fingerprints (script.ts).
      fingerprint: JSON.parse(field) as string,
      repeats: int(repeats),
      firstSeenAt: iso(seen),
      lastNotifiedAt: iso(last),
    };
    if (st === 'r') alert.endsAt = iso(endMs);
    if (stored.generatorURL !== undefined) alert.generatorURL = stored.generatorURL;
    if (stored.value !== undefined) alert.value = stored.value;
    if (stored.group !== undefined) alert.group = stored.group;
    list.push(alert);
  }
  list.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.fingerprint.localeCompare(b.fingerprint));
  return { ...summary, alerts: list, groups: readGroups(groups) };
}

interface StoredGroup {
  reason: 'opened' | 'joined';
  at: number;
  key: Record<string, string> | null;
  sender: { source: IncidentGroup['source']; group: string; externalURL?: string };
}

/** incident:<id>:groups (script-correlation.ts record_group), oldest first. */
function readGroups(raw: Record<string, string>): IncidentGroup[] {
  return Object.values(raw)
    .map((json) => JSON.parse(json) as StoredGroup)
    .sort((a, b) => a.at - b.at || Number(b.reason === 'opened') - Number(a.reason === 'opened'))
    .map((g) => ({
      source: g.sender.source,
      group: g.sender.group,
      reason: g.reason,
      at: new Date(g.at).toISOString(),
      key: g.key,
      ...(g.sender.externalURL ? { externalURL: g.sender.externalURL } : {}),
    }));
}
