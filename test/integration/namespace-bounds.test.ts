// Namespace bounds against the Kubernetes fake: a namespace outside the playbook's list — from
// an alert label (the engine), `perfbot diagnose --namespace` (the CLI as a child process) or a
// proposal — is refused with a message, and the fake's request log stays empty.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDiagnosis } from '../../src/diagnostics/engine.js';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import { createRegistry } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { Playbook } from '../../src/playbooks/schema.js';
import { deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';
import { ensureBuilt } from '../support/perfbot-process.js';
import { remediationHarness } from '../support/remediation-fixtures.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
let fake: FakeKubernetes;

const playbook = Playbook.parse({
  id: 'pipeline',
  title: 'Pipeline',
  target: { namespace: 'data-processing' },
  namespaces: ['data-processing', 'data-staging'],
  checks: [{ id: 'hpa', kind: 'kubernetes.hpa', title: 'HPA' }],
  remediations: [
    {
      id: 'scale',
      title: 'Scale',
      action: 'kubernetes.scale',
      params: { workload: { kind: 'Deployment', name: 'enrichment-service' }, by: 1, max: 6 },
    },
  ],
});

beforeAll(async () => {
  fake = await startFakeKubernetes({
    objects: ['data-processing', 'kube-system'].map((namespace) =>
      deployment({ namespace, name: 'enrichment-service', replicas: 2 }),
    ),
  });
});
beforeEach(() => {
  fake.calls.length = 0;
});
afterAll(async () => {
  await fake.close();
});

describe('namespace bounds', () => {
  it("an alert's namespace label outside the list: the diagnosis is refused before any call", async () => {
    const backends = { kubernetes: createKubernetesClient(fake.kubeConfig()) };
    const refused = runDiagnosis({
      playbook,
      namespace: 'kube-system',
      backends,
      checks: createRegistry(),
      log: silentLogger,
    });
    await expect(refused).rejects.toMatchObject({
      field: 'namespace',
      message: `namespace "kube-system" is outside playbook pipeline's namespaces (data-processing, data-staging): perfbot neither diagnoses nor changes anything there`,
    });
    expect(fake.calls).toEqual([]);
    // A listed namespace is diagnosed, and only there.
    const allowed = await runDiagnosis({
      playbook,
      namespace: 'data-staging',
      backends,
      checks: createRegistry(),
      log: silentLogger,
    });
    expect(allowed.namespace).toBe('data-staging');
    expect(new Set(fake.calls.map((c) => c.path.split('/')[5]))).toEqual(new Set(['data-staging']));
  });

  it('a proposal aimed outside the list is refused and audited; nothing reaches the API', async () => {
    const h = remediationHarness({
      backends: { kubernetes: createKubernetesClient(fake.kubeConfig()) },
      actions: createRegistry(),
    });
    try {
      const remediation = playbook.remediations[0];
      if (!remediation) throw new Error('no remediation');
      const attempt = h.service.propose({
        playbook,
        remediation,
        incidentId: 'inc-ns',
        namespace: 'kube-system',
        requester: 'system',
      });
      await expect(attempt).rejects.toMatchObject({ field: 'namespace' });
      expect(fake.calls).toEqual([]);
      const trail = await h.service.audit.readTrail({ incident: 'inc-ns' });
      expect(trail.map((e) => [e.event, e.details.namespace])).toEqual([
        ['namespace.refused', 'kube-system'],
      ]);
    } finally {
      await h.close();
    }
  });

  it('perfbot diagnose --namespace outside the list exits 1 with the reason and makes no call', async () => {
    await ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'perfbot-ns-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeConfig().exportConfig());
    const env = {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: kubeconfig,
      PLAYBOOKS_DIR: join(ROOT, 'playbooks'),
    };
    const failed = await run(
      process.execPath,
      ['bin/perfbot.js', 'diagnose', 'pipeline', '--namespace', 'kube-system'],
      {
        cwd: ROOT,
        env,
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      `perfbot: namespace "kube-system" is outside playbook data-pipeline's namespaces (data-processing)`,
    );
    expect(fake.calls).toEqual([]);
  }, 180_000);
});
