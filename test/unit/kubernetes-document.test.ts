// Editing a dotted path in a ConfigMap's YAML/JSON document without losing its format, and the
// rollout-status judgement the rollout wait relies on.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { detectFormat, setDocumentPath } from '../../src/integrations/kubernetes/actions/document.js';
import { rolloutStatus } from '../../src/integrations/kubernetes/actions/rollout.js';
import type { WorkloadInfo } from '../../src/integrations/kubernetes/port.js';

const YAML_DOC = `# top comment
sentinel:
  # the knob
  batch_size: 1000 # rows
  mode: fast
list:
  - a
  - b
`;

describe('setDocumentPath', () => {
  it('edits a YAML scalar in place, keeping every comment and key order', () => {
    const edit = setDocumentPath('config.yaml', YAML_DOC, 'sentinel.batch_size', 500);
    expect(edit).toMatchObject({ format: 'yaml', before: 1000, after: 500, changed: true });
    expect(edit.text).toBe(YAML_DOC.replace('1000', '500'));
  });

  it('adds a missing leaf under an existing mapping', () => {
    const edit = setDocumentPath('c.yaml', YAML_DOC, 'sentinel.timeout', '30s');
    expect(edit.before).toBeUndefined();
    expect(edit.text).toContain('  mode: fast\n  timeout: 30s\n');
  });

  it('reports an unchanged value without rewriting the text', () => {
    const edit = setDocumentPath('c.yaml', YAML_DOC, 'sentinel.mode', 'fast');
    expect(edit.changed).toBe(false);
    expect(edit.text).toBe(YAML_DOC);
  });

  it('refuses to replace a collection or walk through a missing mapping', () => {
    expect(() => setDocumentPath('c.yaml', YAML_DOC, 'list', 1)).toThrow(/collection/);
    expect(() => setDocumentPath('c.yaml', YAML_DOC, 'kafka.batch_size', 1)).toThrow(InvalidInputError);
    expect(() => setDocumentPath('c.yaml', 'a: [1', 'a', 1)).toThrow(/not valid YAML/);
  });

  it('keeps JSON as JSON: compact stays compact, indented stays indented', () => {
    const compact = setDocumentPath('app.json', '{"a":{"b":1},"c":true}', 'a.b', 2);
    expect(compact.text).toBe('{"a":{"b":2},"c":true}');
    const tabbed = setDocumentPath('settings', '{\n\t"a": {\n\t\t"b": "x"\n\t}\n}\n', 'a.b', 'y');
    expect(tabbed).toMatchObject({ format: 'json', before: 'x' });
    expect(tabbed.text).toBe('{\n\t"a": {\n\t\t"b": "y"\n\t}\n}\n');
  });

  it('detects the format from the key, then the content', () => {
    expect(detectFormat('x.json', '')).toBe('json');
    expect(detectFormat('x.yml', '{}')).toBe('yaml');
    expect(detectFormat('x', ' {"a":1}')).toBe('json');
    expect(detectFormat('x', '{a: 1}')).toBe('yaml');
  });
});

function workload(over: Partial<WorkloadInfo['status']>, kind: 'Deployment' | 'StatefulSet' = 'Deployment') {
  const w: WorkloadInfo = {
    kind,
    name: 'w',
    generation: 3,
    replicas: 3,
    templateAnnotations: {},
    containers: [],
    status: {
      observedGeneration: 3,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      ...over,
    },
  };
  return w;
}

describe('rolloutStatus', () => {
  it('is done only when the controller has caught up', () => {
    expect(rolloutStatus(workload({}))).toEqual({
      done: true,
      line: 'Deployment/w rolled out: 3/3 updated, 3/3 ready',
    });
    expect(rolloutStatus(workload({ observedGeneration: 2 })).done).toBe(false);
    expect(rolloutStatus(workload({ updatedReplicas: 2 })).line).toContain('rolling out, 2/3 updated');
    expect(rolloutStatus(workload({ replicas: 4 })).line).toContain('1 old replica(s) terminating');
    expect(rolloutStatus(workload({ availableReplicas: 2 })).done).toBe(false);
  });

  it('waits for a StatefulSet to reach its update revision', () => {
    const sts = workload({ currentRevision: 'w-1', updateRevision: 'w-2' }, 'StatefulSet');
    expect(rolloutStatus(sts)).toMatchObject({ done: false, line: expect.stringContaining('revision w-2') });
    expect(rolloutStatus(workload({ readyReplicas: 2 }, 'StatefulSet')).done).toBe(false);
  });
});
