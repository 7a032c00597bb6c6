// deploy/monitoring/alertmanager.yml, the receiver and route to merge into an Alertmanager
// config: Alertmanager's own amtool accepts it, sends alerts that name a playbook to perfbot (and
// on to the team's receiver), and keeps perfbot's own alerts away from perfbot.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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

  it('routes alerts with a playbook label to perfbot, and others to the team only', async () => {
    expect(
      await routeOf(['alertname=HighLatency', 'playbook=data-pipeline', 'namespace=data-processing']),
    ).toBe('perfbot');
    expect(await routeOf(['alertname=S3SentinelMemoryHigh', 'playbook=sentinel-connector'])).toBe('perfbot');
    expect(await routeOf(['alertname=PerfbotDown', 'severity=critical'])).toBe('team');
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
