// The platform-neutral result of one diagnosis: what the terminal renderer (text.ts), `--json`
// and the Slack renderer all draw from. Plain data only (ISO dates, no class instances), so it
// serialises to JSON and back unchanged. Statuses are ranked by src/diagnostics/status.ts.
import type { Diagnosis } from '../diagnostics/decide.js';
import type { DiagnosisRun } from '../diagnostics/engine.js';
import { statusCounts, worstStatus } from '../diagnostics/status.js';
import type { CheckResult, CheckStatus } from '../diagnostics/types.js';
import type { DecisionNode, Playbook } from '../playbooks/schema.js';

/** One bottleneck named by the decision tree, with the way down the tree that led to it. */
export interface Finding {
  /** The deepest holding decision node that names a bottleneck. */
  id: string;
  /** Bottleneck names from the top of the tree down: ["Slow processing", "S3 download is slow", "S3 throttling"]. */
  path: string[];
  /** The checks whose status made the path hold, top of the tree first, each once. */
  evidenceChecks: string[];
  /** The playbook author's words for the deepest node, when there are any. */
  note?: string | undefined;
}

export interface DiagnosisReport {
  playbook: { id: string; title: string; runbook?: string | undefined };
  namespace: string;
  /** ISO 8601 */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  checks: CheckResult[];
  diagnosis: Diagnosis;
  /** The bottlenecks as paths through the decision tree; a node above a deeper one is part of its path. */
  findings?: Finding[] | undefined;
  /** What to look at after a fix, and when (the playbook's verification section). */
  verification: { after: string; items: string[] };
  counts: Record<CheckStatus, number>;
  /** The worst status of any check; "skipped" when nothing was measured. */
  status: CheckStatus;
  /** Variables that would let skipped checks run ("set PROMETHEUS_URL"), each once. */
  unconfigured: string[];
}

const SKIPPED_SET = /^skipped: set (.+)$/;

/** The variables a skipped check asks for ("skipped: set A, B" → ["A", "B"]); none if it runs. */
export function missingVariables(c: Pick<CheckResult, 'status' | 'summary'>): string[] {
  const list = c.status === 'skipped' ? SKIPPED_SET.exec(c.summary)?.[1] : undefined;
  return list ? list.split(/,\s*/).filter(Boolean) : [];
}

export function buildReport(playbook: Playbook, run: DiagnosisRun): DiagnosisReport {
  const unconfigured = new Set<string>();
  for (const c of run.checks) for (const variable of missingVariables(c)) unconfigured.add(variable);
  return {
    playbook: { id: playbook.id, title: playbook.title, runbook: playbook.runbook },
    namespace: run.namespace,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    durationMs: run.durationMs,
    checks: run.checks,
    diagnosis: run.diagnosis,
    findings: findings(playbook.decision, run.diagnosis),
    verification: { after: playbook.verification.after, items: playbook.verification.items },
    counts: statusCounts(run.checks),
    status: worstStatus(run.checks.map((c) => c.status)),
    unconfigured: [...unconfigured],
  };
}

/**
 * The deepest holding bottleneck nodes, each with the holding bottleneck nodes above it. The
 * decision tree only descends into nodes that hold, so the ancestors of a holding node held.
 */
export function findings(tree: readonly DecisionNode[], diagnosis: Diagnosis): Finding[] {
  const held = new Map(diagnosis.bottlenecks.map((b) => [b.id, b]));
  const out: Finding[] = [];
  const visit = (nodes: readonly DecisionNode[], above: string[]): boolean => {
    let anyHeld = false;
    for (const node of nodes) {
      const b = held.get(node.id);
      const path = b ? [...above, node.id] : above;
      const deeper = node.branches ? visit(node.branches, path) : false;
      if (b && !deeper) {
        const chain = path.map((id) => held.get(id)).filter((x) => x !== undefined);
        out.push({
          id: node.id,
          path: chain.map((x) => x.name),
          evidenceChecks: [...new Set(chain.flatMap((x) => x.evidenceChecks))],
          note: b.note,
        });
      }
      anyHeld ||= b !== undefined || deeper;
    }
    return anyHeld;
  };
  visit(tree, []);
  return out;
}
