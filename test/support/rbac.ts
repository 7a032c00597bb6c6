// Kubernetes RBAC, reduced to what the conformance test needs: turn recorded API requests into
// the attributes the API server authorizes (verb, group, resource, subresource, namespace,
// name), read the Roles of a manifest, and compare both ways — every request granted, every
// grant used.
import { parseAllDocuments } from 'yaml';

export interface AccessRequest {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Role {
  namespace: string;
  rules: PolicyRule[];
}

/** One (verb, group, resource[/subresource], resourceName or any) tuple a Role grants. */
export interface Grant {
  namespace: string;
  group: string;
  resource: string;
  verb: string;
  /** undefined: any name (and collections). */
  name: string | undefined;
}

const PATH = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

/** The authorization attributes of one HTTP request, as the API server derives them. */
export function accessRequest(call: {
  method: string;
  path: string;
  query: Record<string, string>;
}): AccessRequest {
  const m = PATH.exec(call.path);
  if (!m) throw new Error(`not a namespaced resource request: ${call.method} ${call.path}`);
  const [, group = '', namespace = '', resource = '', name = '', subresource = ''] = m;
  const collection = name === '';
  const verbs: Record<string, string> = {
    GET: collection ? (call.query.watch === 'true' ? 'watch' : 'list') : 'get',
    PATCH: 'patch',
    PUT: 'update',
    POST: 'create',
    DELETE: collection ? 'deletecollection' : 'delete',
  };
  const verb = verbs[call.method];
  if (!verb) throw new Error(`unexpected method ${call.method}`);
  return {
    verb,
    group,
    resource: decodeURIComponent(resource),
    subresource: decodeURIComponent(subresource),
    namespace: decodeURIComponent(namespace),
    name: decodeURIComponent(name),
  };
}

/** The Roles of a multi-document manifest (RoleBindings and everything else ignored). */
export function readRoles(manifest: string): Role[] {
  return parseAllDocuments(manifest)
    .map((d) => d.toJS() as { kind?: string; metadata?: { namespace?: string }; rules?: PolicyRule[] })
    .filter((d) => d?.kind === 'Role')
    .map((d) => ({ namespace: d.metadata?.namespace ?? 'default', rules: d.rules ?? [] }));
}

/** Every tuple the Roles grant. Wildcards are expanded to '*' and never count as used. */
export function grantsOf(roles: Role[]): Grant[] {
  const grants: Grant[] = [];
  for (const role of roles)
    for (const rule of role.rules)
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs)
            for (const name of rule.resourceNames?.length ? rule.resourceNames : [undefined])
              grants.push({ namespace: role.namespace, group, resource, verb, name });
  return grants;
}

function grantCovers(g: Grant, r: AccessRequest): boolean {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return (
    g.namespace === r.namespace &&
    g.group === r.group &&
    g.resource === resource &&
    g.verb === r.verb &&
    (g.name === undefined || g.name === r.name)
  );
}

export const describeRequest = (r: AccessRequest) =>
  `${r.verb} ${r.group || 'core'}/${r.resource}${r.subresource ? `/${r.subresource}` : ''}` +
  `${r.name ? ` ${r.name}` : ''} in ${r.namespace}`;

export const describeGrant = (g: Grant) =>
  `${g.verb} ${g.group || 'core'}/${g.resource}${g.name ? ` [${g.name}]` : ''} in ${g.namespace}`;

/**
 * `missing`: requests no grant allows (Forbidden in a real cluster). `unused`: grants no request
 * needed — more privilege than the code uses. Both empty means the Roles are exactly right.
 */
export function compareRbac(
  requests: AccessRequest[],
  roles: Role[],
): { missing: string[]; unused: string[] } {
  const grants = grantsOf(roles);
  const missing = new Set<string>();
  for (const r of requests) if (!grants.some((g) => grantCovers(g, r))) missing.add(describeRequest(r));
  const unused = grants.filter((g) => !requests.some((r) => grantCovers(g, r))).map(describeGrant);
  return { missing: [...missing].sort(), unused: [...new Set(unused)].sort() };
}
