// The alerts of bench/intake.ts, the same for every server: groups of N alerts (N = 1 or 20 per
// scenario), each alert with the labels and annotations a Prometheus rule gives it. perfbot gets
// them as an Alertmanager v4 webhook notification (one group per request), Alertmanager as the
// JSON array of postable alerts of `POST /api/v2/alerts`, the bare server either (it only reads).
//
// Bodies come from templates with the group's id spliced in by one replaceAll: the load
// generator shares the 2 cores with the servers, so building a body must cost next to nothing.

export type Target = 'webhook' | 'alertmanager-v2';

const NAMES = [
  ['HighLatency', 'data-pipeline', 'normalization-service'],
  ['HighCPUUsage', 'data-pipeline', 'enrichment-service'],
  ['HighMemoryUsage', 'data-pipeline', 'clickhouse'],
  ['S3SentinelProcessingLatencyHigh', 'sentinel-connector', 's3-sentinel-connector'],
  ['DiskAlmostFull', '', 'node-exporter'],
] as const;

const SLOT = '@@GROUP@@';

/** The group's id in labels, fingerprints and group keys: unique per run and group. */
export const groupId = (run: string, g: number): string => `${run}-${g.toString(36)}`;

/** The webhook's groupKey of group g (what perfbot keys its incidents by). */
export function groupKey(run: string, g: number): string {
  const [name, , service] = NAMES[g % NAMES.length] as (typeof NAMES)[number];
  return `{}:{alertname="${name}", service="${service}", shard="${groupId(run, g)}"}`;
}

/** The fingerprint of alert i of group g. */
export const fingerprint = (run: string, g: number, i: number): string => `${groupId(run, g)}-${i}`;

interface TimeFrame {
  startsAt: string;
  endsAt: string;
}

function alerts(nameIndex: number, size: number, resolved: boolean, t: TimeFrame, target: Target) {
  const [name, playbook, service] = NAMES[nameIndex] as (typeof NAMES)[number];
  const list = [];
  for (let i = 0; i < size; i++) {
    const pod = `${service}-${SLOT}-${i}`;
    const common = {
      labels: {
        alertname: name,
        namespace: 'data-processing',
        service,
        pod,
        severity: 'warning',
        shard: SLOT,
        ...(playbook ? { playbook } : {}),
      },
      annotations: {
        summary: `${name} on ${pod}`,
        description: `${pod} crossed its threshold; see the ${playbook || 'default'} runbook.`,
      },
      startsAt: t.startsAt,
      generatorURL: `http://prometheus-0:9090/graph?g0.expr=${encodeURIComponent(`${name}{service="${service}"}`)}&g0.tab=1`,
    };
    list.push(
      target === 'webhook'
        ? {
            status: resolved ? 'resolved' : 'firing',
            ...common,
            endsAt: resolved ? t.endsAt : '0001-01-01T00:00:00Z',
            fingerprint: `${SLOT}-${i}`,
          }
        : // Prometheus sends firing alerts without an end (Alertmanager applies resolve_timeout).
          { ...common, ...(resolved ? { endsAt: t.endsAt } : {}) },
    );
  }
  return list;
}

function template(nameIndex: number, size: number, resolved: boolean, t: TimeFrame, target: Target): string {
  const list = alerts(nameIndex, size, resolved, t, target);
  if (target === 'alertmanager-v2') return JSON.stringify(list);
  const [name, , service] = NAMES[nameIndex] as (typeof NAMES)[number];
  return JSON.stringify({
    receiver: 'perfbot',
    status: resolved ? 'resolved' : 'firing',
    alerts: list,
    groupLabels: { alertname: name, service },
    commonLabels: { alertname: name, service, namespace: 'data-processing', severity: 'warning' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager-0:9093',
    version: '4',
    groupKey: `{}:{alertname="${name}", service="${service}", shard="${SLOT}"}`,
    truncatedAlerts: 0,
  });
}

/** body(g, resolved): the request body for group g, firing or resolved. */
export function bodies(
  target: Target,
  size: number,
  run: string,
  t: TimeFrame,
): (g: number, resolved: boolean) => string {
  const firing = NAMES.map((_, n) => template(n, size, false, t, target));
  const resolvedT = NAMES.map((_, n) => template(n, size, true, t, target));
  return (g, resolved) =>
    ((resolved ? resolvedT : firing)[g % NAMES.length] as string).replaceAll(SLOT, groupId(run, g));
}
