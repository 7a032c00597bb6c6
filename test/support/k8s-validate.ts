// Offline validation of Kubernetes manifests, as `kubectl apply --validate=strict` would judge
// them, without a cluster: the object against the Kubernetes OpenAPI schemas (kubernetes-models'
// compiled validators: types, required fields, formats), plus unknown fields — the typo'd
// `failureTreshold` that plain schema validation lets through — found by walking the object along
// @kubernetes/client-node's generated models (also generated from the OpenAPI spec).
// Custom resources (the Prometheus Operator's ServiceMonitor) are checked against their CRD's
// OpenAPI schema from @kubernetes-models/<project>; those packages carry compiled validators
// only, so unknown fields of a custom resource are not found (a CRD's schema prunes them).
import * as k8s from '@kubernetes/client-node';

/** API groups of custom resources perfbot ships, and the kubernetes-models package of their CRDs. */
const CRD_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

interface Attribute {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): Attribute[] };

/** `apps/v1` + `Deployment` → kubernetes-models' class and client-node's model name. */
function names(apiVersion: string, kind: string) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const crd = group ? CRD_PACKAGES[group] : undefined;
  const modulePath = crd
    ? `${crd}/${group}/${version}`
    : group
      ? `kubernetes-models/${group}/${version}`
      : `kubernetes-models/${version}`;
  const model = `${(version ?? '').charAt(0).toUpperCase()}${(version ?? '').slice(1)}${kind}`;
  return { modulePath, model, custom: crd !== undefined };
}

function modelOf(name: string): ModelClass | undefined {
  const candidate = (k8s as unknown as Record<string, unknown>)[name];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate
    ? (candidate as ModelClass)
    : undefined;
}

/** Fields the model does not have, as JSON paths; maps, primitives and IntOrString end the walk. */
function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1]) {
    const item = array[1];
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) unknownFields(v, item, `${path}[${i}]`, out);
    }
    return;
  }
  const model = modelOf(type);
  if (!model || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, v] of Object.entries(value)) {
    const t = attributes.get(key);
    if (t === undefined) out.push(`${path}.${key}: unknown field`);
    else unknownFields(v, t, `${path}.${key}`, out);
  }
}

/** Problems of one manifest object; empty when the API server would accept it. */
export async function validateManifest(doc: { apiVersion?: string; kind?: string }): Promise<string[]> {
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind are required'];
  const { modulePath, model, custom } = names(apiVersion, kind);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modulePath)) as Record<string, unknown>;
  } catch {
    return [`${apiVersion} is not a Kubernetes API group/version`];
  }
  const Model = mod[kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (typeof Model !== 'function') return [`${kind} is not a kind of ${apiVersion}`];
  const problems: string[] = [];
  try {
    new Model(doc).validate();
  } catch (err) {
    problems.push(
      ...(err as Error).message
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  if (custom) return problems;
  if (!modelOf(model)) problems.push(`no field model for ${model} to check unknown fields against`);
  else unknownFields(doc, model, kind, problems);
  return problems;
}
