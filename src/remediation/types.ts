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
}

// biome-ignore lint/suspicious/noExplicitAny: each definition is typed by its own port; a registry map erases it.
export type AnyActionDefinition = ActionDefinition<any, any>;
