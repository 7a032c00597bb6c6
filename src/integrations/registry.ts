// The one registry: every check kind and action kind a playbook may name, mapped to its
// implementation. Integrations export their maps from src/integrations/<x>/index.ts and are
// spread in here; test/unit/registry.test.ts checks that every kind of src/playbooks/kinds.ts
// is implemented exactly once.
import type { CheckDefinition } from '../diagnostics/types.js';
import type { ActionKind, CheckKind } from '../playbooks/kinds.js';
import type { ActionDefinition } from '../remediation/types.js';
import { azureChecks } from './azure/index.js';
import { clickhouseChecks } from './clickhouse/index.js';
import { cloudwatchChecks } from './cloudwatch/index.js';
import { kafkaActions, kafkaChecks } from './kafka/index.js';
import { kubernetesActions, kubernetesChecks } from './kubernetes/index.js';
import { networkChecks } from './network/index.js';
import { prometheusChecks } from './prometheus/index.js';
import { redisChecks } from './redis/index.js';

// biome-ignore lint/suspicious/noExplicitAny: each definition is typed by its own port; the map erases it.
export type AnyCheckDefinition = CheckDefinition<any, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above, for actions.
export type AnyActionDefinition = ActionDefinition<any, any>;

export const CHECKS: Partial<Record<CheckKind, AnyCheckDefinition>> = {
  // integrations add their check maps here, e.g. ...prometheusChecks,
  ...kubernetesChecks,
  ...prometheusChecks,
  ...clickhouseChecks,
  ...redisChecks,
  ...networkChecks,
  ...kafkaChecks,
  ...cloudwatchChecks,
  ...azureChecks,
};

export const ACTIONS: Partial<Record<ActionKind, AnyActionDefinition>> = {
  // integrations add their action maps here, e.g. ...kubernetesActions,
  ...kubernetesActions,
  ...kafkaActions,
};
