// Cross-reference rules the schema alone cannot express. Each problem carries the document
// path it is about; the loader turns that into a line number.
import type { Condition, DecisionNode, Playbook } from './schema.js';

export interface PathProblem {
  path: (string | number)[];
  message: string;
}

export function crossReferenceProblems(pb: Playbook): PathProblem[] {
  const problems: PathProblem[] = [];
  const checkIds = uniqueIds(pb.checks, 'checks', 'check', problems);
  const remediationIds = uniqueIds(pb.remediations, 'remediations', 'remediation', problems);
  const adviceIds = uniqueIds(pb.advice, 'advice', 'advice', problems);

  pb.checks.forEach((c, i) => {
    const t = c.thresholds;
    if (!t || t.warn === undefined || t.critical === undefined) return;
    const ordered = t.direction === 'above' ? t.warn <= t.critical : t.warn >= t.critical;
    if (!ordered) {
      problems.push({
        path: ['checks', i, 'thresholds', 'warn'],
        message: `thresholds out of order: with direction ${t.direction}, warn (${t.warn}) must be ${t.direction === 'above' ? '≤' : '≥'} critical (${t.critical})`,
      });
    }
  });

  if (pb.namespaces && !pb.namespaces.includes(pb.target.namespace)) {
    problems.push({
      path: ['namespaces'],
      message: `namespaces must include target.namespace "${pb.target.namespace}" (the namespace the playbook diagnoses by default)`,
    });
  }

  pb.triggers.forEach((t, i) => {
    for (const [label, re] of Object.entries(t.match_re ?? {})) {
      try {
        // The bare pattern first, so the message quotes what the author wrote, not our anchoring.
        new RegExp(re);
        new RegExp(`^(?:${re})$`);
      } catch (err) {
        problems.push({
          path: ['triggers', i, 'match_re', label],
          message: `invalid regex: ${(err as Error).message}`,
        });
      }
    }
  });

  pb.remediations.forEach((r, i) => {
    r.verify?.forEach((c, j) => {
      if (!checkIds.has(c))
        problems.push({ path: ['remediations', i, 'verify', j], message: `unknown check "${c}"` });
    });
  });

  const nodeIds = new Set<string>();
  const walk = (nodes: DecisionNode[], path: (string | number)[]) => {
    nodes.forEach((node, i) => {
      const here = [...path, i];
      if (nodeIds.has(node.id))
        problems.push({ path: [...here, 'id'], message: `duplicate decision id "${node.id}"` });
      nodeIds.add(node.id);
      conditionProblems(node.when, [...here, 'when'], checkIds, problems);
      node.remediations?.forEach((r, j) => {
        if (!remediationIds.has(r))
          problems.push({ path: [...here, 'remediations', j], message: `unknown remediation "${r}"` });
      });
      node.advice?.forEach((a, j) => {
        if (!adviceIds.has(a))
          problems.push({ path: [...here, 'advice', j], message: `unknown advice "${a}"` });
      });
      if (node.branches) walk(node.branches, [...here, 'branches']);
    });
  };
  walk(pb.decision, ['decision']);
  return problems;
}

function conditionProblems(
  c: Condition,
  path: (string | number)[],
  checks: Set<string>,
  out: PathProblem[],
): void {
  if ('check' in c) {
    if (!checks.has(c.check)) out.push({ path: [...path, 'check'], message: `unknown check "${c.check}"` });
  } else if ('all' in c) {
    for (const [i, x] of c.all.entries()) conditionProblems(x, [...path, 'all', i], checks, out);
  } else if ('any' in c) {
    for (const [i, x] of c.any.entries()) conditionProblems(x, [...path, 'any', i], checks, out);
  } else conditionProblems(c.not, [...path, 'not'], checks, out);
}

function uniqueIds(items: { id: string }[], key: string, what: string, out: PathProblem[]): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) out.push({ path: [key, i, 'id'], message: `duplicate ${what} id "${item.id}"` });
    seen.add(item.id);
  });
  return seen;
}
