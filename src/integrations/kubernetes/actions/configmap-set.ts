// Set one key path in a YAML/JSON document inside a ConfigMap (e.g. sentinel.batch_size), then
// optionally rollout-restart the workload that reads it at start-up. The write is a merge patch
// carrying the resourceVersion it was computed from, so a concurrent edit makes it fail (409)
// rather than be overwritten; the restart is idempotent through the proposal ID.
import type { ActionParams } from '../../../playbooks/kinds.js';
import type { ActionContext, ActionDefinition } from '../../../remediation/types.js';
import type { KubernetesPort } from '../port.js';
import { configMapSnapshot, planConfigMapRevert, readKey, restoreConfigMap } from './configmap-undo.js';
import { type DocumentEdit, formatValue, setDocumentPath } from './document.js';
import { rolloutRestart } from './restart.js';
import { waitForWorkloadRollout } from './rollout.js';

type Params = ActionParams<'kubernetes.configmap.set'>;

async function computeEdit(ctx: ActionContext<'kubernetes.configmap.set'>, port: KubernetesPort) {
  const p: Params = ctx.params;
  const { cm, text } = await readKey(ctx, port);
  return { cm, text, edit: setDocumentPath(p.key, text, p.path, p.value) };
}

function describe(p: Params, edit: DocumentEdit): string {
  const change = `${p.path} ${formatValue(edit.before)} → ${formatValue(edit.after)}`;
  const restart = p.restart ? `, then rollout restart ${p.restart.kind}/${p.restart.name}` : '';
  return `ConfigMap ${p.configMap} (${p.key}): ${change}${restart}`;
}

export const configMapSet: ActionDefinition<'kubernetes.configmap.set', KubernetesPort> = {
  kind: 'kubernetes.configmap.set',
  backend: 'kubernetes',
  undo: { supported: true },

  async plan(ctx, port) {
    const p = ctx.params;
    const { edit } = await computeEdit(ctx, port);
    return {
      params: p,
      preview: edit.changed
        ? describe(p, edit)
        : `ConfigMap ${p.configMap} (${p.key}): ${p.path} already ${formatValue(edit.before)}`,
      before: { [p.path]: edit.before ?? null },
      after: { [p.path]: edit.after },
      noop: !edit.changed,
    };
  },

  async execute(ctx, port, proposalId) {
    const p = ctx.params;
    const { cm, text, edit } = await computeEdit(ctx, port);
    let after = configMapSnapshot(p, cm, text);
    if (edit.changed) {
      const written = await port.patchConfigMap(
        ctx.namespace,
        p.configMap,
        { [p.key]: edit.text },
        cm.resourceVersion,
        ctx.signal,
      );
      after = configMapSnapshot(p, written, edit.text);
      ctx.log.info(
        { configMap: p.configMap, key: p.key, path: p.path, namespace: ctx.namespace },
        'configmap set',
      );
    }
    const parts = [edit.changed ? describe({ ...p, restart: undefined }, edit) : `${p.path} already set`];
    let restarted = false;
    // A retry after a crash between the write and the restart finds the value set and the
    // annotation missing, and still restarts: the value only takes effect after a restart.
    if (p.restart) {
      const outcome = await rolloutRestart(port, ctx.namespace, p.restart, proposalId, ctx.now(), ctx.signal);
      restarted = outcome.changed;
      parts.push(outcome.summary);
    }
    return {
      summary: parts.join('; '),
      changed: edit.changed || restarted,
      details: { format: edit.format, before: edit.before ?? null, after: edit.after, restarted },
      after,
    };
  },

  async capture(ctx, port) {
    const { cm, text } = await readKey(ctx, port);
    return configMapSnapshot(ctx.params, cm, text);
  },

  planRevert: planConfigMapRevert,
  restore: restoreConfigMap,

  async waitForRollout(ctx, port) {
    const target = ctx.params.restart;
    if (!target) return `ConfigMap ${ctx.params.configMap} updated (no workload to restart)`;
    return waitForWorkloadRollout(port, ctx.namespace, target, ctx.signal);
  },
};
