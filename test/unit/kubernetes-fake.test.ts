// The fake API server's patch semantics and selector parsing: other tests trust them, so they are
// held against the RFCs and the API server's documented behaviour here.
import { describe, expect, it } from 'vitest';
import { type Json, jsonPatch, mergePatch, PatchError, strategicMerge } from '../fakes/kubernetes/patch.js';
import { parseSelector } from '../fakes/kubernetes/selector.js';

describe('merge patch (RFC 7386)', () => {
  it('merges maps, deletes on null, replaces lists', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2] };
    expect(mergePatch(target, { b: { c: null, e: 4 }, list: [9] })).toEqual({
      a: 1,
      b: { d: 3, e: 4 },
      list: [9],
    });
    expect(target.b.c).toBe(2);
  });
});

describe('strategic merge patch', () => {
  const spec: { containers: Json[] } = {
    containers: [
      { name: 'app', image: 'a:1', resources: { limits: { cpu: '1' } } },
      { name: 'side', image: 's:1' },
    ],
  };

  it('merges containers by name and leaves the others alone', () => {
    const out = strategicMerge(spec, {
      containers: [{ name: 'app', resources: { limits: { memory: '1Gi' } } }],
    });
    expect(out).toEqual({
      containers: [
        { name: 'app', image: 'a:1', resources: { limits: { cpu: '1', memory: '1Gi' } } },
        { name: 'side', image: 's:1' },
      ],
    });
  });

  it('appends new keyed items and honours $patch directives', () => {
    const added = strategicMerge(spec, { containers: [{ name: 'new', image: 'n:1' }] }) as {
      containers: { name: string }[];
    };
    expect(added.containers.map((c) => c.name)).toEqual(['app', 'side', 'new']);
    const deleted = strategicMerge(spec, { containers: [{ name: 'side', $patch: 'delete' }] }) as {
      containers: { name: string }[];
    };
    expect(deleted.containers.map((c) => c.name)).toEqual(['app']);
    expect(strategicMerge({ a: { x: 1, y: 2 } }, { a: { $patch: 'replace', z: 3 } })).toEqual({
      a: { z: 3 },
    });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, replace, remove, move, copy and test', () => {
    const doc = { a: { b: 1 }, list: [1, 2] };
    const out = jsonPatch(doc, [
      { op: 'replace', path: '/a/b', value: 2 },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'add', path: '/list/0', value: 0 },
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'move', from: '/c/b', path: '/d' },
      { op: 'remove', path: '/list/1' },
      { op: 'add', path: '/e~1f', value: 'slash' },
      { op: 'test', path: '/d', value: 2 },
    ]);
    expect(out).toEqual({ a: { b: 2 }, list: [0, 2, 3], c: {}, d: 2, 'e/f': 'slash' });
    expect(doc).toEqual({ a: { b: 1 }, list: [1, 2] });
  });

  it('fails a test op or a missing path with 422', () => {
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(PatchError);
    expect(() => jsonPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }])).toThrow(/missing path/);
    expect(() => jsonPatch({}, { op: 'add' })).toThrow(/array/);
  });
});

describe('label selectors', () => {
  const labels = { app: 'norm', tier: 'backend' };
  it.each([
    ['app=norm', true],
    ['app==norm,tier=backend', true],
    ['app!=norm', false],
    ['tier', true],
    ['!tier', false],
    ['tier in (backend, frontend)', true],
    ['tier notin (backend)', false],
    ['app=other', false],
    ['', true],
  ])('%j matches: %s', (selector, expected) => {
    expect(parseSelector(selector)(labels)).toBe(expected);
  });

  it('throws on a malformed selector', () => {
    expect(() => parseSelector('app in (x')).toThrow();
  });
});
