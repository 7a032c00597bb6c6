// Alert → playbook. The first playbook (catalog order) with a matching trigger wins, and the
// decision records which trigger matched, so a surprising routing can be explained from the
// incident. No match is a valid answer: the incident opens without a playbook.
import type { Alert } from '../alerts/schema.js';
import type { PlaybookCatalog } from './catalog.js';
import type { LoadedPlaybook, Trigger } from './schema.js';

export interface RouteDecision {
  playbook?: LoadedPlaybook;
  /** Index into the playbook's `triggers` and a readable form of that trigger. */
  trigger?: { index: number; description: string };
}

interface CompiledTrigger {
  playbook: LoadedPlaybook;
  index: number;
  description: string;
  alertname: string | undefined;
  labels: [string, string][];
  regexes: [string, RegExp][];
  source: Trigger['source'];
}

// Compiled once per catalog (a reload builds a new catalog, so the cache follows it).
const compiled = new WeakMap<PlaybookCatalog, CompiledTrigger[]>();

export function routeAlert(alert: Alert, catalog: PlaybookCatalog): RouteDecision {
  for (const t of compileCatalog(catalog)) {
    if (matches(t, alert)) {
      return { playbook: t.playbook, trigger: { index: t.index, description: t.description } };
    }
  }
  return {};
}

export function compileCatalog(catalog: PlaybookCatalog): CompiledTrigger[] {
  let list = compiled.get(catalog);
  if (!list) {
    list = [];
    for (const playbook of catalog.playbooks) {
      playbook.triggers.forEach((trigger, index) => {
        const regexes = compileRegexes(trigger);
        // The loader rejects bad regexes; one that slipped through never matches, not everything.
        if (regexes === undefined) return;
        list?.push({
          playbook,
          index,
          description: describeTrigger(trigger),
          alertname: trigger.alertname,
          labels: Object.entries(trigger.labels ?? {}),
          regexes,
          source: trigger.source,
        });
      });
    }
    compiled.set(catalog, list);
  }
  return list;
}

function compileRegexes(trigger: Trigger): [string, RegExp][] | undefined {
  try {
    // Anchored like Alertmanager's =~ matcher: the whole value must match.
    return Object.entries(trigger.match_re ?? {}).map(([k, re]) => [k, new RegExp(`^(?:${re})$`)]);
  } catch {
    return undefined;
  }
}

function matches(t: CompiledTrigger, alert: Alert): boolean {
  if (t.source !== undefined && t.source !== alert.source) return false;
  if (t.alertname !== undefined && t.alertname !== alert.name) return false;
  for (const [k, v] of t.labels) if (label(alert, k) !== v) return false;
  // A missing label is the empty string, as in Alertmanager (so `.*` matches it).
  for (const [k, re] of t.regexes) if (!re.test(label(alert, k) ?? '')) return false;
  return true;
}

// Own keys only: a trigger on label "constructor" must not see Object.prototype.
const label = (alert: Alert, key: string): string | undefined =>
  Object.hasOwn(alert.labels, key) ? alert.labels[key] : undefined;

/** `alertname="HighLatency", severity="critical", namespace=~"prod-.*", source="alertmanager"` */
export function describeTrigger(trigger: Trigger): string {
  const parts: string[] = [];
  if (trigger.alertname !== undefined) parts.push(`alertname=${JSON.stringify(trigger.alertname)}`);
  for (const [k, v] of Object.entries(trigger.labels ?? {})) parts.push(`${k}=${JSON.stringify(v)}`);
  for (const [k, v] of Object.entries(trigger.match_re ?? {})) parts.push(`${k}=~${JSON.stringify(v)}`);
  if (trigger.source !== undefined) parts.push(`source=${JSON.stringify(trigger.source)}`);
  return parts.join(', ');
}
