// deploy/: every Kubernetes object in every YAML file there validates offline against the
// Kubernetes OpenAPI schemas (strictly: unknown fields are errors; the ServiceMonitor against its
// CRD's schema), and the Deployment is fit to run — version-pinned image,
// startup/readiness/liveness probes, spread over nodes, a PodDisruptionBudget that selects it.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validateManifest } from '../support/k8s-validate.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (f: string) => readFileSync(`${root}/${f}`, 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML; the assertions say what they expect.
type Obj = Record<string, any>;
const docs = (f: string): Obj[] => parseAllDocuments(read(f)).map((d) => d.toJS() as Obj);
const version = (JSON.parse(read('package.json')) as { version: string }).version;

/** Every YAML file under deploy/, found on disk (a new file cannot slip past validation). */
const yamlFiles = (readdirSync(`${root}/deploy`, { recursive: true }) as string[])
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `deploy/${f}`)
  .sort();
/** YAML in deploy/ that is configuration for another tool, not a Kubernetes object. */
const NOT_KUBERNETES: Record<string, string> = {
  'deploy/kustomization.yaml': 'kustomize (checked below)',
  'deploy/monitoring/alertmanager.yml': 'Alertmanager (amtool, test/integration/alertmanager-config.test.ts)',
  'deploy/monitoring/perfbot.rules.yml': 'Prometheus rules (promtool, test/integration/promtool.test.ts)',
};
const manifestFiles = yamlFiles.filter((f) => !(f in NOT_KUBERNETES));
const manifests = manifestFiles.flatMap((f) => docs(f).map((m) => ({ ...m, file: f }) as Obj));
const find = (kind: string) => manifests.find((m) => m.kind === kind) as Obj;
const withoutFile = ({ file: _file, ...m }: Obj) => m;

describe('deploy/ manifests', () => {
  it('are every YAML document in deploy/ that is not another tool’s configuration', async () => {
    for (const f of Object.keys(NOT_KUBERNETES)) expect(yamlFiles, f).toContain(f);
    // Each of those is really not a Kubernetes object: the validator knows no such API.
    for (const f of Object.keys(NOT_KUBERNETES))
      for (const d of docs(f))
        expect((await validateManifest(d))[0], f).toMatch(
          /^(apiVersion and kind are required|\S+ is not a Kubernetes API group\/version)$/,
        );
    // …and every document of the others is one.
    for (const m of manifests) {
      expect(typeof m.apiVersion, m.file).toBe('string');
      expect(typeof m.kind, m.file).toBe('string');
    }
  });

  it('validate against the Kubernetes OpenAPI schemas, with no unknown field', async () => {
    expect(manifests.map((m) => `${m.file} ${m.kind}`)).toEqual([
      'deploy/monitoring/servicemonitor.yaml ServiceMonitor',
      'deploy/perfbot.yaml Namespace',
      'deploy/perfbot.yaml ServiceAccount',
      'deploy/perfbot.yaml Deployment',
      'deploy/perfbot.yaml Service',
      'deploy/perfbot.yaml PodDisruptionBudget',
      'deploy/rbac.yaml Role',
      'deploy/rbac.yaml RoleBinding',
      'deploy/rbac.yaml Role',
      'deploy/rbac.yaml RoleBinding',
    ]);
    for (const m of manifests)
      expect(await validateManifest(withoutFile(m)), `${m.file}: ${m.kind} ${m.metadata?.name}`).toEqual([]);
  });

  it('validate the ServiceMonitor against the Prometheus Operator CRD schema', async () => {
    const monitor = withoutFile(structuredClone(find('ServiceMonitor')));
    monitor.spec.endpoints[0].interval = '30 seconds';
    expect(await validateManifest(monitor)).toEqual([
      expect.stringMatching(/^data\/spec\/endpoints\/0\/interval must match pattern/),
    ]);
    expect(
      await validateManifest({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitors' }),
    ).toEqual(['ServiceMonitors is not a kind of monitoring.coreos.com/v1']);
  });

  it('fail validation on a wrong type, a typo or an unknown kind (the validator bites)', async () => {
    const deployment = withoutFile(structuredClone(find('Deployment')));
    deployment.spec.replicas = '2';
    expect(await validateManifest(deployment)).toEqual(['data/spec/replicas must be integer']);
    const typo = withoutFile(structuredClone(find('Deployment')));
    typo.spec.template.spec.containers[0].startupProbe.failureTreshold = 30;
    expect(await validateManifest(typo)).toEqual([
      'Deployment.spec.template.spec.containers[0].startupProbe.failureTreshold: unknown field',
    ]);
    const pdb = withoutFile(structuredClone(find('PodDisruptionBudget')));
    delete pdb.spec.selector.matchLabels;
    pdb.spec.selector.matchLabel = { app: 'perfbot' };
    expect(await validateManifest(pdb)).toEqual([
      'PodDisruptionBudget.spec.selector.matchLabel: unknown field',
    ]);
    expect(await validateManifest({ apiVersion: 'policy/v1beta2', kind: 'PodDisruptionBudget' })).toEqual([
      'policy/v1beta2 is not a Kubernetes API group/version',
    ]);
  });

  it('pin the image to the package version, here and in kustomization.yaml', () => {
    const container = find('Deployment').spec.template.spec.containers[0];
    expect(container.image).toBe(`perfbot:${version}`);
    const kustomization = parse(read('deploy/kustomization.yaml')) as Obj;
    expect(kustomization.images).toEqual([{ name: 'perfbot', newTag: version }]);
    expect(kustomization.resources).toEqual(['perfbot.yaml', 'rbac.yaml']);
  });

  it('probe start-up, readiness and liveness on the routes perfbot serves', () => {
    const c = find('Deployment').spec.template.spec.containers[0];
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    // Up to a minute to start before liveness may restart the pod.
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 3000 }));
  });

  it('spread the replicas over nodes and keep one through a drain', () => {
    const d = find('Deployment');
    const podLabels = d.spec.template.metadata.labels;
    expect(d.spec.replicas).toBe(2);
    const spread = d.spec.template.spec.topologySpreadConstraints as Obj[];
    const byNode = spread.find((s) => s.topologyKey === 'kubernetes.io/hostname');
    expect(byNode).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' });
    for (const s of spread) expect(s.labelSelector.matchLabels).toEqual(podLabels);
    const pdb = find('PodDisruptionBudget');
    expect(pdb.metadata.namespace).toBe(d.metadata.namespace);
    expect(pdb.spec.selector.matchLabels).toEqual(podLabels);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(d.spec.replicas);
  });

  it('route the Service and the ServiceMonitor to the pods’ http port', () => {
    const d = find('Deployment');
    const service = find('Service');
    expect(service.spec.selector).toEqual(d.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe('http');
    const monitor = parse(read('deploy/monitoring/servicemonitor.yaml')) as Obj;
    expect(monitor.metadata.namespace).toBe(service.metadata.namespace);
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
  });

  it('ship the chart fonts in the image', () => {
    expect(read('Dockerfile')).toMatch(/^COPY assets \.\/assets$/m);
    expect(read('.dockerignore')).not.toMatch(/^assets/m);
  });
});
