// A remediation worker in a process of its own, for the crash test: run with
// `node --import tsx test/support/remediation-worker-child.ts` (one process, so SIGKILL hits the
// worker itself, not a wrapper), against the Kubernetes fake at KUBE_URL and the test Redis.
// Prints "ready" once the worker is consuming.
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import { createRegistry } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { RemediationService } from '../../src/remediation/service.js';

const { REDIS_URL, PERFBOT_TEST_PREFIX, KUBE_URL } = process.env;
if (!REDIS_URL || !PERFBOT_TEST_PREFIX || !KUBE_URL) {
  console.error('set REDIS_URL, PERFBOT_TEST_PREFIX and KUBE_URL');
  process.exit(2);
}

const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'fake', server: KUBE_URL, skipTLSVerify: true }],
  users: [{ name: 'fake', token: 'fake-token' }],
  contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
  currentContext: 'fake',
});

const redis = new Redis(REDIS_URL);
const service = new RemediationService({
  redis,
  redisUrl: REDIS_URL,
  prefix: PERFBOT_TEST_PREFIX,
  config: { approvers: [], dryRun: false, verifyAfterMs: 3_600_000 },
  backends: { kubernetes: createKubernetesClient(kc) },
  actions: createRegistry(),
  log: silentLogger,
});
const { worker } = service.startWorker({
  rerunChecks: async () => [],
  // Short, so the test's second worker sees the lock lapse soon after the kill.
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
  rolloutTimeoutMs: 60_000,
});
worker.on('active', (job) => console.log(`active ${job.id}`));
await worker.waitUntilReady();
console.log('ready');
