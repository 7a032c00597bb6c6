// Conformance of the integration registry: every kind a playbook may name (src/playbooks/kinds.ts)
// has exactly one implementation, registered under its own name, with the functions the engine
// and the remediation worker call; and every integration folder has its index.ts.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_VARIABLE } from '../../src/diagnostics/types.js';
import {
  backendOfKind,
  createRegistry,
  INTEGRATIONS,
  loadAllKinds,
} from '../../src/integrations/registry.js';
import { ACTION_KINDS, CHECK_KINDS } from '../../src/playbooks/kinds.js';

const ROOT = join(import.meta.dirname, '../../src/integrations');
const FOLDERS = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const BACKENDS = Object.keys(BACKEND_VARIABLE);
const ALL = await loadAllKinds();
const CHECKS = Object.fromEntries(ALL.checks) as unknown as Record<string, Definition | undefined>;
const ACTIONS = Object.fromEntries(ALL.actions) as unknown as Record<string, Definition | undefined>;

type Definition = { kind: string; backend: unknown; [k: string]: unknown };
const isFn = (v: unknown) => typeof v === 'function';
const isDefinition = (v: unknown): v is Definition =>
  typeof v === 'object' && v !== null && typeof (v as Definition).kind === 'string';
const isCheck = (d: Definition) => isFn(d.run);
const isAction = (d: Definition) => isFn(d.plan) && isFn(d.execute);

/** Definitions an integration's index.ts exports, directly or in maps (e.g. kafkaChecks). */
function exportedDefinitions(mod: Record<string, unknown>): Definition[] {
  const found = new Set<Definition>();
  for (const value of Object.values(mod)) {
    if (isDefinition(value)) found.add(value);
    else if (typeof value === 'object' && value !== null)
      for (const inner of Object.values(value)) if (isDefinition(inner)) found.add(inner);
  }
  return [...found];
}

let loaded: Promise<Map<string, Definition[]>> | undefined;
const definitionsByFolder = () => {
  loaded ??= loadDefinitions();
  return loaded;
};

async function loadDefinitions(): Promise<Map<string, Definition[]>> {
  const out = new Map<string, Definition[]>();
  for (const folder of FOLDERS.filter((f) => existsSync(join(ROOT, f, 'index.ts')))) {
    const mod = (await import(join(ROOT, folder, 'index.ts'))) as Record<string, unknown>;
    out.set(folder, exportedDefinitions(mod));
  }
  return out;
}

describe('integration folders', () => {
  // A folder whose name prefixes a check or action kind implements it and needs a loader; a
  // client-only integration (alertmanager: silences) has neither.
  const implementing = FOLDERS.filter((f) =>
    [...CHECK_KINDS, ...ACTION_KINDS].some((k) => k.startsWith(`${f}.`)),
  );
  it.each(implementing)('%s has an index.ts and a loader in the registry', (folder) => {
    expect(existsSync(join(ROOT, folder, 'index.ts'))).toBe(true);
    expect(Object.keys(INTEGRATIONS)).toContain(folder);
  });
  it('every loader in the registry has its folder', () => {
    for (const name of Object.keys(INTEGRATIONS)) expect(FOLDERS).toContain(name);
  });
});

describe('backendOfKind', () => {
  it.each([...CHECK_KINDS, ...ACTION_KINDS])(
    '%s: known without loading, and the same as its definition says',
    (kind) => {
      expect(backendOfKind(kind)).toBe((CHECKS[kind] ?? ACTIONS[kind])?.backend);
    },
  );
});

describe('createRegistry', () => {
  it('loads an integration only when one of its kinds is asked for, once', async () => {
    const loads: string[] = [];
    const registry = createRegistry({
      prometheus: async () => {
        loads.push('prometheus');
        return {
          checks: {
            'prometheus.query': {
              kind: 'prometheus.query',
              backend: 'prometheus',
              run: async () => ({ value: 1 }),
            },
          },
        };
      },
      kubernetes: async () => {
        loads.push('kubernetes');
        return {};
      },
    });
    expect(loads).toEqual([]);
    expect((await registry.check('prometheus.query'))?.kind).toBe('prometheus.query');
    expect(await registry.check('prometheus.range')).toBeUndefined();
    expect(await registry.action('kafka.partitions')).toBeUndefined();
    expect(loads).toEqual(['prometheus']);
  });
});

describe('CHECKS', () => {
  it('registers only known check kinds', () => {
    expect(Object.keys(CHECKS).filter((k) => !(CHECK_KINDS as string[]).includes(k))).toEqual([]);
  });

  it.each(CHECK_KINDS)('%s is registered under its own kind, with a back end and run()', (kind) => {
    const def = CHECKS[kind];
    expect(def, `${kind} is not in CHECKS (src/integrations/registry.ts)`).toBeDefined();
    expect(def?.kind).toBe(kind);
    expect(BACKENDS).toContain(def?.backend);
    expect(typeof def?.run).toBe('function');
  });

  it.each(CHECK_KINDS)(
    '%s is implemented by exactly one integration, the one it is named after',
    async (kind) => {
      const byFolder = await definitionsByFolder();
      const owners = [...byFolder].filter(([, defs]) => defs.some((d) => d.kind === kind && isCheck(d)));
      expect(owners.map(([folder]) => folder)).toEqual([kind.split('.')[0]]);
    },
  );
});

describe('ACTIONS', () => {
  it('registers only known action kinds', () => {
    expect(Object.keys(ACTIONS).filter((k) => !(ACTION_KINDS as string[]).includes(k))).toEqual([]);
  });

  it.each(ACTION_KINDS)(
    '%s is registered under its own kind, with a back end, plan() and execute()',
    (kind) => {
      const def = ACTIONS[kind];
      expect(def, `${kind} is not in ACTIONS (src/integrations/registry.ts)`).toBeDefined();
      expect(def?.kind).toBe(kind);
      expect(BACKENDS).toContain(def?.backend);
      expect(typeof def?.plan).toBe('function');
      expect(typeof def?.execute).toBe('function');
    },
  );

  it.each(ACTION_KINDS)(
    '%s is implemented by exactly one integration, the one it is named after',
    async (kind) => {
      const byFolder = await definitionsByFolder();
      const owners = [...byFolder].filter(([, defs]) => defs.some((d) => d.kind === kind && isAction(d)));
      expect(owners.map(([folder]) => folder)).toEqual([kind.split('.')[0]]);
    },
  );
});
