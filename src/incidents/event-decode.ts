// Decoding outbox events cheaply. Every consumer group (response, remediation, audit, chat)
// decodes every event, and our own Lua scripts wrote them, so the common case is a valid event:
// it gets JSON.parse plus a structural check written out by hand, which costs a fraction of the
// zod schema (the profile of issue 16 had zod at ~5% of the busy time under an alert storm).
// Only an event that fails the check goes through zod, whose error then names the problem —
// the check accepts nothing the schema would refuse, so both paths give the same result.

const SOURCES = new Set(['alertmanager', 'azure-monitor', 'cloudwatch']);
const STATUSES = new Set(['firing', 'resolved']);

type Check = (v: unknown) => boolean;
const string: Check = (v) => typeof v === 'string';
const number: Check = (v) => typeof v === 'number';
const boolean: Check = (v) => typeof v === 'boolean';
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);
const nullable =
  (c: Check): Check =>
  (v) =>
    v === null || c(v);
const oneOf =
  (values: Set<string>): Check =>
  (v) =>
    typeof v === 'string' && values.has(v);
const arrayOf =
  (c: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(c);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const shape =
  (fields: Record<string, Check>): Check =>
  (v) => {
    if (!isObject(v)) return false;
    for (const k in fields) if (!(fields[k] as Check)(v[k])) return false;
    return true;
  };

const alert = shape({
  fingerprint: string,
  name: string,
  severity: optional(string),
  summary: optional(string),
  status: oneOf(STATUSES),
  startsAt: number,
  endsAt: optional(number),
});
const silenceRef = shape({ url: string, id: string });
const stringMap: Check = (v) => isObject(v) && Object.values(v).every(string);

const base = shape({
  incidentId: string,
  playbookId: nullable(string),
  source: oneOf(SOURCES),
  group: string,
  title: string,
  at: number,
  alerts: arrayOf(alert),
});

/** The fields each event type adds to the base, as IncidentEventPayload (events.ts) has them. */
const byType = new Map<string, Check>(
  Object.entries({
    opened: shape({ trigger: nullable(string) }),
    'alert-added': shape({ joined: optional(shape({ key: nullable(stringMap) })) }),
    repeated: shape({ repeats: number }),
    'alert-resolved': shape({ firing: number, truncatedAlerts: optional(number) }),
    resolved: shape({
      startedAt: number,
      resolvedAt: number,
      durationMs: number,
      reason: optional((v) => v === 'stale'),
      resolvedBy: optional(string),
    }),
    rediagnose: shape({ newNames: arrayOf(string), firingNames: arrayOf(string) }),
    acknowledged: shape({ by: string, previous: nullable(string) }),
    silenced: shape({
      by: string,
      silences: arrayOf(silenceRef),
      endsAt: number,
      matchers: arrayOf(shape({ name: string, value: string, isRegex: boolean })),
      comment: string,
    }),
    'silence-ended': shape({
      silence: silenceRef,
      reason: oneOf(new Set(['expired', 'deleted', 'expired-by'])),
      by: nullable(string),
    }),
  }),
);

/** Whether a parsed event has the shape IncidentEventPayload accepts. */
export function looksLikeIncidentEvent(v: unknown): boolean {
  if (!isObject(v) || typeof v.type !== 'string') return false;
  const rest = byType.get(v.type);
  return rest !== undefined && base(v) && rest(v);
}
