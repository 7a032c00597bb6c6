// Coded errors: every error perfbot raises on purpose carries an ErrorCode, so the HTTP layer,
// the CLI and the queue can decide (status code, exit code, retry or not) without parsing text.

export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  PlaybookInvalid: 'PLAYBOOK_INVALID',
  PlaybookNotFound: 'PLAYBOOK_NOT_FOUND',
  ProposalNotFound: 'PROPOSAL_NOT_FOUND',
  InvalidInput: 'INVALID_INPUT',
  Unauthorized: 'UNAUTHORIZED',
  StoreUnavailable: 'STORE_UNAVAILABLE',
  BackendNotConfigured: 'BACKEND_NOT_CONFIGURED',
  Upstream: 'UPSTREAM',
  UpstreamRetryable: 'UPSTREAM_RETRYABLE',
  Timeout: 'TIMEOUT',
  GuardViolation: 'GUARD_VIOLATION',
  RedisNotInstalled: 'REDIS_NOT_INSTALLED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class PerfbotError extends Error {
  readonly code: ErrorCode;
  /** Whether doing the same thing again may succeed (upstream 429/5xx, timeouts, Redis down). */
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

export class ConfigError extends PerfbotError {
  constructor(readonly problems: string[]) {
    super(ErrorCode.ConfigInvalid, `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** One problem in a playbook file, located for the `file:line: message` output. */
export interface PlaybookProblem {
  file: string;
  line: number;
  message: string;
}

export class PlaybookError extends PerfbotError {
  constructor(readonly problems: PlaybookProblem[]) {
    super(ErrorCode.PlaybookInvalid, problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
  }
}

export class PlaybookNotFoundError extends PerfbotError {
  constructor(name: string, known: string[]) {
    super(ErrorCode.PlaybookNotFound, `no playbook or alias named "${name}"`, { details: { known } });
  }
}

/** A proposal ID that names nothing stored (expired and deleted, or never made). */
export class ProposalNotFoundError extends PerfbotError {
  constructor(id: string) {
    super(ErrorCode.ProposalNotFound, `no proposal ${id.slice(0, 64)} is stored`, {
      details: { id: id.slice(0, 64) },
    });
  }
}

export class InvalidInputError extends PerfbotError {
  /** `field` names the offending input (a JSON path for webhooks, a parameter for names). */
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(ErrorCode.InvalidInput, message, { details: { field } });
  }
}

export class UnauthorizedError extends PerfbotError {
  constructor(message = 'missing or invalid credentials') {
    super(ErrorCode.Unauthorized, message);
  }
}

export class StoreUnavailableError extends PerfbotError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.StoreUnavailable, message, { cause, retryable: true });
  }
}

export class BackendNotConfiguredError extends PerfbotError {
  constructor(readonly variable: string) {
    super(ErrorCode.BackendNotConfigured, `set ${variable}`);
  }
}

export class UpstreamError extends PerfbotError {
  constructor(
    readonly service: string,
    message: string,
    options: { status?: number; cause?: unknown; retryable?: boolean } = {},
  ) {
    const retryable =
      options.retryable ?? (options.status === undefined || options.status === 429 || options.status >= 500);
    super(retryable ? ErrorCode.UpstreamRetryable : ErrorCode.Upstream, `${service}: ${message}`, {
      cause: options.cause,
      retryable,
      details: { service, status: options.status },
    });
  }
}

export class TimeoutError extends PerfbotError {
  constructor(what: string, ms: number) {
    super(ErrorCode.Timeout, `${what} timed out after ${ms} ms`, { retryable: true });
  }
}

/** A remediation that would break a playbook's guard rail; retrying cannot help. */
export class GuardViolationError extends PerfbotError {
  constructor(message: string) {
    super(ErrorCode.GuardViolation, message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
