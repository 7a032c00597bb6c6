// Helpers for the alert-intake tests: payload samples, small playbook catalogs, SNS signing, and
// ServerDeps for buildServer on a private key prefix.
import { createSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { type SnsMessage, snsStringToSign } from '../../src/alerts/sns.js';
import { loadConfig } from '../../src/config.js';
import { IncidentStore, type IncidentStoreOptions } from '../../src/incidents/store.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { type LoadedPlaybook, Playbook, type Trigger } from '../../src/playbooks/schema.js';
import type { ServerDeps } from '../../src/server.js';

const PAYLOADS = join(import.meta.dirname, '..', 'fixtures', 'alerts', 'payloads');

/** A parsed copy of test/fixtures/alerts/payloads/<name>.json (fresh each call). */
export function payload<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(PAYLOADS, `${name}.json`), 'utf8')) as T;
}

/** A minimal valid playbook with the given triggers (one harmless check). */
export function testPlaybook(id: string, triggers: Trigger[]): LoadedPlaybook {
  const pb = Playbook.parse({
    id,
    title: `Playbook ${id}`,
    target: { namespace: 'market-data' },
    triggers,
    checks: [{ id: 'hpa', kind: 'kubernetes.hpa', title: 'HPA state' }],
  });
  return { ...pb, file: `${id}.yml` };
}

export function testCatalog(...playbooks: LoadedPlaybook[]): PlaybookCatalog {
  return new PlaybookCatalog(playbooks);
}

/** Signs an SNS message the way Amazon does (SignatureVersion 1: SHA1, 2: SHA256). */
export function signSns<T extends SnsMessage>(msg: T, key: KeyObject): T {
  const alg = msg.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256';
  const signature = createSign(alg).update(snsStringToSign(msg), 'utf8').sign(key, 'base64');
  return { ...msg, Signature: signature };
}

export interface TestDepsOptions {
  redis: Redis;
  prefix: string;
  catalog: PlaybookCatalog;
  env?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
  store?: Partial<IncidentStoreOptions>;
}

/** ServerDeps for buildServer with a silent logger, fresh metrics and a private store prefix. */
export function testDeps(options: TestDepsOptions): ServerDeps & { incidents: IncidentStore; redis: Redis } {
  const config = loadConfig({ ...options.env });
  const now = options.now ?? (() => new Date());
  const incidents = new IncidentStore({
    redis: options.redis,
    prefix: options.prefix,
    now,
    ...options.store,
  });
  const deps: ServerDeps & { incidents: IncidentStore; redis: Redis } = {
    config,
    log: silentLogger,
    redis: options.redis,
    catalog: options.catalog,
    metrics: createMetrics({ defaultMetrics: false }),
    now,
    incidents,
  };
  if (options.fetch) deps.fetch = options.fetch;
  return deps;
}
