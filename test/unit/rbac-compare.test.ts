// The comparison behind the RBAC conformance test: how requests become authorization attributes,
// and that a missing, an extra, a wrongly named or a wildcard grant is each reported.
import { describe, expect, it } from 'vitest';
import { accessRequest, compareRbac, type Role } from '../support/rbac.js';

const get = (path: string, query: Record<string, string> = {}) =>
  accessRequest({ method: 'GET', path, query });
const patch = (path: string) => accessRequest({ method: 'PATCH', path, query: {} });

const requests = [
  get('/api/v1/namespaces/ns/pods', { labelSelector: 'app=x' }),
  get('/api/v1/namespaces/ns/pods/x-0/log', { tailLines: '10' }),
  get('/apis/apps/v1/namespaces/ns/deployments/x/scale'),
  patch('/apis/apps/v1/namespaces/ns/deployments/x/scale'),
];

const exact: Role = {
  namespace: 'ns',
  rules: [
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['x'], verbs: ['get', 'patch'] },
  ],
};

const withRules = (rules: Role['rules']): Role[] => [{ namespace: 'ns', rules }];

describe('accessRequest', () => {
  it('derives verb, group, resource, subresource, namespace and name like the API server', () => {
    expect(requests).toEqual([
      { verb: 'list', group: '', resource: 'pods', subresource: '', namespace: 'ns', name: '' },
      { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: 'ns', name: 'x-0' },
      {
        verb: 'get',
        group: 'apps',
        resource: 'deployments',
        subresource: 'scale',
        namespace: 'ns',
        name: 'x',
      },
      {
        verb: 'patch',
        group: 'apps',
        resource: 'deployments',
        subresource: 'scale',
        namespace: 'ns',
        name: 'x',
      },
    ]);
    expect(get('/api/v1/namespaces/ns/pods', { watch: 'true' }).verb).toBe('watch');
    expect(
      accessRequest({ method: 'PUT', path: '/apis/apps/v1/namespaces/ns/deployments/x', query: {} }).verb,
    ).toBe('update');
    expect(() => get('/api/v1/nodes')).toThrow(/not a namespaced/);
  });
});

describe('compareRbac', () => {
  it('accepts a Role that grants exactly what is requested', () => {
    expect(compareRbac(requests, [exact])).toEqual({ missing: [], unused: [] });
  });

  it('reports a missing verb', () => {
    const roles = withRules([
      ...(exact.rules.slice(0, 2) as Role['rules']),
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['x'], verbs: ['patch'] },
    ]);
    expect(compareRbac(requests, roles)).toEqual({
      missing: ['get apps/deployments/scale x in ns'],
      unused: [],
    });
  });

  it('reports an extra verb, resource or name nobody uses', () => {
    const roles = withRules([
      ...(exact.rules.slice(0, 2) as Role['rules']),
      {
        apiGroups: ['apps'],
        resources: ['deployments/scale', 'deployments'],
        resourceNames: ['x', 'y'],
        verbs: ['get', 'patch', 'update'],
      },
    ]);
    expect(compareRbac(requests, roles)).toEqual({
      missing: [],
      unused: [
        'get apps/deployments [x] in ns',
        'get apps/deployments [y] in ns',
        'get apps/deployments/scale [y] in ns',
        'patch apps/deployments [x] in ns',
        'patch apps/deployments [y] in ns',
        'patch apps/deployments/scale [y] in ns',
        'update apps/deployments [x] in ns',
        'update apps/deployments [y] in ns',
        'update apps/deployments/scale [x] in ns',
        'update apps/deployments/scale [y] in ns',
      ],
    });
  });

  it('does not let a grant for one name or namespace cover another', () => {
    const other = { ...exact, namespace: 'elsewhere' };
    expect(compareRbac(requests, [other]).missing).toHaveLength(4);
    const roles = withRules([
      ...(exact.rules.slice(0, 2) as Role['rules']),
      {
        apiGroups: ['apps'],
        resources: ['deployments/scale'],
        resourceNames: ['z'],
        verbs: ['get', 'patch'],
      },
    ]);
    expect(compareRbac(requests, roles).missing).toEqual([
      'get apps/deployments/scale x in ns',
      'patch apps/deployments/scale x in ns',
    ]);
  });

  it('treats a wildcard as too broad: it covers nothing and is reported', () => {
    const roles = withRules([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    const { missing, unused } = compareRbac(requests, roles);
    expect(missing).toHaveLength(4);
    expect(unused).toEqual(['* */* in ns']);
  });
});
