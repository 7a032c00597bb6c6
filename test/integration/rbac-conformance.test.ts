// Least privilege, proven against the code: every Kubernetes check and remediation of the shipped
// playbooks runs through the real adapter against the API-server fake, which records each
// request — the checks, each remediation as the worker runs it (plan, capture, execute, rollout)
// and its undo (plan the revert, capture, restore, rollout); deploy/rbac.yaml must grant every
// one of them (or the cluster answers Forbidden) and nothing that none of them needed. The kinds
// are the registry's (every kind whose back end is Kubernetes), so a new kind cannot escape.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnosis } from '../../src/diagnostics/engine.js';
import {
  createKubernetesClient,
  type KubernetesPort,
  kubernetesActions,
  kubernetesChecks,
} from '../../src/integrations/kubernetes/index.js';
import { backendOfKind, createRegistry } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { ACTION_KINDS, ACTION_PARAMS, type ActionKind, CHECK_KINDS } from '../../src/playbooks/kinds.js';
import { loadPlaybookDir } from '../../src/playbooks/loader.js';
import type { LoadedPlaybook } from '../../src/playbooks/schema.js';
import { type ActionContext, type ActionDefinition, undoSupport } from '../../src/remediation/types.js';
import {
  configMap,
  deployment,
  endpoints,
  type FakeKubernetes,
  hpa,
  pod,
  podMetrics,
  service,
  startFakeKubernetes,
  statefulSet,
} from '../fakes/kubernetes.js';
import { type AccessRequest, accessRequest, compareRbac, readRoles } from '../support/rbac.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Objects the playbooks' checks and remediations find in a cluster shaped like the runbooks'. */
function seed(fake: FakeKubernetes, playbooks: LoadedPlaybook[]): void {
  for (const pb of playbooks) {
    const ns = pb.target.namespace;
    for (const w of pb.target.workloads) {
      // Containers named as the playbook's remediations name them.
      const names = pb.remediations
        .map((r) => r.params as { workload?: { name: string }; container?: string })
        .filter((p) => p.workload?.name === w.name && p.container)
        .map((p) => p.container as string);
      const containers = [...new Set(names.length > 0 ? names : [w.name])].map((name) => ({
        name,
        requests: { cpu: '500m', memory: '512Mi' },
        limits: { cpu: '1', memory: '1Gi' },
      }));
      const labels = { app: w.name };
      const build = w.kind === 'Deployment' ? deployment : statefulSet;
      fake.state.put(build({ namespace: ns, name: w.name, replicas: 2, labels, containers }));
      const podName = `${w.name}-0`;
      fake.state.put(pod({ namespace: ns, name: podName, labels, containers }));
      const usage = containers.map((c) => ({ name: c.name, cpu: '300m', memory: '300Mi' }));
      fake.state.put(podMetrics({ namespace: ns, name: podName, labels, containers: usage }));
      fake.state.setLog(ns, podName, 'batch_size=1000 duration=1.2s\nrate_limited\n');
      fake.state.put(service({ namespace: ns, name: w.name, selector: labels }));
      fake.state.put(endpoints({ namespace: ns, name: w.name, ready: ['10.0.0.1'] }));
    }
    const first = pb.target.workloads[0];
    if (first) {
      fake.state.put(hpa({ namespace: ns, name: first.name, target: first, max: 6, current: 2 }));
    }
    for (const r of pb.remediations) {
      const p = r.params as { configMap?: string; key?: string };
      if (r.action === 'kubernetes.configmap.set' && p.configMap && p.key) {
        const yaml = 'aws:\n  batch_size: 1000\n  rate_limit: 10.0\nsentinel:\n  batch_size: 1000\n';
        fake.state.put(configMap({ namespace: ns, name: p.configMap, data: { [p.key]: yaml } }));
      }
    }
  }
}

function context(kind: ActionKind, params: unknown, namespace: string, signal: AbortSignal): ActionContext {
  return {
    params: ACTION_PARAMS[kind].parse(params),
    namespace,
    signal,
    now: () => new Date('2026-01-01T12:00:00Z'),
    log: silentLogger,
  } as ActionContext;
}

/** Every kind the registry sends to the Kubernetes back end (a new one cannot escape this test). */
const KUBERNETES_CHECK_KINDS = CHECK_KINDS.filter((k) => backendOfKind(k) === 'kubernetes').sort();
const KUBERNETES_ACTION_KINDS = ACTION_KINDS.filter(
  (k): k is keyof typeof kubernetesActions => backendOfKind(k) === 'kubernetes',
).sort();

/**
 * What the worker does with an approved remediation (src/remediation/run-job.ts, apply.ts): plan
 * (at proposal time and again in the job), read the prior state, execute, wait for the rollout —
 * and, for a kind with an undo, what `/perf undo` then runs: plan the revert, read the state
 * again, restore, wait for that rollout.
 */
async function runRemediation(
  port: KubernetesPort,
  pb: LoadedPlaybook,
  r: LoadedPlaybook['remediations'][number],
): Promise<{ reverted: boolean }> {
  const kind = r.action as keyof typeof kubernetesActions;
  const definition = kubernetesActions[kind] as unknown as ActionDefinition<ActionKind, KubernetesPort>;
  const signal = AbortSignal.timeout(20_000);
  const ns = pb.target.namespace;
  const plan = await definition.plan(context(kind, r.params, ns, signal), port);
  // A no-op plan would skip the writes, and the Role would be judged on reads alone.
  expect(plan.noop, `${pb.id}/${r.id}: ${plan.preview}`).toBe(false);
  const ctx = { ...context(kind, r.params, ns, signal), params: plan.params };
  const proposalId = `prop-${r.id}`;
  const prior = await definition.capture?.(ctx, port);
  const result = await definition.execute(ctx, port, proposalId);
  await definition.waitForRollout?.(ctx, port);
  if (!undoSupport(definition).supported) return { reverted: false };
  expect(prior, `${pb.id}/${r.id}: capture() before an undoable change`).toBeDefined();
  expect(result.after, `${pb.id}/${r.id}: the state an undoable change left`).toBeDefined();
  if (!prior || !result.after || !definition.planRevert || !definition.restore) return { reverted: false };
  const spec = { of: proposalId, prior, expected: result.after };
  const revert = await definition.planRevert(ctx, port, spec);
  expect(revert.noop, `${pb.id}/${r.id}: revert ${revert.preview}`).toBe(false);
  await definition.capture?.(ctx, port);
  await definition.restore(ctx, port, spec, `revert-${r.id}`);
  await definition.waitForRollout?.(ctx, port);
  return { reverted: true };
}

let fake: FakeKubernetes;
let requests: AccessRequest[];
const exercised = { checks: new Set<string>(), actions: new Set<string>(), reverted: new Set<string>() };

beforeAll(async () => {
  const loaded = await loadPlaybookDir('playbooks', root);
  expect(loaded.problems).toEqual([]);
  fake = await startFakeKubernetes({ rolloutPolls: 1 });
  seed(fake, loaded.playbooks);
  const port = createKubernetesClient(fake.kubeConfig());
  for (const pb of loaded.playbooks) {
    const run = await runDiagnosis({
      playbook: pb,
      backends: { kubernetes: port },
      checks: createRegistry(),
      log: silentLogger,
      env: {},
    });
    for (const c of run.checks) {
      const kind = pb.checks.find((x) => x.id === c.checkId)?.kind ?? '';
      if (backendOfKind(kind) === 'kubernetes') {
        // A check that errored stopped early and would under-report the requests it makes.
        expect(c.status, `${pb.id}/${c.checkId}: ${c.summary}`).not.toMatch(/error|skipped/);
        exercised.checks.add(kind);
      }
    }
    for (const r of pb.remediations.filter((x) => backendOfKind(x.action) === 'kubernetes')) {
      const { reverted } = await runRemediation(port, pb, r);
      exercised.actions.add(r.action);
      if (reverted) exercised.reverted.add(r.action);
    }
  }
  requests = fake.calls.map(accessRequest);
}, 60_000);

afterAll(async () => {
  await fake?.close();
});

describe('deploy/rbac.yaml against the requests the code makes', () => {
  it('exercised every check and action kind of the Kubernetes back end, and every undo', () => {
    // The kinds come from the registry (src/playbooks/kinds.ts, routed by backendOfKind); a kind
    // that no shipped playbook uses fails here until a playbook (and so this test) runs it.
    expect(KUBERNETES_CHECK_KINDS).toEqual(Object.keys(kubernetesChecks).sort());
    expect(KUBERNETES_ACTION_KINDS).toEqual(Object.keys(kubernetesActions).sort());
    expect([...exercised.checks].sort()).toEqual(KUBERNETES_CHECK_KINDS);
    expect([...exercised.actions].sort()).toEqual(KUBERNETES_ACTION_KINDS);
    const undoable = KUBERNETES_ACTION_KINDS.filter((k) => undoSupport(kubernetesActions[k]).supported);
    expect(undoable.length).toBeGreaterThan(0);
    expect([...exercised.reverted].sort()).toEqual(undoable);
    expect(requests.some((r) => r.verb === 'patch')).toBe(true);
  });

  it('grants every request and nothing more', () => {
    const roles = readRoles(readFileSync(`${root}/deploy/rbac.yaml`, 'utf8'));
    expect(roles.map((r) => r.namespace).sort()).toEqual(['data-processing', 'default']);
    const { missing, unused } = compareRbac(requests, roles);
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });

  it('would fail on a Role that misses a rule or grants one more', () => {
    const text = readFileSync(`${root}/deploy/rbac.yaml`, 'utf8');
    // The Role as it stood before: patch/update on the scale subresource, but no get.
    const noScaleRead = text.replace(
      'resources: [deployments/scale]\n    resourceNames: [normalization-service]\n    verbs: [get, patch]',
      'resources: [deployments/scale]\n    resourceNames: [normalization-service]\n    verbs: [patch]',
    );
    expect(noScaleRead).not.toBe(text);
    expect(compareRbac(requests, readRoles(noScaleRead))).toEqual({
      missing: ['get apps/deployments/scale normalization-service in data-processing'],
      unused: [],
    });
    const withUpdate = text.replace('verbs: [get, patch]', 'verbs: [get, patch, update]');
    expect(compareRbac(requests, readRoles(withUpdate)).unused).toEqual([
      'update apps/deployments [enrichment-service] in data-processing',
      'update apps/deployments [normalization-service] in data-processing',
      'update apps/deployments [redis] in data-processing',
    ]);
    const withSecrets = `${text}\n---\n${text.split('---')[0]?.replace('rules:', 'rules:\n  - { apiGroups: [""], resources: [secrets], verbs: [get] }')}`;
    expect(compareRbac(requests, readRoles(withSecrets)).unused).toEqual([
      'get core/secrets in data-processing',
    ]);
  });

  it('needs every single grant: dropping any one verb of any rule leaves a request Forbidden', () => {
    const roles = readRoles(readFileSync(`${root}/deploy/rbac.yaml`, 'utf8'));
    let dropped = 0;
    roles.forEach((role, ri) => {
      role.rules.forEach((rule, ui) => {
        for (const verb of rule.verbs) {
          const mutated = structuredClone(roles);
          const target = mutated[ri]?.rules[ui];
          if (!target) throw new Error('rule vanished');
          target.verbs = target.verbs.filter((v) => v !== verb);
          const where = `${verb} ${rule.resources.join(',')} in ${role.namespace}`;
          expect(compareRbac(requests, mutated).missing.length, where).toBeGreaterThan(0);
          dropped++;
        }
      });
    });
    expect(dropped).toBeGreaterThanOrEqual(10);
  });

  it('reads the scale subresource before patching it (the Role must allow both)', () => {
    const scale = requests.filter((r) => r.subresource === 'scale');
    expect(new Set(scale.map((r) => r.verb))).toEqual(new Set(['get', 'patch']));
    expect(requests.some((r) => r.verb === 'update')).toBe(false);
  });
});
