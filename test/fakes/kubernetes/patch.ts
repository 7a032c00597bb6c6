// The three PATCH flavours the API server accepts (server-side apply is not faked):
// RFC 6902 JSON Patch, RFC 7386 JSON Merge Patch, and a simple strategic merge patch (maps merge,
// `null` deletes, lists of objects merge by their key — `name` for containers, env, volumes —
// other lists are replaced, `$patch: replace|delete` honoured).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class PatchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

const MERGE_KEYS = ['name', 'containerPort', 'mountPath', 'devicePath'];

function mergeKeyOf(items: Json[]): string | undefined {
  const objects = items.filter(isObject);
  if (objects.length === 0 || objects.length !== items.length) return undefined;
  return MERGE_KEYS.find((k) => objects.every((o) => o[k] !== undefined));
}

function strategicList(target: Json[], patch: Json[]): Json[] {
  const key = mergeKeyOf(patch);
  if (key === undefined || (target.length > 0 && mergeKeyOf(target) !== key)) return clone(patch);
  const out = target.map((t) => clone(t));
  for (const item of patch as JsonObject[]) {
    const at = out.findIndex((t) => isObject(t) && t[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at !== -1) out.splice(at, 1);
    } else if (at === -1) {
      out.push(strategicMerge(null, item));
    } else {
      out[at] = strategicMerge(out[at] ?? null, item);
    }
  }
  return out;
}

export function strategicMerge(target: Json, patch: Json): Json {
  if (Array.isArray(patch)) return Array.isArray(target) ? strategicList(target, patch) : clone(patch);
  if (!isObject(patch)) return clone(patch);
  const { $patch, ...rest } = patch;
  if ($patch === 'replace') return clone(rest);
  const out: JsonObject = isObject(target) && $patch !== 'delete' ? { ...target } : {};
  for (const [key, value] of Object.entries(rest)) {
    if (value === null) delete out[key];
    else out[key] = strategicMerge(out[key] ?? null, value);
  }
  return out;
}

// ---- RFC 6902 -----------------------------------------------------------------------------

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(422, `invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, segments: string[], path: string): { parent: JsonObject | Json[]; key: string } {
  let node: Json = doc;
  for (const seg of segments.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node)
      ? node[Number(seg)]
      : isObject(node)
        ? node[seg]
        : undefined;
    if (next === undefined) throw new PatchError(422, `doc is missing path: "${path}"`);
    node = next;
  }
  if (!Array.isArray(node) && !isObject(node)) throw new PatchError(422, `doc is missing path: "${path}"`);
  return { parent: node, key: segments.at(-1) ?? '' };
}

function read(doc: Json, path: string): Json {
  const segments = pointer(path);
  if (segments.length === 0) return doc;
  const { parent, key } = parentOf(doc, segments, path);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === undefined) throw new PatchError(422, `doc is missing path: "${path}"`);
  return value;
}

function remove(doc: Json, path: string): Json {
  const value = read(doc, path);
  const { parent, key } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return value;
}

function add(doc: Json, path: string, value: Json, replace: boolean): Json {
  const segments = pointer(path);
  if (segments.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, segments, path);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new PatchError(422, `bad array index in "${path}"`);
    }
    if (replace) parent[index] = clone(value);
    else parent.splice(index, 0, clone(value));
  } else {
    if (replace && !(key in parent)) throw new PatchError(422, `doc is missing path: "${path}"`);
    parent[key] = clone(value);
  }
  return doc;
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError(400, 'a JSON patch must be an array of operations');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError(400, 'each JSON patch operation needs "op" and "path"');
    }
    const { op, path } = raw;
    const from = typeof raw.from === 'string' ? raw.from : '';
    const value = raw.value ?? null;
    if (op === 'add') doc = add(doc, path, value, false);
    else if (op === 'replace') doc = add(doc, path, value, true);
    else if (op === 'remove') remove(doc, path);
    else if (op === 'move') doc = add(doc, path, remove(doc, from), false);
    else if (op === 'copy') doc = add(doc, path, read(doc, from), false);
    else if (op === 'test') {
      if (JSON.stringify(read(doc, path)) !== JSON.stringify(value)) {
        throw new PatchError(422, `testing value ${path} failed`);
      }
    } else throw new PatchError(400, `unknown JSON patch op "${op}"`);
  }
  return doc;
}

export function applyPatch(contentType: string, target: Json, body: unknown): Json {
  if (contentType === PATCH_TYPES.json) return jsonPatch(target, body);
  if (contentType === PATCH_TYPES.merge) return mergePatch(target, body as Json);
  return strategicMerge(target, body as Json);
}
