// perfbot's Kafka client on the wire, configured from the environment: TLS with a private CA,
// SASL PLAIN and SCRAM credentials, AWS MSK IAM tokens (OAUTHBEARER), against a broker fake that
// speaks the handshake (no Kafka broker can run here; the checks are tested through the port).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createKafkaClient, type KafkaClient } from '../../src/integrations/kafka/index.js';
import { silentLogger } from '../../src/log.js';
import { type FakeKafkaBroker, startFakeKafkaBroker } from '../fakes/kafka-broker.js';
import { selfSignedCertificate } from '../support/x509.js';

let dir: string;
let caFile: string;
let otherCaFile: string;
let tls: { certPem: string; keyPem: string };
let broker: FakeKafkaBroker | undefined;
let client: KafkaClient | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perfbot-kafka-tls-'));
  const cert = selfSignedCertificate({ commonName: 'localhost' });
  tls = { certPem: cert.certPem, keyPem: cert.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, cert.certPem);
  otherCaFile = join(dir, 'other-ca.pem');
  await writeFile(otherCaFile, selfSignedCertificate({ commonName: 'localhost' }).certPem);
});

afterEach(async () => {
  await client?.close().catch(() => {});
  await broker?.close();
  client = undefined;
  broker = undefined;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One admin call; it fails once the fake closes the connection after authentication. */
async function connectOnce(
  env: Record<string, string>,
  mskToken?: (region: string) => Promise<{ token: string; expiryTime: number }>,
) {
  const config = loadConfig({ KAFKA_BROKERS: `localhost:${broker?.port}`, ...env });
  client = createKafkaClient({
    brokers: config.kafkaBrokers,
    security: config.kafka,
    ...(mskToken ? { securityDeps: { mskToken } } : {}),
    log: silentLogger,
  });
  return client.fetchTopicMetadata(['market-data'], { signal: AbortSignal.timeout(5000) }).then(
    () => 'answered',
    (err: Error) => err.message,
  );
}

describe('Kafka TLS and SASL from the environment', () => {
  it('authenticates with SASL PLAIN over TLS, trusting the CA in KAFKA_CA_FILE', async () => {
    broker = await startFakeKafkaBroker({ tls });
    await connectOnce({
      KAFKA_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: '$ConnectionString',
      KAFKA_SASL_PASSWORD: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=s3cret',
    });
    expect(broker.tlsErrors).toEqual([]);
    expect(broker.sasl[0]?.mechanism).toBe('PLAIN');
    expect(broker.sasl[0]?.authBytes.toString()).toBe(
      '\0$ConnectionString\0Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=s3cret',
    );
  });

  it('refuses a broker whose certificate the CA does not vouch for, before any credential is sent', async () => {
    broker = await startFakeKafkaBroker({ tls });
    const outcome = await connectOnce({
      KAFKA_CA_FILE: otherCaFile,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'perfbot',
      KAFKA_SASL_PASSWORD: 'never-sent',
    });
    expect(outcome).not.toBe('answered');
    expect(broker.tlsErrors.length).toBeGreaterThan(0);
    expect(broker.connections).toBe(0);
    expect(broker.sasl).toEqual([]);
  });

  it.each([
    ['SCRAM-SHA-512', 'SCRAM-SHA-512'],
    ['scram-sha-256', 'SCRAM-SHA-256'],
  ])('starts a %s exchange with the configured user', async (variable, onTheWire) => {
    broker = await startFakeKafkaBroker({ tls });
    await connectOnce({
      KAFKA_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: variable,
      KAFKA_SASL_USERNAME: 'perfbot',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(broker.sasl[0]?.mechanism).toBe(onTheWire);
    // The client-first message: GS2 header, user name, client nonce (the password never travels).
    expect(broker.sasl[0]?.authBytes.toString()).toMatch(/^n,,n=perfbot,r=\S+$/);
  });

  it('presents the client certificate of KAFKA_CERT_FILE/KAFKA_KEY_FILE (mutual TLS), and is refused without it', async () => {
    const clientCert = selfSignedCertificate({ commonName: 'perfbot-client' });
    const certFile = join(dir, 'client.pem');
    const keyFile = join(dir, 'client-key.pem');
    await writeFile(certFile, clientCert.certPem);
    await writeFile(keyFile, clientCert.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    broker = await startFakeKafkaBroker({ tls: { ...tls, clientCaPem: clientCert.certPem } });
    await connectOnce({ KAFKA_CA_FILE: caFile, KAFKA_CERT_FILE: certFile, KAFKA_KEY_FILE: keyFile });
    expect(broker.tlsErrors).toEqual([]);
    expect(broker.clientCertificates).toEqual(['perfbot-client']);
    expect(broker.connections).toBeGreaterThan(0);
    await client?.close().catch(() => {});
    await broker.close();

    broker = await startFakeKafkaBroker({ tls: { ...tls, clientCaPem: clientCert.certPem } });
    expect(await connectOnce({ KAFKA_CA_FILE: caFile })).not.toBe('answered');
    expect(broker.connections).toBe(0);
    expect(broker.tlsErrors.length).toBeGreaterThan(0);
  });

  it('sends an AWS MSK IAM token as SASL OAUTHBEARER', async () => {
    broker = await startFakeKafkaBroker({ tls });
    const regions: string[] = [];
    await connectOnce(
      { KAFKA_CA_FILE: caFile, KAFKA_SASL_MECHANISM: 'aws-msk-iam', AWS_REGION: 'eu-west-1' },
      async (region) => {
        regions.push(region);
        return { token: 'signed-token', expiryTime: Date.now() + 900_000 };
      },
    );
    expect(regions[0]).toBe('eu-west-1');
    expect(broker.sasl[0]?.mechanism).toBe('OAUTHBEARER');
    expect(broker.sasl[0]?.authBytes.toString()).toContain('auth=Bearer signed-token');
  });

  it('speaks plaintext without any Kafka security variable', async () => {
    broker = await startFakeKafkaBroker();
    await connectOnce({});
    expect(broker.connections).toBeGreaterThan(0);
    expect(broker.sasl).toEqual([]);
  });
});
