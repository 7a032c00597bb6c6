// deploy/monitoring/alertmanager.yml, the receiver and route to merge into an Alertmanager
// config: Alertmanager's own amtool accepts it, sends alerts that name a playbook to perfbot (and
// on to the team's receiver), and keeps perfbot's own alerts away from perfbot.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadPlaybookDir } from '../../src/playbooks/loader.js';

const AMTOOL = '/usr/bin/amtool';
const root = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = 'deploy/monitoring/alertmanager.yml';
const run = promisify(execFile);

if (!existsSync(AMTOOL)) console.log(`skipping the Alertmanager config tests: ${AMTOOL} is not installed`);

async function routeOf(labels: string[]): Promise<string> {
  const { stdout } = await run(AMTOOL, ['config', 'routes', 'test', `--config.file=${CONFIG}`, ...labels], {
    cwd: root,
  });
  return stdout.trim();
}

describe.skipIf(!existsSync(AMTOOL))('Alertmanager receiver and route for perfbot', () => {
  it('is a valid Alertmanager configuration', async () => {
    const { stdout } = await run(AMTOOL, ['check-config', CONFIG], { cwd: root });
    expect(stdout).toContain('SUCCESS');
  });

  it('routes alerts with a playbook label to perfbot and on to the team, and others to the team only', async () => {
    expect(
      await routeOf(['alertname=HighLatency', 'playbook=data-pipeline', 'namespace=data-processing']),
    ).toBe('perfbot,team');
    expect(await routeOf(['alertname=S3SentinelMemoryHigh', 'playbook=sentinel-connector'])).toBe(
      'perfbot,team',
    );
    expect(await routeOf(['alertname=PerfbotDown', 'severity=critical'])).toBe('team');
  });

  it('routes every trigger of every shipped playbook to perfbot, once, and on to the team', async () => {
    const { playbooks, problems } = await loadPlaybookDir('playbooks', root);
    expect(problems).toEqual([]);
    const triggers = playbooks.flatMap((pb) => pb.triggers.map((t) => ({ pb: pb.id, t })));
    expect(triggers.length).toBeGreaterThan(20);
    for (const { pb, t } of triggers) {
      if (t.source && t.source !== 'alertmanager') continue;
      // A match_re trigger is sent with its pattern as the value: right for literal patterns.
      const re = Object.entries(t.match_re ?? {}).map(([k, v]) => `${k}=${v}`);
      const labels = [
        ...(t.alertname ? [`alertname=${t.alertname}`] : []),
        ...Object.entries(t.labels ?? {}).map(([k, v]) => `${k}=${v}`),
        ...re,
      ];
      const receivers = (await routeOf(labels)).split(',');
      expect(
        receivers.filter((r) => r === 'perfbot'),
        `${pb}: ${labels.join(' ')}`,
      ).toHaveLength(1);
      expect(receivers, `${pb}: ${labels.join(' ')}`).toContain('team');
    }
    // The runbook's alert names from another namespace are another team's: not perfbot's.
    expect(await routeOf(['alertname=HighCPUUsage', 'namespace=payments'])).toBe('team');
  });

  it('names, here and in the README, a URL the Service of deploy/perfbot.yaml answers on', () => {
    const service = parseAllDocuments(readFileSync(`${root}/deploy/perfbot.yaml`, 'utf8'))
      .map(
        (d) =>
          d.toJS() as {
            kind: string;
            metadata: { name: string; namespace: string };
            spec: { ports: { port: number }[] };
          },
      )
      .find((d) => d.kind === 'Service');
    const ports = service?.spec.ports.map((p) => p.port) ?? [];
    const host = `${service?.metadata.name}.${service?.metadata.namespace}.svc`;
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const config = readFileSync(`${root}/${CONFIG}`, 'utf8');
    const urls = [...`${readme}\n${config}`.matchAll(/https?:\/\/perfbot\.perfbot\.svc[^\s`"']*/g)].map(
      (m) => m[0],
    );
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const u of urls) {
      const url = new URL(u);
      expect(url.hostname, u).toBe(host);
      expect(ports, u).toContain(Number(url.port || 80));
      expect(url.pathname, u).toBe('/alerts/alertmanager');
    }
  });

  it('posts to perfbot’s Alertmanager webhook with resolutions, whole groups and a bearer token', () => {
    const config = parse(readFileSync(`${root}/${CONFIG}`, 'utf8')) as {
      route: { routes: { receiver: string; continue?: boolean }[] };
      receivers: { name: string; webhook_configs?: Record<string, unknown>[] }[];
    };
    expect(config.route.routes.find((r) => r.receiver === 'perfbot')?.continue).toBe(true);
    const webhook = config.receivers.find((r) => r.name === 'perfbot')?.webhook_configs?.[0];
    expect(webhook).toMatchObject({
      url: 'http://perfbot.perfbot.svc/alerts/alertmanager',
      send_resolved: true,
      max_alerts: 0,
      http_config: { authorization: { type: 'Bearer' } },
    });
  });
});
