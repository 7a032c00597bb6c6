import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

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
