// Environment → typed Config. Every variable is read here and nowhere else, so the table in
// README.md and DESIGN.md has one place to stay true to. `env` is injected for tests.
import { z } from 'zod';
import { isDuration, parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import { defaultPlaybooksDir } from './playbooks/default-dir.js';
import { redisTargetUrl } from './redis/target.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (what: string) =>
  optionalString.refine((v) => v === undefined || URL.canParse(v), { message: `expected ${what} URL` });

const csv = optionalString.transform((v) =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
);

const flag = optionalString.refine((v) => v === undefined || ['0', '1', 'true', 'false'].includes(v), {
  message: 'expected 0 or 1',
});

const duration = (fallback: string) =>
  optionalString
    .refine((v) => v === undefined || isDuration(v), {
      message: 'expected a duration such as 30s, 5m or 1h',
    })
    .transform((v) => parseDuration(v ?? fallback) ?? 0);

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * A credential that prints as [redacted] wherever it ends up (JSON, util.inspect, template
 * strings, a logged Config); `reveal()` hands it to the one client that needs it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

/** How perfbot talks to the brokers: TLS (with an optional private CA and client certificate) and SASL. */
export interface KafkaSecurity {
  ssl: boolean;
  /** PEM files: a CA bundle to trust, a client certificate and its key (mutual TLS). */
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  sasl:
    | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: Secret }
    /** AWS MSK IAM: the AWS SDK's default credential chain, signed for `region`. */
    | { mechanism: 'aws-msk-iam'; region: string }
    | undefined;
}
/** A duration, or `off`/`0` for "never" (→ 0). */
const durationOrOff = (fallback: string) =>
  optionalString
    .refine((v) => v === undefined || v === 'off' || v === '0' || isDuration(v), {
      message: 'expected a duration such as 24h or 90d, or off',
    })
    .transform((v) => (v === 'off' || v === '0' ? 0 : (parseDuration(v ?? fallback) ?? 0)));

const EnvSchema = z.object({
  PORT: optionalString.refine((v) => v === undefined || (/^\d{1,5}$/.test(v) && Number(v) < 65536), {
    message: 'expected a TCP port 0-65535',
  }),
  HOST: optionalString,
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), {
    message: 'expected redis://host:port or rediss://…',
  }),
  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xoxb-'), {
    message: 'expected a bot token starting with xoxb-',
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), {
    message: 'expected an app-level token starting with xapp-',
  }),
  SLACK_API_URL: url('an http(s)'),
  SLACK_INCIDENT_CHANNEL: optionalString.refine((v) => v === undefined || /^[CGD][A-Z0-9]{2,}$/.test(v), {
    message: 'expected a Slack channel ID such as C0123ABCD',
  }),
  PERFBOT_WEBHOOK_TOKEN: optionalString,
  PERFBOT_APPROVERS: csv.refine((ids) => ids.every((id) => /^[USW][A-Z0-9]{2,}$/.test(id)), {
    message: 'expected comma-separated Slack user IDs (U…) or user-group IDs (S…)',
  }),
  PERFBOT_DRY_RUN: flag,
  PERFBOT_SNS_TOPIC_ARNS: csv.refine(
    (arns) => arns.every((a) => /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/.test(a)),
    {
      message: 'expected comma-separated SNS topic ARNs',
    },
  ),
  PERFBOT_BODY_LIMIT: optionalString.refine((v) => v === undefined || /^\d+$/.test(v), {
    message: 'expected a size in bytes',
  }),
  PERFBOT_VERIFY_AFTER: duration('5m'),
  PLAYBOOKS_DIR: optionalString,
  KUBECONFIG: optionalString,
  PROMETHEUS_URL: url('an http(s)'),
  CLICKHOUSE_URL: url('an http(s)'),
  TARGET_REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), {
    message: 'expected redis://host:port',
  }),
  PERFBOT_NETWORK_CHECKS: flag,
  KUBERNETES_SERVICE_HOST: optionalString,
  KAFKA_BROKERS: csv.refine((bs) => bs.every((b) => /^[\w.-]+:\d+$/.test(b)), {
    message: 'expected comma-separated host:port pairs',
  }),
  // Kafka security (TLS, SASL): see KafkaSecurity below and README.md, "Kafka security".
  KAFKA_SSL: flag,
  KAFKA_CA_FILE: optionalString,
  KAFKA_CERT_FILE: optionalString,
  KAFKA_KEY_FILE: optionalString,
  KAFKA_SASL_MECHANISM: optionalString.refine(
    (v) => v === undefined || (KAFKA_SASL_MECHANISMS as readonly string[]).includes(v.toLowerCase()),
    { message: `expected one of ${KAFKA_SASL_MECHANISMS.join(', ')}` },
  ),
  KAFKA_SASL_USERNAME: optionalString,
  KAFKA_SASL_PASSWORD: optionalString,
  AWS_REGION: optionalString,
  AWS_ENDPOINT_URL_CLOUDWATCH: url('an http(s)'),
  AZURE_MONITOR_METRICS_ENDPOINT: url('an https'),
  AZURE_LOGS_ENDPOINT: url('an https'),
  AZURE_LOGS_WORKSPACE_ID: optionalString,
  // issue 15: keyed audit, retention, stale incidents, Redis behind Sentinel / TLS, WAIT.
  PERFBOT_AUDIT_KEY: optionalString,
  PERFBOT_AUDIT_RETENTION: durationOrOff('90d'),
  PERFBOT_AUDIT_EXPORT_DIR: optionalString,
  PERFBOT_AUDIT_CHECKPOINT_EVERY: optionalString.refine((v) => v === undefined || /^[1-9]\d{0,6}$/.test(v), {
    message: 'expected a number of entries (1 or more)',
  }),
  PERFBOT_INCIDENT_STALE_AFTER: durationOrOff('24h'),
  PERFBOT_INCIDENT_RETENTION: duration('30d'),
  REDIS_SENTINELS: csv.refine(
    (hs) => hs.every((h) => /^[\w.-]+:\d{1,5}$|^\[[\da-fA-F:]+\]:\d{1,5}$/.test(h)),
    {
      message: 'expected comma-separated host:port pairs of the Sentinels',
    },
  ),
  REDIS_SENTINEL_NAME: optionalString.refine((v) => v === undefined || /^[\w.-]+$/.test(v), {
    message: 'expected the master name Sentinel monitors (letters, digits, . _ -)',
  }),
  REDIS_SENTINEL_PASSWORD: optionalString,
  REDIS_CA_FILE: optionalString,
  PERFBOT_REDIS_WAIT_REPLICAS: optionalString.refine((v) => v === undefined || /^\d{1,2}$/.test(v), {
    message: 'expected a number of replicas (0 turns the wait off)',
  }),
  PERFBOT_REDIS_WAIT_TIMEOUT: duration('1s'),
  ALERTMANAGER_URL: csv.refine((urls) => urls.every((u) => /^https?:\/\//.test(u) && URL.canParse(u)), {
    message: 'expected comma-separated http(s) Alertmanager URLs',
  }),
  PERFBOT_ACCESS: optionalString,
  LOG_LEVEL: optionalString.refine((v) => v === undefined || (LOG_LEVELS as readonly string[]).includes(v), {
    message: `expected one of ${LOG_LEVELS.join(', ')}`,
  }),
});

export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  /** false when REDIS_URL was not set: only then may `serve` start an embedded redis-server. */
  redisUrlExplicit: boolean;
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    incidentChannel: string | undefined;
  };
  webhookToken: string | undefined;
  approvers: string[];
  dryRun: boolean;
  snsTopicArns: string[];
  bodyLimit: number;
  verifyAfterMs: number;
  playbooksDir: string;
  kubeconfig: string | undefined;
  prometheusUrl: string | undefined;
  clickhouseUrl: string | undefined;
  kafkaBrokers: string[];
  kafka: KafkaSecurity;
  /** The Redis the playbooks diagnose (the pipeline's cache), not perfbot's own. */
  targetRedisUrl: string | undefined;
  /** TCP/DNS probes only make sense where service names resolve: in the cluster, or when asked. */
  networkChecks: boolean;
  /** Running in a pod: Kubernetes in-cluster config is available. */
  inCluster: boolean;
  aws: { region: string | undefined; cloudwatchEndpoint: string | undefined };
  azure: {
    metricsEndpoint: string | undefined;
    logsEndpoint: string | undefined;
    logsWorkspaceId: string | undefined;
  };
  /** Keyed audit trail and its retention (README "Audit trail"). */
  audit: {
    /** PERFBOT_AUDIT_KEY: Ed25519 PEM (private to sign, public to verify only) or an HMAC secret. */
    keyFile: string | undefined;
    /** 0: never trim. */
    retentionMs: number;
    exportDir: string;
    checkpointEvery: number;
  };
  incidents: {
    /** Open incidents that saw nothing for this long are closed as stale; 0: never. */
    staleAfterMs: number;
    /** How long a resolved incident stays readable. */
    retentionMs: number;
  };
  /** perfbot's own Redis beyond the URL: Sentinel, TLS CA, and the replica wait of the intake. */
  redis: {
    sentinels: string[];
    sentinelName: string | undefined;
    caFile: string | undefined;
    /** Replicas an intake write must reach before 202 (fewer when fewer are connected); 0: off. */
    waitReplicas: number;
    waitTimeoutMs: number;
  };
  /** Alertmanagers that get silences (an HA pair: all of them); empty: the alert's externalURL. */
  alertmanagerUrls: string[];
  /** The PERFBOT_ACCESS file (who may run which command where), if any. */
  accessFile: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** The raw environment, for SDKs that read their own standard variables (AWS, Azure, kube). */
  env: Readonly<Record<string, string | undefined>>;
}

/** Parses the environment; throws one ConfigError listing every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment');
      return `${name}: ${i.message}${name in env ? ` (got "${redactValue(name, env[name])}")` : ''}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    problems.push(
      'SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  }
  if ((e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) && !e.SLACK_BOT_TOKEN) {
    problems.push('SLACK_BOT_TOKEN: required when Slack is configured');
  }
  const kafka = kafkaSecurity(e, problems);
  if (e.REDIS_SENTINELS.length > 0 && !e.REDIS_SENTINEL_NAME) {
    problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the master name Sentinel monitors)');
  }
  if (e.REDIS_SENTINEL_NAME && e.REDIS_SENTINELS.length === 0) {
    problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME (host:port of each Sentinel)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const redisUrl = redisTargetUrl(e.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    sentinels: e.REDIS_SENTINELS,
    sentinelName: e.REDIS_SENTINEL_NAME,
    sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
    caFile: e.REDIS_CA_FILE,
  });
  return {
    port: e.PORT === undefined ? 3000 : Number(e.PORT),
    host: e.HOST ?? '0.0.0.0',
    redisUrl,
    redisUrlExplicit: e.REDIS_URL !== undefined || e.REDIS_SENTINELS.length > 0,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL ?? 'https://slack.com/api/',
      incidentChannel: e.SLACK_INCIDENT_CHANNEL,
    },
    webhookToken: e.PERFBOT_WEBHOOK_TOKEN,
    approvers: e.PERFBOT_APPROVERS,
    dryRun: e.PERFBOT_DRY_RUN === '1' || e.PERFBOT_DRY_RUN === 'true',
    snsTopicArns: e.PERFBOT_SNS_TOPIC_ARNS,
    bodyLimit: e.PERFBOT_BODY_LIMIT === undefined ? 1024 * 1024 : Number(e.PERFBOT_BODY_LIMIT),
    verifyAfterMs: e.PERFBOT_VERIFY_AFTER,
    playbooksDir: e.PLAYBOOKS_DIR ?? defaultPlaybooksDir(),
    kubeconfig: e.KUBECONFIG,
    prometheusUrl: e.PROMETHEUS_URL,
    clickhouseUrl: e.CLICKHOUSE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafka,
    targetRedisUrl: e.TARGET_REDIS_URL,
    networkChecks:
      e.PERFBOT_NETWORK_CHECKS === undefined
        ? e.KUBERNETES_SERVICE_HOST !== undefined
        : e.PERFBOT_NETWORK_CHECKS === '1' || e.PERFBOT_NETWORK_CHECKS === 'true',
    inCluster: e.KUBERNETES_SERVICE_HOST !== undefined,
    aws: { region: e.AWS_REGION, cloudwatchEndpoint: e.AWS_ENDPOINT_URL_CLOUDWATCH },
    azure: {
      metricsEndpoint: e.AZURE_MONITOR_METRICS_ENDPOINT,
      logsEndpoint: e.AZURE_LOGS_ENDPOINT,
      logsWorkspaceId: e.AZURE_LOGS_WORKSPACE_ID,
    },
    audit: {
      keyFile: e.PERFBOT_AUDIT_KEY,
      retentionMs: e.PERFBOT_AUDIT_RETENTION,
      exportDir: e.PERFBOT_AUDIT_EXPORT_DIR ?? './.perfbot/audit-segments',
      checkpointEvery: Number(e.PERFBOT_AUDIT_CHECKPOINT_EVERY ?? 100),
    },
    incidents: {
      staleAfterMs: e.PERFBOT_INCIDENT_STALE_AFTER,
      retentionMs: e.PERFBOT_INCIDENT_RETENTION,
    },
    redis: {
      sentinels: e.REDIS_SENTINELS,
      sentinelName: e.REDIS_SENTINEL_NAME,
      caFile: e.REDIS_CA_FILE,
      waitReplicas: Number(e.PERFBOT_REDIS_WAIT_REPLICAS ?? 1),
      waitTimeoutMs: e.PERFBOT_REDIS_WAIT_TIMEOUT,
    },
    alertmanagerUrls: e.ALERTMANAGER_URL,
    accessFile: e.PERFBOT_ACCESS,
    logLevel: (e.LOG_LEVEL as Config['logLevel'] | undefined) ?? 'info',
    env,
  };
}

/** TLS is on when asked for, or implied by SASL or a CA/client certificate (managed Kafka needs it). */
function kafkaSecurity(e: z.infer<typeof EnvSchema>, problems: string[]): KafkaSecurity {
  const mechanism = e.KAFKA_SASL_MECHANISM?.toLowerCase() as KafkaSaslMechanism | undefined;
  let sasl: KafkaSecurity['sasl'];
  if (mechanism === 'aws-msk-iam') {
    if (e.AWS_REGION) sasl = { mechanism, region: e.AWS_REGION };
    else problems.push('AWS_REGION: required with KAFKA_SASL_MECHANISM=aws-msk-iam');
  } else if (mechanism) {
    if (e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD) {
      sasl = { mechanism, username: e.KAFKA_SASL_USERNAME, password: new Secret(e.KAFKA_SASL_PASSWORD) };
    } else {
      for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const)
        if (!e[name]) problems.push(`${name}: required with KAFKA_SASL_MECHANISM=${mechanism}`);
    }
  } else if (e.KAFKA_SASL_USERNAME || e.KAFKA_SASL_PASSWORD) {
    problems.push(
      `KAFKA_SASL_MECHANISM: required with KAFKA_SASL_USERNAME/PASSWORD (${KAFKA_SASL_MECHANISMS.join(', ')})`,
    );
  }
  if (Boolean(e.KAFKA_CERT_FILE) !== Boolean(e.KAFKA_KEY_FILE)) {
    problems.push('KAFKA_CERT_FILE, KAFKA_KEY_FILE: a client certificate needs both');
  }
  const implied = mechanism !== undefined || Boolean(e.KAFKA_CA_FILE || e.KAFKA_CERT_FILE);
  const ssl = e.KAFKA_SSL === undefined ? implied : e.KAFKA_SSL === '1' || e.KAFKA_SSL === 'true';
  if (!ssl && (e.KAFKA_CA_FILE || e.KAFKA_CERT_FILE)) {
    problems.push('KAFKA_SSL: is 0, but KAFKA_CA_FILE/KAFKA_CERT_FILE configure TLS');
  }
  return { ssl, caFile: e.KAFKA_CA_FILE, certFile: e.KAFKA_CERT_FILE, keyFile: e.KAFKA_KEY_FILE, sasl };
}

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY/i;

function redactValue(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRET_NAME.test(name)) return '[redacted]';
  // URLs may carry credentials (ALERTMANAGER_URL=https://user:pass@…).
  return value.replace(/\/\/[^/@\s]*@/g, '//[redacted]@');
}
