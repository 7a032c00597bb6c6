// The trail a perfbot process appends to, built once from Config: signed with PERFBOT_AUDIT_KEY
// when set. Says at start which guarantee the trail gives, once per process.
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ReplicaWaitPolicy } from '../redis/replica-wait.js';
import { type AuditKey, loadAuditKey } from './key.js';
import { AuditTrail } from './trail.js';

/**
 * Reads PERFBOT_AUDIT_KEY (call it before opening connections: a bad key stops the start) and
 * logs what the trail guarantees. A process that appends needs a key that can sign.
 */
export function signingKeyFromConfig(config: Pick<Config, 'audit'>, log: Logger): AuditKey | undefined {
  const file = config.audit.keyFile;
  const key = file ? loadAuditKey(file) : undefined;
  if (key && !key.canSign) {
    throw new ConfigError([
      `PERFBOT_AUDIT_KEY: ${file} is a public key; perfbot signs with the private key (give the public key to verifiers)`,
    ]);
  }
  if (key) {
    log.info(
      { alg: key.alg, key: key.id, checkpointEvery: config.audit.checkpointEvery },
      'audit trail signed with PERFBOT_AUDIT_KEY: checkpoints are logged as "audit checkpoint"',
    );
  } else {
    log.warn(
      'PERFBOT_AUDIT_KEY is not set: the audit trail is tamper-evident only against accidents (anyone who can write to Redis can rewrite it undetected)',
    );
  }
  return key;
}

export interface AuditSetup {
  config: Pick<Config, 'audit'>;
  redis: Redis;
  log: Logger;
  key: AuditKey | undefined;
  now?: (() => Date) | undefined;
  prefix?: string | undefined;
  failures?: { inc(): void } | undefined;
  replicaWait?: ReplicaWaitPolicy | undefined;
}

export function createAuditTrail(o: AuditSetup): AuditTrail {
  return new AuditTrail({
    redis: o.redis,
    prefix: o.prefix,
    log: o.log,
    now: o.now,
    key: o.key,
    checkpointEvery: o.config.audit.checkpointEvery,
    failures: o.failures,
    replicaWait: o.replicaWait,
  });
}
