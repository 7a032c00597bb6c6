// Kafka security settings: the environment variables, their validation, the kafkajs options they
// become, the MSK IAM token of the default signer, and that the SASL password is never printed.

import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, Secret } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { kafkaSecurityOptions } from '../../src/integrations/kafka/security.js';
import { createLogger } from '../../src/log.js';

const BROKERS = { KAFKA_BROKERS: 'b-1.msk.example:9096' };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Kafka security configuration', () => {
  it('is plaintext without variables', () => {
    expect(loadConfig(BROKERS).kafka).toEqual({
      ssl: false,
      caFile: undefined,
      certFile: undefined,
      keyFile: undefined,
      sasl: undefined,
    });
  });

  it('reads SASL PLAIN/SCRAM credentials, turning TLS on unless KAFKA_SSL=0', () => {
    const scram = loadConfig({
      ...BROKERS,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'perfbot',
      KAFKA_SASL_PASSWORD: 'hunter2',
    }).kafka;
    expect(scram.ssl).toBe(true);
    expect(scram.sasl).toMatchObject({ mechanism: 'scram-sha-256', username: 'perfbot' });
    expect(scram.sasl?.mechanism !== 'aws-msk-iam' && scram.sasl?.password.reveal()).toBe('hunter2');
    const plaintext = loadConfig({
      ...BROKERS,
      KAFKA_SSL: '0',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    }).kafka;
    expect(plaintext.ssl).toBe(false);
  });

  it('takes MSK IAM with the AWS region, and TLS files', () => {
    const msk = loadConfig({
      ...BROKERS,
      KAFKA_SASL_MECHANISM: 'aws-msk-iam',
      AWS_REGION: 'eu-west-1',
    }).kafka;
    expect(msk).toMatchObject({ ssl: true, sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } });
    const mtls = loadConfig({
      ...BROKERS,
      KAFKA_CA_FILE: '/etc/kafka/ca.pem',
      KAFKA_CERT_FILE: '/etc/kafka/client.pem',
      KAFKA_KEY_FILE: '/etc/kafka/client.key',
    }).kafka;
    expect(mtls).toMatchObject({ ssl: true, caFile: '/etc/kafka/ca.pem', keyFile: '/etc/kafka/client.key' });
  });

  it('names every missing or contradictory variable', () => {
    expect(problems({ KAFKA_SASL_MECHANISM: 'gssapi' })).toEqual([
      'KAFKA_SASL_MECHANISM: expected one of plain, scram-sha-256, scram-sha-512, aws-msk-iam (got "gssapi")',
    ]);
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      'KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=plain',
      'KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=plain',
    ]);
    expect(problems({ KAFKA_SASL_MECHANISM: 'aws-msk-iam' })).toEqual([
      'AWS_REGION: required with KAFKA_SASL_MECHANISM=aws-msk-iam',
    ]);
    expect(problems({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })[0]).toMatch(
      /^KAFKA_SASL_MECHANISM: required with/,
    );
    expect(problems({ KAFKA_CERT_FILE: '/c.pem' })).toEqual([
      'KAFKA_CERT_FILE, KAFKA_KEY_FILE: a client certificate needs both',
    ]);
    expect(problems({ KAFKA_SSL: '0', KAFKA_CA_FILE: '/ca.pem' })[0]).toMatch(/^KAFKA_SSL: is 0/);
  });

  it('never prints the SASL password: not in config errors, JSON, inspect or logs', async () => {
    const env = {
      ...BROKERS,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'hunter2-secret',
    };
    expect(() => loadConfig({ ...env, KAFKA_SSL: 'maybe', KAFKA_SASL_PASSWORD: '' })).toThrow(ConfigError);
    const config = loadConfig(env);
    expect(JSON.stringify(config.kafka)).not.toContain('hunter2');
    expect(inspect(config.kafka, { depth: 10 })).not.toContain('hunter2');
    expect(`${new Secret('hunter2')}`).toBe('[redacted]');

    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'info', destination });
    log.info({ config }, 'configuration');
    log.info({ kafka: config.kafka, env: config.env }, 'kafka');
    await new Promise((r) => setImmediate(r));
    expect(lines.join('')).toContain('configuration');
    expect(lines.join('')).not.toContain('hunter2');
  });
});

describe('kafkaSecurityOptions', () => {
  it('passes PLAIN/SCRAM credentials and trusts the system CAs by default', () => {
    const kafka = loadConfig({
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    }).kafka;
    expect(kafkaSecurityOptions(kafka)).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });

  it('reads the CA, client certificate and key files once, naming a file it cannot read', () => {
    const files: Record<string, string> = { '/ca.pem': 'CA', '/c.pem': 'CERT', '/c.key': 'KEY' };
    const readFile = (p: string) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return Buffer.from(text);
    };
    const kafka = loadConfig({
      KAFKA_CA_FILE: '/ca.pem',
      KAFKA_CERT_FILE: '/c.pem',
      KAFKA_KEY_FILE: '/c.key',
    }).kafka;
    expect(kafkaSecurityOptions(kafka, { readFile })).toEqual({
      ssl: { ca: [Buffer.from('CA')], cert: Buffer.from('CERT'), key: Buffer.from('KEY') },
    });
    const missing = loadConfig({ KAFKA_CA_FILE: '/missing.pem' }).kafka;
    expect(() => kafkaSecurityOptions(missing, { readFile })).toThrow(
      'KAFKA_CA_FILE: cannot read /missing.pem (ENOENT)',
    );
  });

  it('signs an MSK IAM token with the AWS default credential chain, offline', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const kafka = loadConfig({ KAFKA_SASL_MECHANISM: 'aws-msk-iam', AWS_REGION: 'eu-west-1' }).kafka;
    const options = kafkaSecurityOptions(kafka);
    expect(options.ssl).toBe(true);
    const sasl = options.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    const { value } = await sasl.oauthBearerProvider();
    // The token is a base64url presigned URL for kafka-cluster:Connect, as MSK expects.
    const url = new URL(Buffer.from(value, 'base64url').toString());
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
