import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/schema.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { compileCatalog, describeTrigger, routeAlert } from '../../src/playbooks/route.js';
import { testCatalog, testPlaybook } from '../support/intake.js';

const alert = (over: Partial<Alert> = {}): Alert => ({
  source: 'alertmanager',
  name: 'HighLatency',
  status: 'firing',
  labels: { alertname: 'HighLatency', namespace: 'market-data', service: 'normalizer', severity: 'critical' },
  annotations: {},
  startsAt: '2024-05-03T12:00:00.000Z',
  fingerprint: 'f1',
  ...over,
});

const pipeline = testPlaybook('data-pipeline-latency', [
  { alertname: 'HighCPUUsage' },
  { alertname: 'HighLatency', labels: { severity: 'critical' }, match_re: { namespace: 'market-.*' } },
]);
const sentinel = testPlaybook('s3-sentinel', [
  { match_re: { alertname: 'sentinel-connector-.*' }, source: 'azure-monitor' },
  { alertname: 's3-connector-bucket-5xx', source: 'cloudwatch' },
]);
const catchAll = testPlaybook('latency-fallback', [{ alertname: 'HighLatency' }]);
const catalog = testCatalog(pipeline, sentinel, catchAll);

describe('routeAlert', () => {
  it('picks the first playbook whose trigger matches and records which trigger', () => {
    const d = routeAlert(alert(), catalog);
    expect(d.playbook?.id).toBe('data-pipeline-latency');
    expect(d.trigger).toEqual({
      index: 1,
      description: 'alertname="HighLatency", severity="critical", namespace=~"market-.*"',
    });
  });

  it('falls through to a later playbook when label equality fails', () => {
    const d = routeAlert(
      alert({ labels: { alertname: 'HighLatency', namespace: 'market-data', severity: 'warning' } }),
      catalog,
    );
    expect(d.playbook?.id).toBe('latency-fallback');
    expect(d.trigger?.index).toBe(0);
  });

  it('anchors regexes like Alertmanager: a partial match is no match', () => {
    const d = routeAlert(
      alert({ labels: { alertname: 'HighLatency', namespace: 'prod-market-data', severity: 'critical' } }),
      catalog,
    );
    expect(d.playbook?.id).toBe('latency-fallback');
  });

  it('respects the source of a trigger', () => {
    const azure = alert({
      source: 'azure-monitor',
      name: 'sentinel-connector-ingestion-latency',
      labels: { alertname: 'sentinel-connector-ingestion-latency' },
    });
    expect(routeAlert(azure, catalog).playbook?.id).toBe('s3-sentinel');
    expect(routeAlert({ ...azure, source: 'alertmanager' }, catalog)).toEqual({});
    const cw = alert({
      source: 'cloudwatch',
      name: 's3-connector-bucket-5xx',
      labels: { alertname: 's3-connector-bucket-5xx' },
    });
    expect(routeAlert(cw, catalog).trigger).toEqual({
      index: 1,
      description: 'alertname="s3-connector-bucket-5xx", source="cloudwatch"',
    });
  });

  it('an alert matching nothing gets no playbook (the incident opens without one)', () => {
    expect(routeAlert(alert({ name: 'DiskFull', labels: { alertname: 'DiskFull' } }), catalog)).toEqual({});
  });

  it('a missing label is the empty string for regexes; inherited properties are not labels', () => {
    const optional = testCatalog(testPlaybook('opt', [{ alertname: 'X', match_re: { team: '(sre)?' } }]));
    expect(routeAlert(alert({ name: 'X', labels: {} }), optional).playbook?.id).toBe('opt');
    const proto = testCatalog(testPlaybook('proto', [{ match_re: { constructor: '.+' } }]));
    expect(routeAlert(alert(), proto)).toEqual({});
  });

  it('compiles each catalog once; a bad regex that slipped past the loader never matches', () => {
    expect(compileCatalog(catalog)).toBe(compileCatalog(catalog));
    const bad = testPlaybook('bad', [{ alertname: 'HighLatency' }]);
    (bad.triggers[0] as { match_re?: Record<string, string> }).match_re = { namespace: '(' };
    expect(routeAlert(alert(), new PlaybookCatalog([bad]))).toEqual({});
  });

  it('describes triggers readably', () => {
    expect(describeTrigger({ labels: { a: 'b"c' } })).toBe('a="b\\"c"');
  });
});
