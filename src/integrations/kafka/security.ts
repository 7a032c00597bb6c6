// TLS and SASL settings of the Kafka connection, from Config.kafka to kafkajs' options. Files are
// read once, at start-up, so a wrong path stops perfbot with a clear message instead of failing
// every Kafka check later. The password leaves its Secret wrapper only here.
import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from '../../config.js';
import { ConfigError } from '../../errors.js';

/** An AWS MSK IAM token (a presigned kafka-cluster:Connect URL) and when it expires (epoch ms). */
export type MskTokenProvider = (region: string) => Promise<{ token: string; expiryTime: number }>;

export interface KafkaSecurityDeps {
  readFile?: (path: string) => Buffer;
  /** Default: aws-msk-iam-sasl-signer-js over the AWS SDK's default credential chain. */
  mskToken?: MskTokenProvider;
}

// Loaded on first use: the signer brings the AWS STS client, which only MSK IAM users need.
const defaultMskToken: MskTokenProvider = async (region) => {
  const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
  return generateAuthToken({ region });
};

export function kafkaSecurityOptions(
  security: KafkaSecurity,
  deps: KafkaSecurityDeps = {},
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const read = deps.readFile ?? ((path: string) => readFileSync(path));
  const file = (variable: string, path: string): Buffer => {
    try {
      return read(path);
    } catch (err) {
      throw new ConfigError([
        `${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`,
      ]);
    }
  };
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.ssl) {
    const tls: { ca?: Buffer[]; cert?: Buffer; key?: Buffer } = {};
    if (security.caFile) tls.ca = [file('KAFKA_CA_FILE', security.caFile)];
    if (security.certFile) tls.cert = file('KAFKA_CERT_FILE', security.certFile);
    if (security.keyFile) tls.key = file('KAFKA_KEY_FILE', security.keyFile);
    // Without a CA file the system trust store applies (MSK, Confluent Cloud, Event Hubs).
    options.ssl = Object.keys(tls).length > 0 ? tls : true;
  }
  const sasl = security.sasl;
  if (sasl?.mechanism === 'aws-msk-iam') {
    const mskToken = deps.mskToken ?? defaultMskToken;
    const { region } = sasl;
    // MSK IAM is SASL/OAUTHBEARER with a signed token; kafkajs asks again on every connection.
    options.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await mskToken(region)).token }),
    } satisfies SASLOptions;
  } else if (sasl) {
    options.sasl = {
      mechanism: sasl.mechanism,
      username: sasl.username,
      password: sasl.password.reveal(),
    } as SASLOptions;
  }
  return options;
}
