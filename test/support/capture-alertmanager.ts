// Records what the installed (Debian) prometheus-alertmanager really sends to a webhook, for
// test/fixtures/upstream/alertmanager/debian/. Run by hand when the package changes:
//   npx tsx test/support/capture-alertmanager.ts
// Two Alertmanagers in turn (a plain receiver, and one with max_alerts: 2), each fed the repo's
// own HighLatency rule's labels through the v2 API as Prometheus would, firing then resolving;
// every webhook body is written as received, with the scenario step in its file name.
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type PostableAlert, postAlerts, startAlertmanager } from './alertmanager.js';

const OUT = join(import.meta.dirname, '..', 'fixtures', 'upstream', 'alertmanager', 'debian');

interface Received {
  body: string;
  parsed: { status: string; truncatedAlerts: number; alerts: { status: string }[] };
}

async function main(): Promise<void> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ body, parsed: JSON.parse(body) as Received['parsed'] });
      res.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts/alertmanager`;
  await mkdir(OUT, { recursive: true });

  const start = new Date(Date.now() - 120_000);
  const later = new Date(Date.now() + 3_600_000);
  const alert = (pod: string, endsAt: Date): PostableAlert => ({
    labels: {
      alertname: 'HighLatency',
      severity: 'warning',
      playbook: 'data-pipeline',
      namespace: 'data-processing',
      service: 'normalizer',
      instance: pod,
    },
    annotations: {
      summary: 'High latency detected on normalizer',
      description: 'P95 latency of normalizer is 240ms (target < 100ms).',
    },
    startsAt: start.toISOString(),
    endsAt: endsAt.toISOString(),
    generatorURL: 'http://prometheus.data-processing.svc:9090/graph?g0.expr=histogram_quantile',
  });

  // Waits for the next notification that satisfies `ok`, and saves it under `name`.
  const capture = async (name: string, ok: (r: Received['parsed']) => boolean) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const hit = received.find((r) => ok(r.parsed));
      if (hit) {
        received.length = 0;
        await writeFile(join(OUT, `${name}.json`), `${JSON.stringify(JSON.parse(hit.body), null, 2)}\n`);
        console.log(`captured ${name}`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`no notification for ${name}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const plain = await startAlertmanager({ webhookUrl, groupBy: ['alertname'] });
  try {
    await postAlerts(plain.url, [alert('pod-a', later), alert('pod-b', later)]);
    await capture('firing', (p) => p.status === 'firing' && p.alerts.length === 2);
    const now = new Date();
    await postAlerts(plain.url, [alert('pod-a', now), alert('pod-b', now)]);
    await capture('resolved', (p) => p.status === 'resolved');
  } finally {
    await plain.stop();
  }

  const pods = ['pod-a', 'pod-b', 'pod-c', 'pod-d', 'pod-e'];
  const truncating = await startAlertmanager({ webhookUrl, groupBy: ['alertname'], maxAlerts: 2 });
  try {
    await postAlerts(
      truncating.url,
      pods.map((p) => alert(p, later)),
    );
    await capture('truncated-firing', (p) => p.truncatedAlerts === 3);
    // The two listed alerts resolve; three keep firing out of sight.
    const now = new Date();
    await postAlerts(truncating.url, [alert('pod-a', now), alert('pod-b', now)]);
    await capture('truncated-visible-resolved', (p) => p.status === 'resolved');
  } finally {
    await truncating.stop();
    server.close();
  }
}

await main();
