// The playbook's decision tree over check statuses → the bottleneck(s), the remediations to
// propose and the advice that applies. Pure, so every runbook branch is a unit test.
import type { Advice, Condition, DecisionNode, Playbook, Remediation } from '../playbooks/schema.js';
import { isOutOfRange } from './status.js';
import type { CheckResult, CheckStatus } from './types.js';

export interface Bottleneck {
  /** The decision node's id. */
  id: string;
  name: string;
  /** The node's own summary if it has one, else the evidence checks' summaries. */
  summary: string;
  /** The playbook author's words for this node (its `summary`), when there are any. */
  note?: string | undefined;
  /** Checks whose status made this node (and the nodes above it) hold. */
  evidenceChecks: string[];
  remediations: Remediation[];
  advice: Advice[];
}

export interface Diagnosis {
  bottlenecks: Bottleneck[];
  /** Every remediation any holding node proposes, first mention first, each once. */
  remediations: Remediation[];
  advice: Advice[];
}

type Statuses = ReadonlyMap<string, CheckStatus>;

interface Outcome {
  holds: boolean;
  /** Checks that positively contributed; a `not` contributes none (absence is not evidence). */
  evidence: string[];
}

/** `status` defaults to `bad` (warn or critical); a list matches any of its entries. */
export function evaluateCondition(c: Condition, statuses: Statuses): Outcome {
  if ('check' in c) {
    const actual = statuses.get(c.check) ?? 'unknown';
    const wanted = c.status === undefined ? ['bad'] : Array.isArray(c.status) ? c.status : [c.status];
    const holds = wanted.some((w) => w === actual || (w === 'bad' && isOutOfRange(actual)));
    return { holds, evidence: holds ? [c.check] : [] };
  }
  if ('all' in c) {
    const parts = c.all.map((x) => evaluateCondition(x, statuses));
    const holds = parts.every((p) => p.holds);
    return { holds, evidence: holds ? parts.flatMap((p) => p.evidence) : [] };
  }
  if ('any' in c) {
    const held = c.any.map((x) => evaluateCondition(x, statuses)).filter((p) => p.holds);
    return { holds: held.length > 0, evidence: held.flatMap((p) => p.evidence) };
  }
  return { holds: !evaluateCondition(c.not, statuses).holds, evidence: [] };
}

export function decide(playbook: Playbook, results: readonly CheckResult[]): Diagnosis {
  const statuses = new Map(results.map((r) => [r.checkId, r.status]));
  const byCheck = new Map(results.map((r) => [r.checkId, r]));
  const remediationById = new Map(playbook.remediations.map((r) => [r.id, r]));
  const adviceById = new Map(playbook.advice.map((a) => [a.id, a]));
  const bottlenecks: Bottleneck[] = [];
  const remediations = new Map<string, Remediation>();
  const advice = new Map<string, Advice>();

  const visit = (nodes: readonly DecisionNode[], inherited: readonly string[]) => {
    for (const node of nodes) {
      const outcome = evaluateCondition(node.when, statuses);
      if (!outcome.holds) continue;
      const evidence = unique([...outcome.evidence, ...inherited]);
      const nodeRemediations = pick(node.remediations, remediationById);
      const nodeAdvice = pick(node.advice, adviceById);
      for (const r of nodeRemediations) if (!remediations.has(r.id)) remediations.set(r.id, r);
      for (const a of nodeAdvice) if (!advice.has(a.id)) advice.set(a.id, a);
      if (node.bottleneck) {
        bottlenecks.push({
          id: node.id,
          name: node.bottleneck,
          summary:
            node.summary ?? evidenceSummary(outcome.evidence.length ? outcome.evidence : evidence, byCheck),
          note: node.summary,
          evidenceChecks: evidence,
          remediations: nodeRemediations,
          advice: nodeAdvice,
        });
      }
      if (node.branches) visit(node.branches, evidence);
    }
  };
  visit(playbook.decision, []);
  return { bottlenecks, remediations: [...remediations.values()], advice: [...advice.values()] };
}

function pick<T>(ids: readonly string[] | undefined, byId: ReadonlyMap<string, T>): T[] {
  const out: T[] = [];
  for (const id of unique(ids ?? [])) {
    const item = byId.get(id);
    if (item) out.push(item);
  }
  return out;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function evidenceSummary(checkIds: readonly string[], byCheck: ReadonlyMap<string, CheckResult>): string {
  const lines = checkIds.map((id) => byCheck.get(id)?.summary).filter((s): s is string => s !== undefined);
  return lines.length > 0 ? lines.join('; ') : 'conditions of the decision tree hold';
}
