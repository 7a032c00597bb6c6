// Reads one incident's entries from the audit trail, then verifies the whole chain they belong
// to (read first, so every entry read was in the chain that verified) and recomputes each
// entry's own hash. The timeline carries the verdict and says it at the top of every rendering.
import { hashRecord } from '../audit/hash.js';
import type { TrailFilter } from '../audit/trail.js';
import type { AuditEntry, VerifyResult } from '../audit/types.js';
import { InvalidInputError } from '../errors.js';
import { buildTimeline } from './build.js';
import type { ChainCheck, Timeline } from './types.js';

export interface TimelineTrail {
  readTrail(filter?: TrailFilter): Promise<AuditEntry[]>;
  verifyTrail(): Promise<VerifyResult>;
}

/** What `/perf timeline` and `perfbot timeline` need; undefined when the incident has no entries. */
export interface TimelineSource {
  timeline(incidentId: string): Promise<Timeline | undefined>;
}

const INCIDENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function auditTimelineSource(
  trail: TimelineTrail,
  now: () => Date = () => new Date(),
): TimelineSource {
  return { timeline: (incidentId) => readTimeline(trail, incidentId, now) };
}

export async function readTimeline(
  trail: TimelineTrail,
  incidentId: string,
  now: () => Date = () => new Date(),
): Promise<Timeline | undefined> {
  if (!INCIDENT_ID.test(incidentId)) {
    throw new InvalidInputError('incident', 'incident ID: letters, digits, ".", "_", "-" only');
  }
  const entries = await trail.readTrail({ incident: incidentId });
  if (entries.length === 0) return undefined;
  const verified = await trail.verifyTrail();
  return buildTimeline(incidentId, entries, chainCheck(entries, verified, now()));
}

export function chainCheck(entries: readonly AuditEntry[], verified: VerifyResult, at: Date): ChainCheck {
  const edited = entries.find((e) => {
    const record = {
      time: e.time,
      actor: e.actor,
      event: e.event,
      ...(e.incident ? { incident: e.incident } : {}),
      ...(e.proposal ? { proposal: e.proposal } : {}),
      details: e.details,
    };
    return hashRecord(e.prevHash, record) !== e.hash;
  });
  const base = { count: verified.count, entriesChecked: entries.length, checkedAt: at.toISOString() };
  if (!verified.ok) {
    const p = verified.problem;
    return {
      ...base,
      ok: false,
      problem: p,
      summary: `Audit chain BROKEN at entry ${p.id}${p.time ? ` (${p.time})` : ''}: ${p.reason}. ${verified.count} entries before it verified; this record may be incomplete or altered.`,
    };
  }
  if (edited) {
    const reason = 'its content does not match its hash: the entry was edited';
    return {
      ...base,
      ok: false,
      problem: { id: edited.id, time: edited.time, reason },
      summary: `Audit entry ${edited.id} of this incident is damaged (${reason}); this record may be altered.`,
    };
  }
  return {
    ...base,
    ok: true,
    summary: `Audit chain verified at ${base.checkedAt}: ${verified.count} entries intact, including the ${entries.length} of this incident.`,
  };
}
