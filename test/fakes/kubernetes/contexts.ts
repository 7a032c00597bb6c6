// Check and action contexts for tests of the Kubernetes integration: params go through the real
// playbook schemas (so defaults apply exactly as in a loaded playbook).
import type { CheckContext } from '../../../src/diagnostics/types.js';
import { silentLogger } from '../../../src/log.js';
import {
  ACTION_PARAMS,
  type ActionKind,
  CHECK_PARAMS,
  type CheckKind,
} from '../../../src/playbooks/kinds.js';
import type { ActionContext } from '../../../src/remediation/types.js';

export const NOW = new Date('2024-05-01T10:00:00Z');

export function checkContext<K extends CheckKind>(
  kind: K,
  params: unknown,
  options: { namespace?: string; selector?: Record<string, string>; signal?: AbortSignal } = {},
): CheckContext<K> {
  const namespace = options.namespace ?? 'data-processing';
  return {
    params: CHECK_PARAMS[kind].parse(params) as CheckContext<K>['params'],
    namespace,
    target: { namespace: 'data-processing', selector: options.selector ?? {}, workloads: [] },
    signal: options.signal ?? new AbortController().signal,
    now: () => NOW,
    log: silentLogger,
  };
}

export function actionContext<K extends ActionKind>(
  kind: K,
  params: unknown,
  options: { namespace?: string; signal?: AbortSignal } = {},
): ActionContext<K> {
  return {
    params: ACTION_PARAMS[kind].parse(params) as ActionContext<K>['params'],
    namespace: options.namespace ?? 'data-processing',
    signal: options.signal ?? new AbortController().signal,
    now: () => NOW,
    log: silentLogger,
  };
}
