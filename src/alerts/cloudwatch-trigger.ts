// What made a CloudWatch alarm change state, as labels (for playbook triggers) and annotations
// (for people). Three shapes reach SNS
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html):
// - a metric alarm: `Trigger` names one metric (Namespace, MetricName, Dimensions, Statistic);
// - a metric-math alarm: `Trigger.Metrics` lists metrics (`MetricStat`) and expressions;
// - a composite alarm: no `Trigger`, but `AlarmRule` and the `TriggeringChildren` alarms.
import { isObject, type JsonObject } from './read.js';

type Put = (key: string, value: unknown) => void;

/** A metric alarm with one metric: labels `namespace`, `metric`, `statistic` and its dimensions. */
export function singleMetric(trigger: JsonObject, put: Put, note: Put): void {
  put('namespace', trigger.Namespace);
  put('metric', trigger.MetricName);
  put('statistic', trigger.Statistic ?? trigger.ExtendedStatistic);
  dimensions(trigger.Dimensions, put);
  note('statistic', trigger.Statistic ?? trigger.ExtendedStatistic);
}

/**
 * A metric-math alarm. Each metric `m` of the expression keeps its own labels `m.namespace`,
 * `m.metric`, `m.stat` and `m.<dimension>` (ids are unique within the alarm). The plain labels
 * (`namespace`, `metric`, `statistic`, dimension names) carry the values of all metrics, comma
 * separated and without repeats, so a trigger written for single-metric alarms still matches
 * when every metric of the expression shares the value (one namespace, one bucket …).
 */
export function metricMath(metrics: unknown[], put: Put, note: Put): void {
  const plain = new Map<string, string[]>();
  const add = (key: string, value: unknown) => {
    if (typeof value !== 'string' || value === '') return;
    const list = plain.get(key) ?? [];
    if (!list.includes(value)) list.push(value);
    plain.set(key, list);
  };
  const described: string[] = [];
  for (const entry of metrics) {
    if (!isObject(entry)) continue;
    const id = typeof entry.Id === 'string' && entry.Id !== '' ? entry.Id : undefined;
    if (typeof entry.Expression === 'string') {
      described.push(`${id ?? '?'} = ${entry.Expression}${entry.Label ? ` (${entry.Label})` : ''}`);
      if (entry.ReturnData === true) note('expression', entry.Expression);
      continue;
    }
    const stat = isObject(entry.MetricStat) ? entry.MetricStat : undefined;
    const metric = stat && isObject(stat.Metric) ? stat.Metric : undefined;
    if (!id || !stat || !metric) continue;
    const dims: [string, string][] = [];
    if (Array.isArray(metric.Dimensions)) {
      for (const d of metric.Dimensions) {
        if (isObject(d) && typeof d.name === 'string' && typeof d.value === 'string')
          dims.push([d.name, d.value]);
      }
    }
    // Ours first: a dimension named "namespace" cannot replace the metric's namespace.
    put(`${id}.namespace`, metric.Namespace);
    put(`${id}.metric`, metric.MetricName);
    put(`${id}.stat`, stat.Stat);
    for (const [name, value] of dims) {
      put(`${id}.${name}`, value);
      add(name, value);
    }
    add('namespace', metric.Namespace);
    add('metric', metric.MetricName);
    add('statistic', stat.Stat);
    const where = dims.map(([n, v]) => `${n}=${v}`).join(', ');
    described.push(
      `${id} = ${metric.Namespace} ${metric.MetricName} ${stat.Stat} per ${stat.Period} s${where ? ` (${where})` : ''}`,
    );
  }
  for (const [key, values] of plain) put(key, values.join(','));
  note('metrics', described.join('; '));
}

/** A composite alarm: its rule, and the child alarms that made it change state. */
export function composite(alarm: JsonObject, put: Put, note: Put): void {
  note('alarmRule', alarm.AlarmRule);
  if (!Array.isArray(alarm.TriggeringChildren)) return;
  // Documented as [String]; sent as [{Arn, State: {Value, Timestamp}}].
  const names: string[] = [];
  const described: string[] = [];
  for (const child of alarm.TriggeringChildren) {
    const arn = typeof child === 'string' ? child : isObject(child) ? child.Arn : undefined;
    if (typeof arn !== 'string' || arn === '') continue;
    const name = arn.includes(':alarm:') ? arn.slice(arn.indexOf(':alarm:') + 7) : arn;
    names.push(name);
    const state = isObject(child) && isObject(child.State) ? child.State : undefined;
    described.push(state ? `${name} (${state.Value} since ${state.Timestamp})` : name);
  }
  put('triggeringChildren', names.join(','));
  note('triggeringChildren', described.join('; '));
}

function dimensions(list: unknown, put: Put): void {
  // CloudWatch writes dimensions as {value, name}; SNS keeps that shape.
  if (!Array.isArray(list)) return;
  for (const d of list) if (isObject(d) && typeof d.name === 'string') put(d.name, d.value);
}
