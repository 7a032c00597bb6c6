// Every registered action says up front whether it can be undone, and an action that says yes
// implements the whole way back (capture before, planRevert, restore).
import { describe, expect, it } from 'vitest';
import { type AnyActionDefinition, loadAllKinds } from '../../src/integrations/registry.js';
import { ACTION_KINDS } from '../../src/playbooks/kinds.js';
import { undoSupport } from '../../src/remediation/types.js';

// Every integration loaded (the registry loads them on demand), as one map of kinds.
const ACTIONS = Object.fromEntries((await loadAllKinds()).actions) as Partial<
  Record<string, AnyActionDefinition>
>;

describe('undo declarations', () => {
  it.each(ACTION_KINDS)('%s declares its undo', (kind) => {
    const definition = ACTIONS[kind];
    const undo = definition?.undo;
    expect(undo).toBeDefined();
    if (undo?.supported) {
      expect(typeof definition?.capture).toBe('function');
      expect(typeof definition?.planRevert).toBe('function');
      expect(typeof definition?.restore).toBe('function');
    } else {
      expect(undo?.reason).toMatch(/\w/);
    }
  });

  it('scale, ConfigMap and resources can be undone; restart and Kafka partitions cannot', () => {
    expect(Object.fromEntries(ACTION_KINDS.map((k) => [k, undoSupport(ACTIONS[k] ?? {}).supported]))).toEqual(
      {
        'kubernetes.scale': true,
        'kubernetes.restart': false,
        'kubernetes.configmap.set': true,
        'kubernetes.resources': true,
        'kafka.partitions': false,
      },
    );
  });
});
