// Which alerts a silence for an incident covers: the labels every alert of the incident shares
// (its identity: namespace, service, job, the pod when there is one alert …) and its alert
// names — one name as `alertname="X"`, several (a correlated incident) as `alertname=~"A|B"`.
// Severity is left out on purpose: it says how bad, not which problem, and a silence must
// still hold when a warning escalates to critical.
import type { SilenceMatcher } from '../integrations/alertmanager/schema.js';

const NOT_IDENTIFYING = new Set(['severity', 'alertname']);

/** Alertmanager regexes are RE2, anchored by Alertmanager itself. */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function silenceMatchers(
  alerts: readonly { name: string; labels: Record<string, string> }[],
): SilenceMatcher[] {
  if (alerts.length === 0) return [];
  const names = [...new Set(alerts.map((a) => a.labels.alertname ?? a.name))].sort();
  const [first, ...rest] = alerts as [(typeof alerts)[0], ...typeof alerts];
  const common = Object.entries(first.labels).filter(
    ([k, v]) => !NOT_IDENTIFYING.has(k) && rest.every((a) => Object.hasOwn(a.labels, k) && a.labels[k] === v),
  );
  const matchers: SilenceMatcher[] =
    names.length === 1
      ? [{ name: 'alertname', value: names[0] as string, isRegex: false, isEqual: true }]
      : [{ name: 'alertname', value: names.map(escapeRegex).join('|'), isRegex: true, isEqual: true }];
  for (const [name, value] of common.sort(([a], [b]) => a.localeCompare(b))) {
    // An empty value matches alerts without the label too: too broad to silence by.
    if (value !== '') matchers.push({ name, value, isRegex: false, isEqual: true });
  }
  return matchers;
}

/** `alertname=~"A|B", namespace="x"`, for messages. */
export function describeMatchers(matchers: readonly SilenceMatcher[]): string {
  return matchers.map((m) => `${m.name}${m.isRegex ? '=~' : '='}${JSON.stringify(m.value)}`).join(', ');
}
