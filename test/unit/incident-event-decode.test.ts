// The hand-written check that decodes outbox events on the hot path must agree with the zod
// schema: every event it accepts decodes to what zod gives, and anything it refuses still goes
// through zod, so a bad event is refused with zod's description.
import { describe, expect, it } from 'vitest';
import { looksLikeIncidentEvent } from '../../src/incidents/event-decode.js';
import { IncidentEventPayload, parseIncidentEvent, scriptEvent } from '../../src/incidents/events.js';

const base = {
  incidentId: 'inc-1',
  playbookId: 'kafka',
  source: 'alertmanager',
  group: '{}:{alertname="Lag"}',
  title: 'Lag',
  at: 1_764_000_000_000,
  alerts: [
    {
      fingerprint: 'fp1',
      name: 'Lag',
      status: 'firing',
      startsAt: 1_764_000_000_000,
      severity: 'page',
      summary: 's',
    },
    {
      fingerprint: 'fp2',
      name: 'Lag2',
      status: 'resolved',
      startsAt: 1_764_000_000_000,
      endsAt: 1_764_000_060_000,
    },
  ],
};
const ref = { url: 'http://am', id: 's1' };
const samples: Record<string, unknown>[] = [
  { type: 'opened', ...base, trigger: 'label playbook' },
  { type: 'opened', ...base, playbookId: null, trigger: null },
  { type: 'alert-added', ...base },
  { type: 'alert-added', ...base, joined: { key: { namespace: 'prod' } } },
  { type: 'alert-added', ...base, joined: { key: null } },
  { type: 'repeated', ...base, repeats: 3 },
  { type: 'alert-resolved', ...base, firing: 1 },
  { type: 'alert-resolved', ...base, firing: 1, truncatedAlerts: 2 },
  { type: 'resolved', ...base, startedAt: 1, resolvedAt: 2, durationMs: 1 },
  { type: 'resolved', ...base, alerts: [], startedAt: 1, resolvedAt: 2, durationMs: 1, reason: 'stale' },
  { type: 'resolved', ...base, startedAt: 1, resolvedAt: 2, durationMs: 1, resolvedBy: 'U0BOB' },
  { type: 'rediagnose', ...base, newNames: ['Lag2'], firingNames: ['Lag', 'Lag2'] },
  { type: 'acknowledged', ...base, by: 'U0ALICE', previous: null },
  {
    type: 'silenced',
    ...base,
    by: 'U0ALICE',
    silences: [ref],
    endsAt: 5,
    matchers: [{ name: 'alertname', value: 'Lag', isRegex: false }],
    comment: 'c',
  },
  { type: 'silence-ended', ...base, silence: ref, reason: 'expired-by', by: 'U0BOB' },
  { type: 'silence-ended', ...base, silence: ref, reason: 'expired', by: null },
];

const viaZod = (raw: unknown) => ({ ...IncidentEventPayload.parse(raw), streamId: '1-0' });

/** Every field of the sample (and of its first alert) replaced by values of the wrong kind. */
function* broken(sample: Record<string, unknown>): Generator<unknown> {
  const wrong = [undefined, null, 'x', 1, true, [], {}];
  for (const key of [...Object.keys(sample), 'type']) {
    for (const w of wrong) yield { ...sample, [key]: w };
  }
  const [first] = sample.alerts as Record<string, unknown>[];
  for (const key of Object.keys(first ?? {})) {
    for (const w of wrong) yield { ...sample, alerts: [{ ...first, [key]: w }] };
  }
  yield { ...sample, type: 'constructor' };
  yield { ...sample, type: '__proto__' };
}

describe('incident event decoding', () => {
  it.each(samples.map((s) => [`${s.type} ${Object.keys(s).length}`, s]))(
    '%s: the fast path gives what zod gives',
    (_, sample) => {
      expect(looksLikeIncidentEvent(sample)).toBe(true);
      const json = JSON.stringify(sample);
      expect(parseIncidentEvent('1-0', json)).toEqual(viaZod(sample));
      expect(scriptEvent('1-0', json)).toEqual(viaZod(sample));
    },
  );

  it('accepts nothing zod refuses, and refuses it with zod’s error', () => {
    let refused = 0;
    for (const sample of samples) {
      for (const bad of broken(sample)) {
        const zod = IncidentEventPayload.safeParse(bad);
        if (looksLikeIncidentEvent(bad)) {
          expect(zod.success, JSON.stringify(bad)).toBe(true);
          continue;
        }
        if (zod.success) continue; // the check may be stricter; zod then decides
        refused++;
        expect(() => parseIncidentEvent('1-0', JSON.stringify(bad) ?? 'null')).toThrow(/expected|Invalid/);
      }
    }
    expect(refused).toBeGreaterThan(200);
  });
});
