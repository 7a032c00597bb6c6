// Which open incident a new alert group may join (the script decides, atomically; see
// script-correlation.ts). A group's correlation key is its playbook plus the values of the
// playbook's `correlation.key` labels (default: namespace). The key exists only when every alert
// of the group carries every key label with one value: alerts that do not say where they come
// from cannot be shown to be the same problem, and unrouted alerts have nothing to correlate by,
// so both keep an incident per sender group.
import type { Alert } from '../alerts/schema.js';
import { parseDuration } from '../duration.js';
import type { Playbook } from '../playbooks/schema.js';

export interface GroupCorrelation {
  /** '' when the group does not correlate. */
  key: string;
  /** JSON of the matched labels (`{"namespace":"connectors"}`), or `null`: why a group joined. */
  descriptionJSON: string;
  windowMs: number;
  /** < 0: never ask for a re-diagnosis (no playbook, nothing diagnoses the incident). */
  settleMs: number;
}

const NONE: GroupCorrelation = { key: '', descriptionJSON: 'null', windowMs: 0, settleMs: -1 };

// Durations parsed once per playbook object (a reload builds new objects).
const timings = new WeakMap<Playbook, { windowMs: number; settleMs: number }>();

function timingOf(playbook: Playbook): { windowMs: number; settleMs: number } {
  let t = timings.get(playbook);
  if (!t) {
    t = {
      windowMs: parseDuration(playbook.correlation.window) ?? 0,
      settleMs: parseDuration(playbook.correlation.settle) ?? 0,
    };
    timings.set(playbook, t);
  }
  return t;
}

export function correlationOf(playbook: Playbook | undefined, alerts: readonly Alert[]): GroupCorrelation {
  if (!playbook) return NONE;
  const { windowMs, settleMs } = timingOf(playbook);
  const { enabled, key } = playbook.correlation;
  const values = enabled && windowMs > 0 ? keyValues(key, alerts) : undefined;
  if (!values) return { ...NONE, settleMs };
  const matched: Record<string, string> = {};
  key.forEach((label, i) => {
    matched[label] = values[i] as string;
  });
  return {
    // Redis keys are binary-safe; JSON keeps label values with any characters unambiguous.
    key: `${playbook.id}:${JSON.stringify([key, values])}`,
    descriptionJSON: JSON.stringify(matched),
    windowMs,
    settleMs,
  };
}

/** The key labels' values, when every alert has them all and they agree. */
function keyValues(key: readonly string[], alerts: readonly Alert[]): string[] | undefined {
  const first = alerts[0];
  if (!first) return undefined;
  const values: string[] = [];
  for (const label of key) {
    const v = Object.hasOwn(first.labels, label) ? first.labels[label] : undefined;
    if (v === undefined || v === '') return undefined;
    values.push(v);
  }
  for (let i = 1; i < alerts.length; i++) {
    const labels = (alerts[i] as Alert).labels;
    for (let j = 0; j < key.length; j++) {
      if (labels[key[j] as string] !== values[j]) return undefined;
    }
  }
  return values;
}

/** What the incident records of a sender group, pre-encoded for the script. */
export function senderJSON(source: string, group: string, externalURL: unknown): string {
  let json = `{"source":${JSON.stringify(source)},"group":${JSON.stringify(group)}`;
  if (typeof externalURL === 'string' && externalURL !== '')
    json += `,"externalURL":${JSON.stringify(externalURL)}`;
  return `${json}}`;
}
