// The trail a perfbot process appends to, built once from Config: signed with PERFBOT_AUDIT_KEY
// when set. Says at start which guarantee the trail gives, once per process.
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { loadAuditKey } from './key.js';
import { AuditTrail } from './trail.js';

export interface AuditSetup {
  config: Pick<Config, 'audit'>;
  redis: Redis;
  log: Logger;
  now?: (() => Date) | undefined;
  prefix?: string | undefined;
}

export function createAuditTrail(o: AuditSetup): AuditTrail {
  const file = o.config.audit.keyFile;
  const key = file ? loadAuditKey(file) : undefined;
  if (key && !key.canSign) {
    throw new ConfigError([
      `PERFBOT_AUDIT_KEY: ${file} is a public key; perfbot signs with the private key (give the public key to verifiers)`,
    ]);
  }
  if (key) {
    o.log.info(
      { alg: key.alg, key: key.id, checkpointEvery: o.config.audit.checkpointEvery },
      'audit trail signed with PERFBOT_AUDIT_KEY: checkpoints are logged as "audit checkpoint"',
    );
  } else {
    o.log.warn(
      'PERFBOT_AUDIT_KEY is not set: the audit trail is tamper-evident only against accidents (anyone who can write to Redis can rewrite it undetected)',
    );
  }
  return new AuditTrail({
    redis: o.redis,
    prefix: o.prefix,
    log: o.log,
    now: o.now,
    key,
    checkpointEvery: o.config.audit.checkpointEvery,
  });
}
