// pino with secrets redacted. Log lines have a fixed message and details as fields, so the
// redaction paths below catch secrets wherever a caller puts them.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import { ErrorCode, PerfbotError } from './errors.js';
import { printable, type TtyScreen, ttyScreen } from './tty.js';

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

export interface SerializedErr {
  type: string;
  message: string;
  stack?: string | undefined;
  [field: string]: unknown;
}

/**
 * The `err` field of a log line, whatever a caller put there: an Error (with cause chain), a
 * string, null, a plain or circular object, a value whose getters throw. Logging an error must
 * never become the error: this function does not throw.
 */
export function serializeErr(err: unknown): SerializedErr {
  try {
    if (isErrorLike(err)) {
      const s = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
      return {
        ...s,
        type: safeString(s.type ?? 'Error'),
        message: redactText(safeString(s.message)),
        stack: typeof s.stack === 'string' ? redactText(s.stack) : undefined,
      };
    }
    return { type: typeOf(err), message: redactText(describe(err)) };
  } catch {
    return { type: typeOf(err), message: '[error value that cannot be read]' };
  }
}

function isErrorLike(v: unknown): boolean {
  if (v instanceof Error) return true;
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string';
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Text for any value: strings as they are, objects as (cycle-safe, bounded) JSON. */
function describe(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || v === null) return safeString(v);
  const seen = new WeakSet<object>();
  try {
    const json = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return x.toString();
      if (typeof x === 'object' && x !== null) {
        if (seen.has(x)) return '[Circular]';
        seen.add(x);
      }
      return x;
    });
    return (json ?? Object.prototype.toString.call(v)).slice(0, 2000);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function safeString(v: unknown): string {
  try {
    return typeof v === 'string' ? v : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export interface LogOptions {
  level?: string;
  /** Pretty output for people at a terminal; JSON otherwise (production, CI, pipes). */
  pretty?: boolean;
  destination?: pino.DestinationStream;
  /** Where pretty lines go: the terminal shared with the incident channel (stdout's by default). */
  screen?: TtyScreen | undefined;
}

/**
 * Conditions perfbot expects and reports where people look (a check "skipped: set X", a
 * remediation "not proposed: …"): logged at debug, whatever level the call site chose, so they
 * never reach a terminal as warnings with stack traces.
 */
const EXPECTED_CONDITIONS: ReadonlySet<string> = new Set([
  ErrorCode.BackendNotConfigured,
  ErrorCode.GuardViolation,
]);

function isExpectedCondition(fields: unknown): boolean {
  if (fields === null || typeof fields !== 'object' || !('err' in fields)) return false;
  const err = (fields as { err: unknown }).err;
  return err instanceof PerfbotError && EXPECTED_CONDITIONS.has(err.code);
}

const DEBUG = 20;

export function createLogger(options: LogOptions = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  const base: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { app: 'perfbot' },
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeErr },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: {
      logMethod(args, method, level) {
        if (level > DEBUG && isExpectedCondition(args[0])) {
          (this.debug as (...a: unknown[]) => void)(...args);
          return;
        }
        method.apply(this, args);
      },
    },
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino(base, prettyDestination(base.level as string, options.screen ?? ttyScreen()));
  return pino(base);
}

/**
 * One line per entry, in process (no transport thread), through the screen the incident channel
 * also writes to. Errors show their message; their stacks only at debug and below.
 */
function prettyDestination(level: string, screen: TtyScreen | undefined): pino.DestinationStream {
  const stacks = level === 'debug' || level === 'trace';
  // Loaded only for a terminal (~50 ms of start-up that a pod, writing JSON, never needs).
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const prettify = prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    singleLine: true,
    ignore: stacks ? 'pid,hostname,app' : 'pid,hostname,app,err',
    messageFormat: stacks ? undefined : (log, key) => `${log[key] ?? ''}${errorSuffix(log.err)}`,
  });
  return {
    write: (line: string) => {
      const text = prettify(line);
      if (screen) screen.print(text.trimEnd());
      else process.stdout.write(text);
    },
  };
}

function errorSuffix(err: unknown): string {
  const message = err && typeof err === 'object' ? (err as { message?: unknown }).message : err;
  const first = typeof message === 'string' ? message.split('\n')[0] : undefined;
  // An error's text may come from outside (a back end's answer): shown, not acted on.
  return first ? ` — ${printable(first)}` : '';
}

/** A logger that writes nothing: the default for library code under test. */
export const silentLogger: Logger = pino({ level: 'silent' });
