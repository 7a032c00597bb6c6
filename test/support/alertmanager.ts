// A real Alertmanager (Debian's prometheus-alertmanager) for tests: one webhook receiver, short
// group/repeat intervals, free loopback port, clustering off, stopped by PID.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/embedded.js';
import { httpOk, spawnServer, type TestServer } from './spawn-server.js';

export const ALERTMANAGER_BINARY = 'prometheus-alertmanager';

export interface AlertmanagerOptions {
  /** Where notifications go (the webhook receiver). */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer …` (http_config.authorization). */
  bearerToken?: string;
  groupBy?: string[];
  /** Alertmanager durations, e.g. "1s". */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  sendResolved?: boolean;
  /** webhook max_alerts (0 = all); more alerts than this are counted in truncatedAlerts. */
  maxAlerts?: number;
  /** --web.external-url, sent as the webhook's externalURL; default: its own loopback URL. */
  externalUrl?: string;
}

/** Renders alertmanager.yml (JSON is valid YAML). */
export function alertmanagerConfig(options: AlertmanagerOptions): string {
  const webhook: Record<string, unknown> = {
    url: options.webhookUrl,
    send_resolved: options.sendResolved ?? true,
    max_alerts: options.maxAlerts ?? 0,
  };
  if (options.bearerToken) {
    webhook.http_config = { authorization: { type: 'Bearer', credentials: options.bearerToken } };
  }
  return JSON.stringify(
    {
      route: {
        receiver: 'perfbot',
        group_by: options.groupBy ?? ['alertname'],
        group_wait: options.groupWait ?? '1s',
        group_interval: options.groupInterval ?? '1s',
        repeat_interval: options.repeatInterval ?? '1h',
      },
      receivers: [{ name: 'perfbot', webhook_configs: [webhook] }],
    },
    null,
    2,
  );
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'perfbot-am-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, 'alertmanager.yml'), alertmanagerConfig(options));
  return spawnServer({
    binary: ALERTMANAGER_BINARY,
    dir,
    url,
    args: [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${options.externalUrl ?? url}`,
      // No gossip: a single instance, and no port to collide with other tests.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    ready: () => httpOk(`${url}/-/ready`),
  });
}

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the past: resolved. Far in the future: keeps firing without resending. */
  endsAt?: string;
  generatorURL?: string;
}

/** POST /api/v2/alerts, as Prometheus does. */
export async function postAlerts(alertmanagerUrl: string, alerts: PostableAlert[]): Promise<void> {
  const res = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`alertmanager refused alerts: ${res.status} ${text}`);
}
