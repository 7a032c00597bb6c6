// How Prometheus results look in reports: series named like PromQL selectors, numbers short.

/** {a="1", b="2"} with __name__ in front as PromQL writes it: up{job="x"}. */
export function formatSeriesName(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  if (name) return inner ? `${name}{${inner}}` : name;
  return inner ? `{${inner}}` : '{}';
}

/** Four significant digits is plenty for a chat message; the raw value stays in `value`. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** An evidence row: the series' labels as columns (__name__ as `metric`) and its value. */
export function labelRow(labels: Record<string, string>, value: number): Record<string, string | number> {
  const row: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(labels)) row[k === '__name__' ? 'metric' : k] = v;
  row.value = value;
  return row;
}
