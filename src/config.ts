// Environment → typed Config. Every variable is read here and nowhere else, so the table in
// README.md and DESIGN.md has one place to stay true to. `env` is injected for tests.
import { z } from 'zod';
import { isDuration, parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import { defaultPlaybooksDir } from './playbooks/default-dir.js';

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
  AWS_REGION: optionalString,
  AWS_ENDPOINT_URL_CLOUDWATCH: url('an http(s)'),
  AZURE_MONITOR_METRICS_ENDPOINT: url('an https'),
  AZURE_LOGS_ENDPOINT: url('an https'),
  AZURE_LOGS_WORKSPACE_ID: optionalString,
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
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: e.PORT === undefined ? 3000 : Number(e.PORT),
    host: e.HOST ?? '0.0.0.0',
    redisUrl: e.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisUrlExplicit: e.REDIS_URL !== undefined,
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
    logLevel: (e.LOG_LEVEL as Config['logLevel'] | undefined) ?? 'info',
    env,
  };
}

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY/i;

function redactValue(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  return SECRET_NAME.test(name) ? '[redacted]' : value;
}
