import { describe, expect, it } from 'vitest';
import { diagnoseCommand, unknownPlaybookMessage } from '../../commands/diagnose.js';
import { PlaybookNotFoundError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { type LoadedPlaybook, Playbook } from '../../src/playbooks/schema.js';

const pb: LoadedPlaybook = {
  ...Playbook.parse({
    id: 'sentinel-connector',
    title: 'Sentinel',
    aliases: ['sentinel'],
    target: { namespace: 'sentinel' },
    namespaces: ['sentinel', 'sentinel-staging'],
    checks: [
      {
        id: 'lag',
        kind: 'prometheus.query',
        title: 'Lag',
        params: { query: 'lag' },
        thresholds: { warn: 10 },
      },
      { id: 'logs', kind: 'kubernetes.pod-logs', title: 'Logs', params: { patterns: { slow: 'SlowDown' } } },
    ],
    decision: [{ id: 'lagging', when: { check: 'lag' }, bottleneck: 'Lagging' }],
  }),
  file: 'inline.yml',
};
const catalog = new PlaybookCatalog([pb]);

describe('diagnoseCommand', () => {
  it('runs the playbook found by alias and returns the report', async () => {
    const progress: number[] = [];
    const report = await diagnoseCommand({
      catalog,
      backends: { prometheus: {} },
      checks: {
        'prometheus.query': {
          kind: 'prometheus.query',
          backend: 'prometheus',
          run: async () => ({ value: 42 }),
        },
        'kubernetes.pod-logs': { kind: 'kubernetes.pod-logs', backend: 'kubernetes', run: async () => ({}) },
      },
      name: 'Sentinel',
      namespace: 'sentinel-staging',
      log: silentLogger,
      onProgress: (_r, done) => progress.push(done),
    });
    expect(report.playbook.id).toBe('sentinel-connector');
    expect(report.namespace).toBe('sentinel-staging');
    expect(report.checks.map((c) => [c.checkId, c.status, c.summary])).toEqual([
      ['lag', 'warn', 'Lag 42 (warn > 10)'],
      ['logs', 'skipped', 'skipped: set KUBECONFIG'],
    ]);
    expect(report.diagnosis.bottlenecks.map((b) => b.name)).toEqual(['Lagging']);
    expect(progress.sort()).toEqual([1, 2]);
  });

  it('throws PlaybookNotFoundError for an unknown name, and the message suggests the closest', async () => {
    await expect(
      diagnoseCommand({ catalog, backends: {}, checks: {}, name: 'sentinal', log: silentLogger }),
    ).rejects.toBeInstanceOf(PlaybookNotFoundError);
    expect(unknownPlaybookMessage(catalog, 'sentinal')).toBe(
      'no playbook or alias named "sentinal" — did you mean sentinel?\nknown: sentinel, sentinel-connector',
    );
    expect(unknownPlaybookMessage(catalog, 'kafka')).toBe(
      'no playbook or alias named "kafka"\nknown: sentinel, sentinel-connector',
    );
  });
});
