import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { resolveRedisTarget } from '../../src/redis/target.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.redisUrlExplicit).toBe(false);
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.dryRun).toBe(false);
    expect(c.playbooksDir).toBe('./playbooks');
    expect(c.bodyLimit).toBe(1024 * 1024);
    expect(c.verifyAfterMs).toBe(5 * 60_000);
    expect(c.logLevel).toBe('info');
    expect(c.approvers).toEqual([]);
  });

  it('parses every variable into typed values', () => {
    const c = loadConfig({
      PORT: '8080',
      REDIS_URL: 'redis://redis:6379/2',
      PERFBOT_APPROVERS: 'U01ABC, S02DEF',
      PERFBOT_DRY_RUN: '1',
      KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092',
      PERFBOT_VERIFY_AFTER: '90s',
      SLACK_BOT_TOKEN: 'xoxb-1-2',
      SLACK_SIGNING_SECRET: 's3cr3t',
    });
    expect(c.port).toBe(8080);
    expect(c.redisUrlExplicit).toBe(true);
    expect(c.approvers).toEqual(['U01ABC', 'S02DEF']);
    expect(c.dryRun).toBe(true);
    expect(c.kafkaBrokers).toEqual(['kafka-0:9092', 'kafka-1:9092']);
    expect(c.verifyAfterMs).toBe(90_000);
    expect(c.slack.botToken).toBe('xoxb-1-2');
  });

  it('lists every invalid variable in one error, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        REDIS_URL: 'localhost:6379',
        PERFBOT_APPROVERS: 'alice',
        SLACK_BOT_TOKEN: 'not-a-token-secretvalue',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    for (const name of ['PORT', 'REDIS_URL', 'PERFBOT_APPROVERS', 'SLACK_BOT_TOKEN', 'LOG_LEVEL']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
    expect((error as Error).message).not.toContain('secretvalue');
    expect((error as Error).message).toContain('expected a TCP port');
  });

  it('requires the signing secret with a bot token (HTTP mode)', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).not.toThrow();
  });

  it('enables network checks in a pod unless told otherwise', () => {
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }).networkChecks).toBe(true);
    expect(
      loadConfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1', PERFBOT_NETWORK_CHECKS: '0' }).networkChecks,
    ).toBe(false);
    expect(loadConfig({}).networkChecks).toBe(false);
  });
});

describe('loadConfig: audit, retention, Sentinel, TLS and the replica wait (issue 15)', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.audit).toEqual({
      keyFile: undefined,
      retentionMs: 90 * 86_400_000,
      exportDir: './.perfbot/audit-segments',
      checkpointEvery: 100,
    });
    expect(c.incidents).toEqual({ staleAfterMs: 24 * 3_600_000, retentionMs: 30 * 86_400_000 });
    expect(c.redis).toMatchObject({ sentinels: [], waitReplicas: 1, waitTimeoutMs: 1000 });
  });

  it('turns off retention and stale closing with "off", and parses the rest', () => {
    const c = loadConfig({
      PERFBOT_AUDIT_RETENTION: 'off',
      PERFBOT_INCIDENT_STALE_AFTER: '0',
      PERFBOT_AUDIT_CHECKPOINT_EVERY: '500',
      PERFBOT_REDIS_WAIT_REPLICAS: '0',
      PERFBOT_REDIS_WAIT_TIMEOUT: '250ms',
    });
    expect(c.audit.retentionMs).toBe(0);
    expect(c.incidents.staleAfterMs).toBe(0);
    expect(c.audit.checkpointEvery).toBe(500);
    expect(c.redis).toMatchObject({ waitReplicas: 0, waitTimeoutMs: 250 });
  });

  it('builds one Sentinel connection string from REDIS_SENTINELS, the name and REDIS_URL’s credentials', () => {
    const c = loadConfig({
      REDIS_URL: 'rediss://:s3cret@ignored:6380/2',
      REDIS_SENTINELS: 'sentinel-0:26379, sentinel-1:26379',
      REDIS_SENTINEL_NAME: 'mymaster',
    });
    expect(c.redisUrlExplicit).toBe(true);
    const t = resolveRedisTarget(c.redisUrl);
    expect(t.sentinel).toBe(true);
    expect(t.display).toBe('rediss-sentinel://mymaster (sentinels sentinel-0:26379,sentinel-1:26379)');
    expect(t.options).toMatchObject({
      name: 'mymaster',
      sentinels: [
        { host: 'sentinel-0', port: 26379 },
        { host: 'sentinel-1', port: 26379 },
      ],
      password: 's3cret',
      db: 2,
      enableTLSForSentinelMode: true,
    });
  });

  it('needs both Sentinel variables, and says which is missing', () => {
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:1' })).toThrow(/REDIS_SENTINEL_NAME: required/);
    expect(() => loadConfig({ REDIS_SENTINEL_NAME: 'm' })).toThrow(/REDIS_SENTINELS: required/);
    expect(() => loadConfig({ REDIS_SENTINELS: 'nohostport', REDIS_SENTINEL_NAME: 'm' })).toThrow(
      /REDIS_SENTINELS: expected comma-separated host:port/,
    );
    expect(() => loadConfig({ PERFBOT_AUDIT_RETENTION: 'forever' })).toThrow(/PERFBOT_AUDIT_RETENTION/);
  });
});
