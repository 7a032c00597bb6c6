// The contract between remediation (proposals, approval, queue) and the integrations that
// change real systems. Each action is validate → plan (preview) → execute → wait for rollout.
import type { BackendName } from '../diagnostics/types.js';
import type { Logger } from '../log.js';
import type { ActionKind, ActionParams } from '../playbooks/kinds.js';

export interface ActionContext<K extends ActionKind = ActionKind> {
  params: ActionParams<K>;
  namespace: string;
  signal: AbortSignal;
  now: () => Date;
  log: Logger;
}

/**
 * What an approver is asked to approve. `params` are resolved to absolute values (replicas: 4,
 * not by: +2) when the proposal is made, so a retried or late job applies exactly what was shown.
 */
export interface ActionPlan<K extends ActionKind = ActionKind> {
  params: ActionParams<K>;
  /** "replicas 2 → 4", "sentinel.batch_size 1000 → 500" */
  preview: string;
  before?: unknown;
  after?: unknown;
  /** Already in the desired state: nothing to approve. */
  noop: boolean;
}

export interface ActionResult {
  summary: string;
  /** false when the job found the change already applied (a retry after a crash). */
  changed: boolean;
  details?: Record<string, unknown>;
  /** The state the run left behind: what a revert expects to find still there. */
  after?: StateSnapshot | undefined;
}

/** The part of the live system an action changes, as read at one moment. */
export interface StateSnapshot {
  /** What was read: "Deployment/enrichment", "ConfigMap/connector-config key config.yaml". */
  target: string;
  /** What restoring needs, e.g. { replicas: 2 } or the key's whole document text. */
  values: Record<string, unknown>;
  /** The object's resourceVersion, where it pins the state (a ConfigMap has no status churn). */
  resourceVersion?: string | undefined;
}

/** Said with every proposal, before anyone approves: can this change be taken back? */
export type UndoSupport = { supported: true } | { supported: false; reason: string };

/** What a revert works from: the fix's recorded prior state and the state it left. */
export interface RestoreSpec {
  /** The fix being reverted (a proposal ID). */
  of: string;
  /** The state before the fix: what the revert restores. */
  prior: StateSnapshot;
  /** The state the fix left: the object must still hold it, or the revert is refused. */
  expected: StateSnapshot;
}

export interface ActionDefinition<K extends ActionKind, Port> {
  kind: K;
  backend: BackendName;
  /** Reads current state and resolves params; throws GuardViolationError on a guard rail. */
  plan(ctx: ActionContext<K>, port: Port): Promise<ActionPlan<K>>;
  /**
   * Applies resolved params. Must be idempotent: `proposalId` lets an action recognise that it
   * already ran (e.g. a restart annotation carrying the ID).
   */
  execute(ctx: ActionContext<K>, port: Port, proposalId: string): Promise<ActionResult>;
  /** Waits (bounded by ctx.signal) until the change has rolled out; returns a status line. */
  waitForRollout?(ctx: ActionContext<K>, port: Port): Promise<string>;

  /** Declared up front and shown with the proposal; absent means no undo. */
  undo?: UndoSupport;
  /** Reads exactly what execute() is about to change; the worker stores it before executing. */
  capture?(ctx: ActionContext<K>, port: Port): Promise<StateSnapshot>;
  /**
   * Plans a revert: checks the object still holds `spec.expected` (else throws
   * GuardViolationError saying what changed) and previews restoring `spec.prior`.
   */
  planRevert?(ctx: ActionContext<K>, port: Port, spec: RestoreSpec): Promise<ActionPlan<K>>;
  /** Restores `spec.prior` under the same check as planRevert; idempotent like execute(). */
  restore?(ctx: ActionContext<K>, port: Port, spec: RestoreSpec, proposalId: string): Promise<ActionResult>;
}

export const NO_UNDO_DECLARED: UndoSupport = {
  supported: false,
  reason: 'this action kind records no prior state to restore',
};

/** The undo an action declares, `NO_UNDO_DECLARED` when it says nothing or cannot restore. */
export function undoSupport(
  definition: Pick<ActionDefinition<ActionKind, unknown>, 'undo' | 'restore' | 'capture'>,
): UndoSupport {
  const undo = definition.undo ?? NO_UNDO_DECLARED;
  if (undo.supported && (!definition.restore || !definition.capture)) return NO_UNDO_DECLARED;
  return undo;
}

// biome-ignore lint/suspicious/noExplicitAny: each definition is typed by its own port; a registry map erases it.
export type AnyActionDefinition = ActionDefinition<any, any>;
