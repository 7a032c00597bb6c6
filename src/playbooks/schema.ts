// The playbook format: a runbook as data. Strict (unknown keys are errors) because a typo in a
// threshold name must not silently disable a check. Check and action parameters are validated
// per kind against src/playbooks/kinds.ts in the loader, so errors point at the right line.
import { z } from 'zod';
import { CommandRules } from '../access/schema.js';
import { ACTION_KINDS, CHECK_KINDS, namespaceName, objectName, quantity, WorkloadRef } from './kinds.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case id (letters, digits, "-")');
const duration = z
  .string()
  .regex(/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/, 'expected a duration such as 30s or 5m');
const slackPrincipal = z
  .string()
  .regex(/^[USW][A-Z0-9]{2,}$/, 'expected a Slack user (U…) or user-group (S…) ID');

export const Units = [
  's',
  'ms',
  'bytes',
  'ratio',
  'percent',
  'count',
  'per_second',
  'cores',
  'messages',
] as const;
export const Unit = z.enum(Units);
export type Unit = z.infer<typeof Unit>;

/**
 * warn/critical limits for a check's value. `above`: value > warn is warn, > critical is
 * critical (latency, lag). `below`: value < warn is warn, < critical is critical (hit rate,
 * throughput). `normal` is the runbook's "normal range", kept for the report.
 */
export const Thresholds = z.strictObject({
  direction: z.enum(['above', 'below']).default('above'),
  warn: z.number().optional(),
  critical: z.number().optional(),
  normal: z.string().optional(),
});
export type Thresholds = z.infer<typeof Thresholds>;

export const Check = z.strictObject({
  id,
  kind: z.enum(CHECK_KINDS),
  title: z.string().min(1),
  /** The runbook section this check comes from, shown in reports. */
  section: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  unit: Unit.optional(),
  thresholds: Thresholds.optional(),
  timeout: duration.default('10s'),
});
export type Check = z.infer<typeof Check>;

export type Condition =
  | { check: string; status?: ConditionStatus | ConditionStatus[] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };
export const ConditionStatuses = ['ok', 'warn', 'critical', 'bad', 'unknown', 'skipped', 'error'] as const;
type ConditionStatus = (typeof ConditionStatuses)[number];

/** `status` defaults to `bad` (warn or critical). */
export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({
      check: id,
      status: z.union([z.enum(ConditionStatuses), z.array(z.enum(ConditionStatuses)).min(1)]).optional(),
    }),
    z.strictObject({ all: z.array(Condition).min(1) }),
    z.strictObject({ any: z.array(Condition).min(1) }),
    z.strictObject({ not: Condition }),
  ]),
);

/**
 * A node of the decision tree. A node whose `when` holds names its bottleneck (if any) and
 * descends into `branches`; siblings are all evaluated, so several bottlenecks can be named.
 */
export interface DecisionNode {
  id: string;
  when: Condition;
  bottleneck?: string | undefined;
  summary?: string | undefined;
  remediations?: string[] | undefined;
  advice?: string[] | undefined;
  branches?: DecisionNode[] | undefined;
}
export const DecisionNode: z.ZodType<DecisionNode> = z.lazy(() =>
  z.strictObject({
    id,
    when: Condition,
    bottleneck: z.string().min(1).optional(),
    summary: z.string().optional(),
    remediations: z.array(id).optional(),
    advice: z.array(id).optional(),
    branches: z.array(DecisionNode).optional(),
  }),
);

export const Approval = z.strictObject({
  /** Slack user and user-group IDs; empty means PERFBOT_APPROVERS. */
  approvers: z.array(slackPrincipal).default([]),
  /** Distinct approvals needed; the action kind's default when absent (two for kafka.partitions). */
  required: z.number().int().min(1).max(10).optional(),
  allowSelfApproval: z.boolean().default(false),
  expiresAfter: duration.default('30m'),
});
export type Approval = z.infer<typeof Approval>;

// ---- guardrails (issue: safer fixes) -------------------------------------------------------
// Limits a proposal is held to before anyone may approve it; breaking one makes the proposal
// `blocked` (shown with its reason, no Approve button). Every field has a default, so a
// playbook that says nothing still gets a cooldown, a per-incident limit and sane bounds.

const range = (min: number, max: number) =>
  z
    .strictObject({ min: z.number().nonnegative().default(min), max: z.number().positive().default(max) })
    .refine((r) => r.min <= r.max, 'min must not exceed max');

export const GuardrailBounds = z.strictObject({
  /** kubernetes.scale: the replicas a proposal may set. */
  replicas: range(1, 20).prefault({}),
  /** kubernetes.resources: ceilings for every request and limit a proposal may set. */
  cpu: quantity.default('8'),
  memory: quantity.default('16Gi'),
  /** kubernetes.configmap.set of a key path ending in batch_size / batchSize / batch-size. */
  batchSize: range(1, 10_000).prefault({}),
  /** kubernetes.configmap.set: any other numeric value (unbounded unless set). */
  value: z.strictObject({ min: z.number().optional(), max: z.number().optional() }).optional(),
});
export type GuardrailBounds = z.infer<typeof GuardrailBounds>;

export const Guardrails = z.strictObject({
  /**
   * No second change to the same target (workload, ConfigMap, topic) within this time of the
   * last one, unless approvers override explicitly (`/perf diagnose … --override-cooldown`:
   * the proposal then needs one more approval). `0s` turns it off.
   */
  cooldown: duration.default('30m'),
  /** Changes an incident may already have had (started runs, reverts excepted) for this one. */
  maxChangesPerIncident: z.number().int().min(1).max(100).default(3),
  bounds: GuardrailBounds.prefault({}),
});
export type Guardrails = z.infer<typeof Guardrails>;
// ---- end of guardrails --------------------------------------------------------------------

export const Remediation = z.strictObject({
  id,
  title: z.string().min(1),
  action: z.enum(ACTION_KINDS),
  params: z.record(z.string(), z.unknown()),
  approval: Approval.prefault({}),
  /** Checks re-run by the verification job after the action; default: those that led to it. */
  verify: z.array(id).optional(),
  dryRun: z.boolean().default(false),
  guardrails: Guardrails.prefault({}),
});
export type Remediation = z.infer<typeof Remediation>;

export const Advice = z.strictObject({
  id,
  title: z.string().min(1),
  text: z.string().min(1),
  section: z.string().optional(),
});
export type Advice = z.infer<typeof Advice>;

export const Trigger = z
  .strictObject({
    /** Exact alert name (Alertmanager `alertname`, Azure `alertRule`, CloudWatch `AlarmName`). */
    alertname: z.string().min(1).optional(),
    /** Label equality. */
    labels: z.record(z.string(), z.string()).optional(),
    /** Label regex, anchored like Alertmanager's `=~`. */
    match_re: z.record(z.string(), z.string()).optional(),
    source: z.enum(['alertmanager', 'azure-monitor', 'cloudwatch']).optional(),
  })
  .refine((t) => t.alertname || t.labels || t.match_re, 'a trigger needs alertname, labels or match_re');
export type Trigger = z.infer<typeof Trigger>;

export const Target = z.strictObject({
  namespace: namespaceName,
  selector: z.record(z.string(), z.string()).default({}),
  workloads: z.array(WorkloadRef).default([]),
});
export type Target = z.infer<typeof Target>;

/**
 * How alert groups become incidents. While an incident of this playbook is open, a new sender
 * group (an Alertmanager group, an Azure rule, a CloudWatch alarm) whose alerts carry the same
 * values for every `key` label joins it instead of opening its own. An alert without one of the
 * key labels cannot be shown to be the same problem: its group keeps an incident of its own.
 */
export const Correlation = z.strictObject({
  /** false: one incident per sender group, as without correlation. */
  enabled: z.boolean().default(true),
  key: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an alert label name'))
    .min(1)
    .default(['namespace']),
  /** A group joins an open incident that opened, or took in a new alert, no longer ago than this. */
  window: duration.default('1h'),
  /**
   * Alert names that start firing within this time of the incident's last diagnosis are covered by
   * it; a new firing alert name after that asks for a re-diagnosis (`rediagnose` event).
   */
  settle: duration.default('2m'),
});
export type Correlation = z.infer<typeof Correlation>;

export const Playbook = z.strictObject({
  id,
  title: z.string().min(1),
  description: z.string().optional(),
  runbook: z.string().optional(),
  aliases: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).default([]),
  channel: z
    .string()
    .regex(/^[CG][A-Z0-9]{2,}$/, 'expected a Slack channel ID')
    .optional(),
  /** Preview remediations only, never execute (same as PERFBOT_DRY_RUN for this playbook). */
  dryRun: z.boolean().default(false),
  target: Target,
  /**
   * Namespace bounds: the only namespaces this playbook may diagnose and act in (default: just
   * target.namespace). An alert label or --namespace outside them is refused before any call.
   */
  namespaces: z.array(namespaceName).min(1).optional(),
  triggers: z.array(Trigger).default([]),
  checks: z.array(Check).min(1),
  decision: z.array(DecisionNode).default([]),
  remediations: z.array(Remediation).default([]),
  advice: z.array(Advice).default([]),
  verification: z
    .strictObject({ after: duration.default('5m'), items: z.array(z.string()).default([]) })
    .prefault({}),
  correlation: Correlation.prefault({}),
  /**
   * Who may run commands on this playbook's incidents (ack, silence, resolve, …) and diagnose it;
   * overrides PERFBOT_ACCESS for those commands (src/access/).
   */
  access: CommandRules.default({}),
});
export type Playbook = z.infer<typeof Playbook>;

/** A loaded playbook remembers where it came from, for messages and reloads. */
export interface LoadedPlaybook extends Playbook {
  file: string;
}

export { objectName };
