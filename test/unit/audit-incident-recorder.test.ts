// Which audit entries an incident event stands for: one alert.received per event listing every
// alert of it (firing ones when it opens or grows, resolved ones when they resolve), and how the
// timeline tells such an entry (and the one-alert entries of older trails).
import { describe, expect, it } from 'vitest';
import { auditEntriesFor } from '../../src/audit/incident-recorder.js';
import { parseIncidentEvent } from '../../src/incidents/events.js';
import { describeEntry } from '../../src/timeline/describe.js';

const alert = (name: string, status: 'firing' | 'resolved', n = 0) => ({
  fingerprint: `fp-${name}-${n}`,
  name,
  status,
  startsAt: Date.UTC(2026, 0, 1, 12, n),
});
const event = (payload: Record<string, unknown>) =>
  parseIncidentEvent(
    '5-0',
    JSON.stringify({
      incidentId: 'inc-1',
      playbookId: 'kafka',
      source: 'alertmanager',
      group: 'g',
      title: 'Lag',
      at: Date.UTC(2026, 0, 1, 12, 30),
      ...payload,
    }),
  );
const ctx = { previews: new Map(), reverts: new Map() };

describe('auditEntriesFor', () => {
  it('an opened incident: incident.opened, then one alert.received listing its firing alerts', () => {
    const alerts = [alert('Lag', 'firing', 1), alert('Lag', 'firing', 2), alert('Old', 'resolved')];
    const entries = auditEntriesFor(event({ type: 'opened', trigger: 'label', alerts }));
    expect(entries.map((e) => e.event)).toEqual(['incident.opened', 'alert.received']);
    expect(entries[1]).toEqual({
      actor: 'alertmanager',
      event: 'alert.received',
      incident: 'inc-1',
      details: {
        playbook: 'kafka',
        group: 'g',
        event: '5-0',
        status: 'firing',
        alerts: [
          { alert: 'Lag', fingerprint: 'fp-Lag-1', startsAt: '2026-01-01T12:01:00.000Z' },
          { alert: 'Lag', fingerprint: 'fp-Lag-2', startsAt: '2026-01-01T12:02:00.000Z' },
        ],
      },
    });
  });

  it('resolution: the resolved alerts in one entry before incident.resolved; none without alerts', () => {
    const resolved = { type: 'resolved', startedAt: 1, resolvedAt: 2, durationMs: 1 };
    const entries = auditEntriesFor(
      event({ ...resolved, alerts: [alert('Lag', 'resolved', 1), alert('Lag2', 'resolved', 2)] }),
    );
    expect(entries.map((e) => e.event)).toEqual(['alert.received', 'incident.resolved']);
    expect(entries[0]?.details).toMatchObject({
      status: 'resolved',
      alerts: [{ fingerprint: 'fp-Lag-1' }, { fingerprint: 'fp-Lag2-2' }],
    });
    const stale = auditEntriesFor(event({ ...resolved, alerts: [], reason: 'stale' }));
    expect(stale.map((e) => e.event)).toEqual(['incident.resolved']);
    expect(auditEntriesFor(event({ type: 'alert-added', alerts: [alert('X', 'resolved')] }))).toEqual([]);
  });
});

describe('timeline text of alert.received', () => {
  const describeDetails = (details: Record<string, unknown>) =>
    describeEntry({ event: 'alert.received', actor: 'alertmanager', details }, ctx);

  it('one alert: as before', () => {
    const one = { status: 'firing', alerts: [{ alert: 'Lag', startsAt: '2026-01-01T12:01:00.000Z' }] };
    expect(describeDetails(one)).toEqual({
      phase: 'detection',
      text: 'Alert Lag firing (since 2026-01-01T12:01:00.000Z), from alertmanager',
    });
    // An entry of an older trail (one per alert).
    expect(describeDetails({ alert: 'Lag', status: 'resolved' })).toEqual({
      phase: 'recovery',
      text: 'Alert Lag resolved, from alertmanager',
    });
  });

  it('several alerts: counted by name, the earliest start, at most ten names', () => {
    const alerts = [
      { alert: 'Lag', startsAt: '2026-01-01T12:05:00.000Z' },
      { alert: 'Lag', startsAt: '2026-01-01T12:01:00.000Z' },
      { alert: 'Disk' },
    ];
    expect(describeDetails({ status: 'firing', alerts }).text).toBe(
      '3 alerts firing: Lag ×2, Disk (since 2026-01-01T12:01:00.000Z), from alertmanager',
    );
    const many = Array.from({ length: 12 }, (_, i) => ({ alert: `A${i}` }));
    expect(describeDetails({ status: 'resolved', alerts: many }).text).toBe(
      '12 alerts resolved: A0, A1, A2, A3, A4, A5, A6, A7, A8, A9 and 2 more, from alertmanager',
    );
  });
});
