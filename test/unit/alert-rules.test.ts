// Conventions every shipped Prometheus rule keeps (playbooks/alerts/ and perfbot's own in
// deploy/monitoring/): a runbook_url to an existing section of its runbook, a name that no
// kubernetes-mixin alert has, and a promtool unit test that makes it fire.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** kubernetes-mixin's alert names (kubernetes-monitoring/kubernetes-mixin, alerts/*.libsonnet, 2026-08). */
const KUBERNETES_MIXIN_ALERTS = new Set(
  `CPUThrottlingHigh KubeAPIErrorBudgetBurn KubeAPITerminatedRequests KubeAggregatedAPIDown
  KubeAggregatedAPIErrors KubeCPUOvercommit KubeCPUQuotaOvercommit KubeClientCertificateExpiration
  KubeClientErrors KubeContainerWaiting KubeDaemonSetMisScheduled KubeDaemonSetNotScheduled
  KubeDaemonSetRolloutStuck KubeDeploymentGenerationMismatch KubeDeploymentReplicasMismatch
  KubeDeploymentRolloutStuck KubeHpaMaxedOut KubeHpaReplicasMismatch KubeJobFailed KubeJobNotCompleted
  KubeMemoryOvercommit KubeMemoryQuotaOvercommit KubeNodeEviction KubeNodeNotReady KubeNodePressure
  KubeNodeReadinessFlapping KubeNodeUnreachable KubePdbNotEnoughHealthyPods KubePersistentVolumeErrors
  KubePersistentVolumeFillingUp KubePersistentVolumeInodesFillingUp KubePodCrashLooping KubePodNotReady
  KubeQuotaAlmostFull KubeQuotaExceeded KubeQuotaFullyUsed KubeStatefulSetGenerationMismatch
  KubeStatefulSetReplicasMismatch KubeStatefulSetUpdateNotRolledOut KubeVersionMismatch
  KubeletClientCertificateExpiration KubeletClientCertificateRenewalErrors KubeletDown
  KubeletPlegDurationHigh KubeletPodStartUpLatencyHigh KubeletServerCertificateExpiration
  KubeletServerCertificateRenewalErrors KubeletTooManyPods KubeAPIDown KubeControllerManagerDown
  KubeProxyDown KubeSchedulerDown`.split(/\s+/),
);

interface Rule {
  alert: string;
  annotations: Record<string, string>;
}
interface ShippedRule extends Rule {
  file: string;
}

function rulesIn(dir: string): ShippedRule[] {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.rules.yml'))
    .flatMap((f) => {
      const doc = parse(readFileSync(join(root, dir, f), 'utf8')) as { groups: { rules: Rule[] }[] };
      return doc.groups.flatMap((g) => g.rules.map((r) => ({ ...r, file: `${dir}/${f}` })));
    });
}

const rules = [...rulesIn('playbooks/alerts'), ...rulesIn('deploy/monitoring')];

/** The runbook each rule file links to, and where it lives (shared/ beside the clone, or in deploy/). */
const RUNBOOK_OF: Record<string, string> = {
  'playbooks/alerts/data-pipeline.rules.yml': 'data-pipeline-performance.md',
  'playbooks/alerts/sentinel-connector.rules.yml': 's3-sentinel-connector-performance.md',
  'deploy/monitoring/perfbot.rules.yml': 'perfbot-runbook.md',
};
function runbookText(file: string): string | undefined {
  const candidates = [
    join(root, 'deploy/monitoring', file),
    join(root, '..', 'shared', 'runbooks', file),
    join(root, '..', '..', 'shared', 'runbooks', file),
  ];
  const found = candidates.find((p) => existsSync(p));
  return found === undefined ? undefined : readFileSync(found, 'utf8');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (m?.[1]) {
      anchors.add(
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
    }
  }
  return anchors;
}

describe('shipped alert rules', () => {
  it('are all read (playbook rules and perfbot’s own)', () => {
    expect(rules.length).toBe(27);
    expect(Object.keys(RUNBOOK_OF).sort()).toEqual([...new Set(rules.map((r) => r.file))].sort());
  });

  it('link a section of their runbook in runbook_url, under one base URL', () => {
    const bases = new Set<string>();
    for (const rule of rules) {
      const url = new URL(rule.annotations.runbook_url ?? '', 'relative:/');
      expect(url.protocol, rule.alert).toBe('https:');
      const runbook = RUNBOOK_OF[rule.file] as string;
      expect(basename(url.pathname), rule.alert).toBe(runbook);
      expect(url.hash.length, rule.alert).toBeGreaterThan(1);
      bases.add(url.href.slice(0, url.href.length - runbook.length - url.hash.length));
    }
    expect([...bases]).toHaveLength(1);
  });

  it('point at headings that exist in the runbooks', () => {
    for (const rule of rules) {
      const runbook = RUNBOOK_OF[rule.file] as string;
      const text = runbookText(runbook);
      if (text === undefined) {
        console.log(`skipping the anchor check of ${rule.alert}: ${runbook} not found beside the repository`);
        continue;
      }
      const anchor = decodeURIComponent(new URL(rule.annotations.runbook_url ?? '').hash.slice(1));
      expect(headingAnchors(text).has(anchor), `${rule.alert} → ${runbook}#${anchor}`).toBe(true);
    }
  });

  it('never reuse a kubernetes-mixin alert name, nor each other’s', () => {
    const names = rules.map((r) => r.alert);
    expect(names.filter((n) => KUBERNETES_MIXIN_ALERTS.has(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('each have a promtool unit test that expects them to fire', () => {
    const dir = join(root, 'test/fixtures/alerts');
    const firing = new Map<string, Set<string>>();
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.test.yml'))) {
      const doc = parse(readFileSync(join(dir, f), 'utf8')) as {
        rule_files: string[];
        tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      };
      for (const ruleFile of doc.rule_files) {
        const shipped = ruleFile.replace(/^(\.\.\/)+/, '');
        const set = firing.get(shipped) ?? new Set<string>();
        for (const t of doc.tests)
          for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length > 0) set.add(a.alertname);
        firing.set(shipped, set);
      }
    }
    const untested = rules.filter((r) => !firing.get(r.file)?.has(r.alert)).map((r) => r.alert);
    expect(untested).toEqual([]);
  });
});

describe('headingAnchors', () => {
  it('makes GitHub-style anchors and ignores comments in code blocks', () => {
    const md =
      '# Top\n### 2. High CPU Usage\n```bash\n# Check CPU\n```\n### Step 1: Identify the Bottleneck\n';
    expect([...headingAnchors(md)]).toEqual(['top', '2-high-cpu-usage', 'step-1-identify-the-bottleneck']);
  });
});
