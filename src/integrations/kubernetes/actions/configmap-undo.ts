// Undo of kubernetes.configmap.set. The prior state is the key's whole document text (comments
// and formatting included) plus the ConfigMap's resourceVersion; a revert writes that text back
// only while the ConfigMap is still exactly as the fix left it (same resourceVersion), and the
// write carries that resourceVersion, so an edit racing the revert makes it fail (409).
import { GuardViolationError, InvalidInputError } from '../../../errors.js';
import type { ActionParams } from '../../../playbooks/kinds.js';
import type { ActionContext, ActionResult, RestoreSpec, StateSnapshot } from '../../../remediation/types.js';
import type { ConfigMapInfo, KubernetesPort } from '../port.js';
import { formatValue, setDocumentPath } from './document.js';
import { rolloutRestart } from './restart.js';

type Params = ActionParams<'kubernetes.configmap.set'>;
type Ctx = ActionContext<'kubernetes.configmap.set'>;

export function configMapSnapshot(p: Params, cm: ConfigMapInfo, text: string): StateSnapshot {
  return {
    target: `ConfigMap/${p.configMap} key ${p.key}`,
    values: { text, path: p.path, value: valueAt(p, text) ?? null },
    resourceVersion: cm.resourceVersion,
  };
}

/** The value at the key path of a document, undefined when unset or unreadable. */
function valueAt(p: Params, text: string): unknown {
  try {
    return setDocumentPath(p.key, text, p.path, p.value).before;
  } catch {
    return undefined;
  }
}

export async function readKey(ctx: Ctx, port: KubernetesPort): Promise<{ cm: ConfigMapInfo; text: string }> {
  const p = ctx.params;
  const cm = await port.readConfigMap(ctx.namespace, p.configMap, ctx.signal);
  const text = cm.data[p.key];
  if (text === undefined) {
    const keys = Object.keys(cm.data).join(', ') || 'none';
    throw new InvalidInputError('params.key', `ConfigMap ${p.configMap} has no key ${p.key} (keys: ${keys})`);
  }
  return { cm, text };
}

/** Refuses unless the ConfigMap is as the fix left it (or already back as it was). */
async function revertCheck(ctx: Ctx, port: KubernetesPort, spec: RestoreSpec) {
  const p = ctx.params;
  const cm = await port.readConfigMap(ctx.namespace, p.configMap, ctx.signal);
  const text = cm.data[p.key];
  const priorText = String(spec.prior.values.text);
  const restored = text === priorText;
  if (!restored && cm.resourceVersion !== spec.expected.resourceVersion) {
    let what: string;
    if (text === undefined) what = `key ${p.key} is gone`;
    else if (text === spec.expected.values.text) what = `another part of the ConfigMap changed`;
    else {
      const now = valueAt(p, text);
      what =
        now === spec.expected.values.value
          ? `key ${p.key} was edited elsewhere`
          : `${p.path} is now ${formatValue(now)}, not the ${formatValue(spec.expected.values.value)} it set`;
    }
    throw new GuardViolationError(
      `ConfigMap ${p.configMap} changed since ${spec.of} (resourceVersion ${spec.expected.resourceVersion ?? '?'} → ${cm.resourceVersion ?? '?'}: ${what}); reverting would overwrite that change, so nothing was reverted`,
    );
  }
  return { cm, text: text ?? '', restored, priorText };
}

export function revertPreview(p: Params, spec: RestoreSpec, from: unknown): string {
  const restart = p.restart ? `, then rollout restart ${p.restart.kind}/${p.restart.name}` : '';
  return `ConfigMap ${p.configMap} (${p.key}): ${p.path} ${formatValue(from)} → ${formatValue(spec.prior.values.value ?? undefined)}, the key restored as it was before ${spec.of}${restart}`;
}

export async function planConfigMapRevert(ctx: Ctx, port: KubernetesPort, spec: RestoreSpec) {
  const p = ctx.params;
  const { text, restored } = await revertCheck(ctx, port, spec);
  return {
    params: p,
    preview: restored
      ? `ConfigMap ${p.configMap} (${p.key}) already as it was before ${spec.of}`
      : revertPreview(p, spec, valueAt(p, text)),
    before: { [p.path]: valueAt(p, text) ?? null },
    after: { [p.path]: spec.prior.values.value ?? null },
    noop: restored,
  };
}

export async function restoreConfigMap(
  ctx: Ctx,
  port: KubernetesPort,
  spec: RestoreSpec,
  proposalId: string,
): Promise<ActionResult> {
  const p = ctx.params;
  const { cm, text, restored, priorText } = await revertCheck(ctx, port, spec);
  let after = configMapSnapshot(p, cm, text);
  const parts: string[] = [];
  if (restored) parts.push(`ConfigMap ${p.configMap} (${p.key}) already restored`);
  else {
    const written = await port.patchConfigMap(
      ctx.namespace,
      p.configMap,
      { [p.key]: priorText },
      spec.expected.resourceVersion,
      ctx.signal,
    );
    after = configMapSnapshot(p, written, priorText);
    parts.push(revertPreview({ ...p, restart: undefined }, spec, valueAt(p, text)));
    ctx.log.info({ configMap: p.configMap, key: p.key, namespace: ctx.namespace }, 'configmap reverted');
  }
  // The old value takes effect only once the pods restart, as with the fix itself.
  let restarted = false;
  if (p.restart) {
    const outcome = await rolloutRestart(port, ctx.namespace, p.restart, proposalId, ctx.now(), ctx.signal);
    restarted = outcome.changed;
    parts.push(outcome.summary);
  }
  return { summary: parts.join('; '), changed: !restored || restarted, details: { restarted }, after };
}
