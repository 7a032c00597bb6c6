// An incident as chat messages: the root message (severity, alert, service, namespace,
// summary, runbook link, counters, owner, silences, joined groups and the incident buttons
// (incident-controls.ts) — edited in place as alerts repeat and resolve), the digest
// root an alert storm gets instead of one root per incident, and the resolution reply.
import type { Incident, IncidentAlert } from '../incidents/types.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import {
  actionsPart,
  by,
  groupsPart,
  ownerText,
  type SilenceView,
  silencesPart,
} from './incident-controls.js';
import {
  type ChatMessage,
  fields,
  formatAge,
  heading,
  type Item,
  link,
  list,
  mention,
  note,
  type Part,
  rich,
  TONE_MARK,
  type Tone,
  text,
} from './message.js';

const SEVERITY_ORDER = ['critical', 'error', 'high', 'warning', 'warn', 'medium', 'info', 'low', 'none'];

export function severityOf(incident: Pick<Incident, 'alerts'>): string {
  const all = incident.alerts.map((a) => (a.labels.severity ?? '').toLowerCase()).filter(Boolean);
  if (all.length === 0) return 'unknown';
  return all.sort((a, b) => rank(a) - rank(b))[0] as string;
}

function rank(severity: string): number {
  const i = SEVERITY_ORDER.indexOf(severity);
  return i === -1 ? SEVERITY_ORDER.length : i;
}

export function severityTone(severity: string): Tone {
  if (['critical', 'error', 'high', 'page'].includes(severity)) return 'critical';
  if (['warning', 'warn', 'medium'].includes(severity)) return 'warn';
  return 'info';
}

/** The label a person would call "the service": service, then app, job, container. */
function label(alerts: readonly IncidentAlert[], ...names: string[]): string | undefined {
  const values = new Set<string>();
  for (const n of names) {
    for (const a of alerts) if (a.labels[n]) values.add(a.labels[n] as string);
    if (values.size > 0) break;
  }
  if (values.size === 0) return undefined;
  const shown = [...values].slice(0, 3);
  return values.size > 3 ? `${shown.join(', ')} and ${values.size - 3} more` : shown.join(', ');
}

function runbookUrl(incident: Incident, playbook: LoadedPlaybook | undefined): string | undefined {
  for (const a of incident.alerts) {
    const url = a.annotations.runbook_url ?? a.annotations.runbook;
    if (url && /^https?:\/\//.test(url)) return url;
  }
  return playbook?.runbook && /^https?:\/\//.test(playbook.runbook) ? playbook.runbook : undefined;
}

function alertItem(a: IncidentAlert): Item {
  const where = a.labels.instance ?? a.labels.pod ?? a.labels.service ?? a.labels.job;
  const repeats = a.repeats > 0 ? ` · repeated ${a.repeats}×` : '';
  return {
    text: `${a.name}${where ? ` — ${where}` : ''}`,
    tone: a.status === 'firing' ? severityTone((a.labels.severity ?? '').toLowerCase()) : 'ok',
    detail: `${a.status}${repeats}${a.annotations.summary ? ` · ${a.annotations.summary}` : ''}`,
  };
}

export function counterLine(
  i: Pick<Incident, 'alertCount' | 'firingCount' | 'repeats' | 'truncatedAlerts'>,
): string {
  const repeats = i.repeats > 0 ? ` · ${i.repeats} ${i.repeats === 1 ? 'repeat' : 'repeats'}` : '';
  // issue 17: alerts Alertmanager left out (max_alerts) may still fire, so "0 firing" is not "done".
  const hidden = i.truncatedAlerts
    ? ` · ${i.truncatedAlerts} more not shown by Alertmanager (max_alerts)`
    : '';
  return `${i.firingCount} of ${i.alertCount} ${i.alertCount === 1 ? 'alert' : 'alerts'} firing${repeats}${hidden}`;
}

export function rootMessage(
  incident: Incident,
  playbook: LoadedPlaybook | undefined,
  now: Date,
  /** The incident's silences (src/incidents/silences.ts list), for the root's silence lines. */
  silences: readonly SilenceView[] = [],
): ChatMessage {
  const severity = severityOf(incident);
  const resolved = incident.status === 'resolved';
  const names = [...new Set(incident.alerts.map((a) => a.name))];
  const status = resolved
    ? `resolved after ${formatAge(incident.durationMs ?? 0)}`
    : `open ${formatAge(now.getTime() - Date.parse(incident.openedAt))} · ${counterLine(incident)}`;
  const summary = summaryOf(incident);
  const parts: Part[] = [
    heading(
      `${resolved ? 'Resolved: ' : `${severity.toUpperCase()}: `}${incident.title}`,
      resolved ? 'ok' : severityTone(severity),
    ),
    fields({
      Severity: severity,
      Alert:
        names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', '),
      Service: label(incident.alerts, 'service', 'app', 'job', 'container') ?? '—',
      Namespace:
        label(incident.alerts, 'namespace', 'exported_namespace') ?? playbook?.target.namespace ?? '—',
      Playbook: playbook ? `${playbook.title} (${playbook.id})` : 'no playbook matched',
      Status: status,
      Owner: ownerText(incident, now),
      'Resolved by': incident.resolvedBy ? [by(incident.resolvedBy)] : undefined,
    }),
  ];
  if (summary) parts.push(text(summary));
  const manual = manualResolution(incident);
  if (manual) parts.push(note(manual));
  if (incident.alerts.length > 1 || resolved) {
    const sorted = [...incident.alerts].sort(
      (a, b) => Number(a.status === 'resolved') - Number(b.status === 'resolved'),
    );
    parts.push(list(sorted.map(alertItem), `Alerts (${counterLine(incident)})`));
  }
  const lifecycle = [groupsPart(incident), resolved ? undefined : silencesPart(silences)];
  for (const part of lifecycle) if (part) parts.push(part);
  const runbook = runbookUrl(incident, playbook);
  if (runbook) parts.push(link('Runbook', runbook));
  parts.push(note(`${incident.id} · ${incident.source} · opened ${incident.openedAt}`));
  const actions = actionsPart(incident, playbook, silences);
  if (actions) parts.push(actions);
  return {
    summary: `${resolved ? 'Resolved' : severity.toUpperCase()}: ${incident.title} — ${status}`,
    parts,
    terminal: { show: 'line', line: eventLine(incident, playbook), label: incidentLabel(incident) },
  };
}

/**
 * issue 17: an open incident of a kind whose sender never says it ended (Azure activity log,
 * budgets …) says so wherever its state is shown — root, digest line, terminal line — so people
 * know to resolve it by hand.
 */
export function manualResolution(incident: Pick<Incident, 'alerts' | 'status'>): string | undefined {
  if (incident.status === 'resolved') return undefined;
  return incident.alerts.map((a) => a.annotations.resolution).find(Boolean);
}

/** How the terminal names an incident above its thread's messages. */
export function incidentLabel(incident: Pick<Incident, 'id' | 'title'>): string {
  return `${incident.title} (${incident.id})`;
}

/**
 * The incident's state in one line, without its age: the terminal prints it when the incident
 * opens and again only when an event changed it (an alert added, a repeat, resolution).
 */
export function eventLine(incident: Incident, playbook: LoadedPlaybook | undefined): string {
  const severity = severityOf(incident);
  const where = `${playbook ? `playbook ${playbook.id}` : 'no playbook matched'} · ${incident.id}`;
  if (incident.status === 'resolved')
    return `${TONE_MARK.ok} Resolved: ${incident.title} — after ${formatAge(incident.durationMs ?? 0)} · ${where}`;
  const said = summaryOf(incident)?.replace(/\s+/g, ' ').trim();
  const summary = said ? ` — ${said.length > 120 ? `${said.slice(0, 119)}…` : said}` : '';
  const manual = manualResolution(incident);
  return `${TONE_MARK[severityTone(severity)]} ${severity.toUpperCase()}: ${incident.title}${summary} — ${counterLine(incident)}${manual ? ` · ${manual}` : ''} · ${where}`;
}

/** What the alerts say about themselves: the first summary (or description). */
function summaryOf(incident: Pick<Incident, 'alerts'>): string | undefined {
  return incident.alerts.map((a) => a.annotations.summary ?? a.annotations.description).find(Boolean);
}

/** One root for several incidents that arrived while the channel was busy. */
export function digestMessage(
  incidents: readonly { incident: Incident; playbook: LoadedPlaybook | undefined }[],
  now: Date,
): ChatMessage {
  const open = incidents.filter((x) => x.incident.status === 'open').length;
  const items: Item[] = incidents.map(({ incident, playbook }) => {
    const sev = severityOf(incident);
    const resolved = incident.status === 'resolved';
    return {
      text: `${resolved ? 'Resolved' : sev.toUpperCase()}: ${incident.title} — ${playbook?.id ?? 'no playbook'}`,
      tone: resolved ? 'ok' : severityTone(sev),
      detail: resolved
        ? `${incident.id} · resolved after ${formatAge(incident.durationMs ?? 0)} · ${incident.alertCount} alerts`
        : [
            incident.id,
            `open ${formatAge(now.getTime() - Date.parse(incident.openedAt))}`,
            counterLine(incident),
            manualResolution(incident),
          ]
            .filter(Boolean)
            .join(' · '),
    };
  });
  const alerts = incidents.reduce((n, x) => n + x.incident.alertCount, 0);
  const names = incidents.map((x) => x.incident.title);
  const shown =
    names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return {
    summary: `${incidents.length} incidents (${open} open, ${alerts} alerts)`,
    terminal: {
      show: 'line',
      line: `${TONE_MARK[open > 0 ? 'critical' : 'ok']} ${incidents.length} incidents at once (${open} open): ${shown}`,
    },
    parts: [
      heading(`${incidents.length} incidents at once (${open} open)`, open > 0 ? 'critical' : 'ok'),
      text(
        `${alerts} alerts in ${incidents.length} incidents arrived together; each incident's diagnosis follows in this thread.`,
      ),
      list(items),
    ],
  };
}

export function resolvedReply(incident: Incident): ChatMessage {
  if (incident.closedReason === 'stale') {
    const line = `Closed as stale: ${incident.title} — no alert arrived since ${incident.updatedAt}.`;
    return { summary: line, parts: [text(line, 'warn')] };
  }
  const line = `Resolved: ${incident.title} — all ${incident.alertCount} ${incident.alertCount === 1 ? 'alert' : 'alerts'} resolved after ${formatAge(incident.durationMs ?? 0)}.`;
  // The terminal already printed the root's "Resolved" line for this event.
  return { summary: line, parts: [text(line, 'ok')], terminal: { show: 'none' } };
}

/** The root of a `/perf diagnose` thread: who asked, for what. */
export function manualRootMessage(input: {
  playbook: LoadedPlaybook;
  namespace: string;
  requester: string;
  id: string;
}): ChatMessage {
  const { playbook } = input;
  const summary = rich`Diagnosis of ${playbook.title} in ${input.namespace}, requested by ${mention(input.requester)}`;
  return {
    summary,
    terminal: {
      show: 'line',
      line: `${TONE_MARK.info} Diagnosis of ${playbook.title} in ${input.namespace} requested by @${input.requester} · ${input.id}`,
      label: `${playbook.title} (${input.id})`,
    },
    parts: [
      heading(`Diagnosis: ${playbook.title}`, 'info'),
      fields({
        'Requested by': [mention(input.requester)],
        Namespace: input.namespace,
        Playbook: `${playbook.title} (${playbook.id})`,
        Checks: String(playbook.checks.length),
      }),
      note(`${input.id} · progress, report and proposals follow in this thread`),
    ],
  };
}
