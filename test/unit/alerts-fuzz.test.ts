// Property: no body crashes a parser. Whatever arrives, a parser either returns alerts that
// satisfy the Alert schema or throws InvalidInputError naming a field; nothing else escapes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAlertmanager } from '../../src/alerts/alertmanager.js';
import { parseAzureMonitor } from '../../src/alerts/azure-monitor.js';
import { parseCloudWatchAlarm } from '../../src/alerts/cloudwatch.js';
import { Alert, type AlertBatch } from '../../src/alerts/schema.js';
import { parseSnsEnvelope } from '../../src/alerts/sns.js';
import { InvalidInputError } from '../../src/errors.js';
import { payload } from '../support/intake.js';

const opts = { now: () => new Date('2024-05-03T18:00:00Z') };
const sns = { topicArn: 'arn:aws:sns:eu-west-1:123456789012:t', messageId: 'm' };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function holds(run: () => AlertBatch | unknown): boolean {
  try {
    const out = run();
    if (out && typeof out === 'object' && 'alerts' in out) {
      for (const a of (out as AlertBatch).alerts) Alert.parse(a);
    }
    return true;
  } catch (err) {
    if (err instanceof InvalidInputError && typeof err.field === 'string' && err.field !== '') return true;
    throw err;
  }
}

/** Every path of a JSON document, so a mutation can hit any field at any depth. */
function paths(doc: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(doc)) {
    for (const [i, v] of doc.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (doc && typeof doc === 'object')
    for (const [k, v] of Object.entries(doc)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutate(doc: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const copy = structuredClone(doc) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined && Array.isArray(node)) node.splice(last as number, 1);
  else if (value === undefined) delete node[last];
  else node[last] = value;
  return copy as Json;
}

const oddValue: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc.constantFrom<Json>('', '0001-01-01T00:00:00Z', '2024-13-45T99:99:99Z', 'NaN', '1e400', '__proto__', []),
  fc.constantFrom<Json>({ __proto__: 'x' } as unknown as Json, { constructor: 1 }, -1, 1e308, 0),
);

function mutations(sample: Json): fc.Arbitrary<Json> {
  const all = paths(sample);
  return fc
    .array(fc.tuple(fc.integer({ min: 0, max: all.length - 1 }), oddValue), { minLength: 1, maxLength: 4 })
    .map((changes) => {
      let doc = sample;
      for (const [i, value] of changes) {
        try {
          doc = mutate(doc, all[i] as (string | number)[], value);
        } catch {
          // an earlier change removed this path's parent: skip it
        }
      }
      return doc;
    });
}

const runs = { numRuns: 400 };

describe('parsers never crash', () => {
  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        holds(() => parseAlertmanager(body, opts));
        holds(() => parseAzureMonitor(body, opts));
        holds(() => parseSnsEnvelope(body));
        holds(() => parseCloudWatchAlarm(JSON.stringify(body), sns));
        return true;
      }),
      runs,
    );
  });

  it.each([
    ['alertmanager-firing', (b: unknown) => parseAlertmanager(b, opts)],
    ['alertmanager-truncated', (b: unknown) => parseAlertmanager(b, opts)],
    ['azure-metric-fired', (b: unknown) => parseAzureMonitor(b, opts)],
    ['azure-log-search-fired', (b: unknown) => parseAzureMonitor(b, opts)],
    ['sns-subscription-confirmation', (b: unknown) => parseSnsEnvelope(b)],
  ] as const)('on mutations of %s', (name, parse) => {
    fc.assert(
      fc.property(mutations(payload<Json>(name)), (body) => holds(() => parse(body))),
      runs,
    );
  });

  it('on mutations of a CloudWatch alarm message and on arbitrary strings', () => {
    const message = JSON.parse(payload<{ Message: string }>('sns-cloudwatch-alarm').Message) as Json;
    fc.assert(
      fc.property(mutations(message), (m) => holds(() => parseCloudWatchAlarm(JSON.stringify(m), sns))),
      runs,
    );
    fc.assert(
      fc.property(fc.string(), (s) => holds(() => parseCloudWatchAlarm(s, sns))),
      runs,
    );
  });

  it('reports the field of an unparsable sample mutation as a JSON path', () => {
    const body = payload<{ alerts: Record<string, unknown>[] }>('alertmanager-truncated');
    (body.alerts[2] as Record<string, unknown>).labels = null;
    expect(() => parseAlertmanager(body, opts)).toThrow(
      expect.objectContaining({ field: 'alerts[2].labels' }),
    );
  });
});
