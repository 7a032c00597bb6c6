// Request handling of the fake API server once the path is resolved to a resource type.
import type { KubeObject } from './builders.js';
import { applyPatch, type Json, PATCH_TYPES, PatchError } from './patch.js';
import { parseSelector } from './selector.js';
import type { FakeKubeState, ResourceType } from './state.js';
import { notFound, statusObject } from './status.js';

export interface Route {
  type: ResourceType;
  namespace: string;
  name: string | undefined;
  sub: string | undefined;
}

export interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
}

interface Call {
  method: string;
  query: Record<string, string>;
  contentType: string | undefined;
}

const ACCEPTED = Object.values(PATCH_TYPES) as string[];
const ok = (body: unknown): Reply => ({ status: 200, body });
const fail = (code: number, message: string): Reply => ({ status: code, body: statusObject(code, message) });

function apiVersion(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function list(state: FakeKubeState, r: Route, call: Call): Reply {
  let matches: (labels: Record<string, string>) => boolean;
  try {
    matches = parseSelector(call.query.labelSelector ?? null);
  } catch (err) {
    return fail(400, err instanceof Error ? err.message : String(err));
  }
  const items = state.list(r.type, r.namespace).filter((o) => matches(o.metadata.labels ?? {}));
  return ok({
    apiVersion: apiVersion(r.type),
    kind: `${r.type.kind}List`,
    metadata: { resourceVersion: '1' },
    items,
  });
}

function scaleOf(obj: KubeObject): KubeObject {
  const labels: Record<string, string> = obj.spec?.selector?.matchLabels ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

function podLog(state: FakeKubeState, r: Route, pod: KubeObject, call: Call): Reply {
  const names: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  const container = call.query.container;
  if (container === undefined && names.length > 1) {
    return fail(
      400,
      `a container name must be specified for pod ${r.name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (container !== undefined && !names.includes(container)) {
    return fail(400, `container ${container} is not valid for pod ${r.name}`);
  }
  const text = state.log(r.namespace, r.name ?? '', container ?? names[0] ?? '') ?? '';
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const tail = call.query.tailLines === undefined ? lines : lines.slice(-Number(call.query.tailLines));
  return { status: 200, body: tail.map((l) => `${l}\n`).join(''), contentType: 'text/plain' };
}

function patch(state: FakeKubeState, r: Route, obj: KubeObject, call: Call, text: string): Reply {
  const type = (call.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!ACCEPTED.includes(type)) {
    return fail(
      415,
      `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED.join(', ')}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(400, 'the body of the request could not be decoded as JSON');
  }
  const isScale = r.sub === 'scale';
  const current = isScale ? scaleOf(obj) : obj;
  let next: KubeObject;
  try {
    next = applyPatch(type, current as unknown as Json, body) as unknown as KubeObject;
  } catch (err) {
    if (err instanceof PatchError) return fail(err.status, err.message);
    throw err;
  }
  const wanted = next.metadata?.resourceVersion;
  if (wanted !== undefined && wanted !== current.metadata.resourceVersion) {
    return fail(
      409,
      `Operation cannot be fulfilled on ${r.type.plural} "${r.name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
  if (isScale) {
    const replicas = next.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0) {
      return fail(422, `Scale.autoscaling "${r.name}" is invalid: spec.replicas: Invalid value: ${replicas}`);
    }
    const updated = structuredClone(obj);
    updated.spec.replicas = replicas;
    return ok(scaleOf(state.write(r.type, obj, updated)));
  }
  return ok(state.write(r.type, obj, next));
}

export function handleResource(state: FakeKubeState, r: Route, call: Call, text: string): Reply {
  if (r.name === undefined) {
    return call.method === 'GET' ? list(state, r, call) : fail(405, `${call.method} is not supported here`);
  }
  const obj = state.find(r.type, r.namespace, r.name);
  if (!obj) return { status: 404, body: notFound(r.type.plural, r.type.group, r.name) };
  const sub = r.sub;
  if (
    sub !== undefined &&
    !(sub === 'scale' && r.type.workload) &&
    !(sub === 'log' && r.type.kind === 'Pod')
  ) {
    return fail(404, 'the server could not find the requested resource');
  }
  if (call.method === 'GET') {
    if (sub === 'log') return podLog(state, r, obj, call);
    if (sub === 'scale') return ok(scaleOf(obj));
    state.observe(r.type, obj);
    return ok(obj);
  }
  if (call.method === 'PATCH' && sub !== 'log') return patch(state, r, obj, call, text);
  return fail(405, `${call.method} is not supported by this fake`);
}
