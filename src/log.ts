// pino with secrets redacted. Log lines have a fixed message and details as fields, so the
// redaction paths below catch secrets wherever a caller puts them.
import pino, { type Logger } from 'pino';

export type { Logger };

/** Field paths that may hold credentials; censored in every line. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'webhookToken',
  '*.webhookToken',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'signature',
  '*.signature',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'req.headers["x-amz-sns-signature"]',
  'headers.authorization',
  'headers["x-slack-signature"]',
  'env.SLACK_BOT_TOKEN',
  'env.SLACK_SIGNING_SECRET',
  'env.SLACK_APP_TOKEN',
  'env.PERFBOT_WEBHOOK_TOKEN',
  'env.AWS_SECRET_ACCESS_KEY',
  'env.AWS_SESSION_TOKEN',
  'env.AZURE_CLIENT_SECRET',
  'env.KAFKA_SASL_PASSWORD',
  '*.env.KAFKA_SASL_PASSWORD',
];

// Tokens can also hide inside free text (an error message that echoes a URL with ?token=).
const SECRET_IN_TEXT = /(xox[abposr]-[\w-]+|xapp-[\w-]+|([?&]token=)[^&\s"]+|(Bearer\s+)[\w.~+/-]+=*)/g;

export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_m, _all, query?: string, bearer?: string) =>
    query ? `${query}[redacted]` : bearer ? `${bearer}[redacted]` : '[redacted]',
  );
}

export interface LogOptions {
  level?: string;
  /** Pretty output for people at a terminal; JSON otherwise (production, CI, pipes). */
  pretty?: boolean;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  const base: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { app: 'perfbot' },
    formatters: { level: (label) => ({ level: label }) },
    serializers: {
      err: (err: unknown) => {
        const s = pino.stdSerializers.err(err as Error);
        return { ...s, message: redactText(s.message), stack: s.stack ? redactText(s.stack) : s.stack };
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino(base);
}

/** A logger that writes nothing: the default for library code under test. */
export const silentLogger: Logger = pino({ level: 'silent' });
