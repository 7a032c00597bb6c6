// Runs a playbook's checks concurrently, each under its own timeout and all under one deadline,
// then lets the decision tree name the bottleneck. Nothing a back end does (fail, hang, be
// absent) fails the run: every check ends as a CheckResult, and the run always returns.
import { performance } from 'node:perf_hooks';
import { formatDuration, parseDuration } from '../duration.js';
import { InvalidInputError } from '../errors.js';
import { type BackendSource, toBackends } from '../integrations/backends.js';
import { type CheckSource, checkBackend, checkOf } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { CHECK_PARAMS, DNS1123_LABEL } from '../playbooks/kinds.js';
import { allowedNamespace } from '../playbooks/namespaces.js';
import { resolvePlaceholders } from '../playbooks/placeholders.js';
import type { Check, Playbook } from '../playbooks/schema.js';
import { runCheckUntil } from './abort.js';
import { type Diagnosis, decide } from './decide.js';
import { errorResult, measuredResult, skippedResult, unimplementedResult } from './evaluate.js';
import { type AnyCheckDefinition, BACKEND_VARIABLE, type CheckResult } from './types.js';

export const DEFAULT_DEADLINE_MS = 30_000;

export interface RunDiagnosisOptions {
  playbook: Playbook;
  /** Overrides the playbook's target namespace (--namespace, an alert's label). */
  namespace?: string | undefined;
  /** Configured back ends' ports; an absent one makes its checks "skipped: set X". */
  backends: BackendSource;
  /** Check implementations: the registry (loads integrations on demand) or a fixed map. */
  checks: CheckSource;
  log: Logger;
  now?: () => Date;
  /** Bound on the whole run; checks still running then are reported as timed out. */
  deadlineMs?: number;
  /** Cancels the run from outside (a shutdown); running checks end as errors. */
  signal?: AbortSignal;
  onProgress?: (result: CheckResult, done: number, total: number) => void;
  metrics?: Pick<Metrics, 'checksRun' | 'checkDuration'> & Partial<Pick<Metrics, 'diagnosisDuration'>>;
  /** Fills `${NAME}` placeholders in check parameters (default: the process environment). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface DiagnosisRun {
  playbookId: string;
  namespace: string;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** In playbook order, whatever order they finished in. */
  checks: CheckResult[];
  diagnosis: Diagnosis;
}

/** Throws InvalidInputError before anything runs if the namespace is not a DNS-1123 label. */
export function resolveNamespace(playbook: Playbook, explicit?: string): string {
  const namespace = explicit ?? playbook.target.namespace;
  if (!DNS1123_LABEL.test(namespace)) {
    throw new InvalidInputError(
      'namespace',
      `invalid namespace "${namespace.slice(0, 80)}": expected a DNS-1123 label (lower-case letters, digits, "-", at most 63)`,
    );
  }
  // Namespace bounds (src/playbooks/namespaces.ts): refused here, so no check of any caller
  // (alert label, --namespace, verification) ever reaches a namespace the playbook does not list.
  const bound = allowedNamespace(playbook, namespace);
  if (!bound.ok) throw new InvalidInputError('namespace', bound.reason);
  return namespace;
}

export async function runDiagnosis(options: RunDiagnosisOptions): Promise<DiagnosisRun> {
  const { playbook, log, onProgress, metrics, checks } = options;
  const backends = toBackends(options.backends);
  const now = options.now ?? (() => new Date());
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const env = options.env ?? process.env;
  const namespace = resolveNamespace(playbook, options.namespace);
  const target = { ...playbook.target, namespace };
  const startedAt = now();
  const t0 = performance.now();

  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`timed out (diagnosis deadline ${formatDuration(deadlineMs)})`)),
    deadlineMs,
  );
  const stopOuter = forwardAbort(options.signal, deadline);
  const total = playbook.checks.length;
  let done = 0;

  const runOne = async (check: Check): Promise<CheckResult> => {
    // An unconfigured back end skips its checks without loading the integration's SDK.
    const backend = checkBackend(checks, check.kind);
    const definition = backend && !backends.has(backend) ? undefined : await checkOf(checks, check.kind);
    let result: CheckResult;
    if (backend && !backends.has(backend)) result = skippedResult(check, BACKEND_VARIABLE[backend]);
    else if (!definition) result = unimplementedResult(check);
    else if (!backends.has(definition.backend))
      result = skippedResult(check, BACKEND_VARIABLE[definition.backend]);
    else result = await execute(check, definition);
    done++;
    metrics?.checksRun.inc({ kind: check.kind, status: result.status });
    if (result.status !== 'skipped')
      metrics?.checkDuration.observe({ kind: check.kind }, result.durationMs / 1000);
    log.debug(
      { checkId: check.id, kind: check.kind, status: result.status, ms: result.durationMs },
      'check done',
    );
    try {
      onProgress?.(result, done, total);
    } catch (err) {
      log.warn({ err, checkId: check.id }, 'progress callback failed');
    }
    return result;
  };

  const execute = async (check: Check, definition: AnyCheckDefinition): Promise<CheckResult> => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let port: unknown;
    try {
      port = await backends.get(definition.backend);
    } catch (err) {
      // A client that cannot be built (an unreadable kubeconfig) fails its checks, not the run.
      return errorResult(check, err, elapsed());
    }
    const filled = resolvePlaceholders(check.params, env);
    if (filled.missing.length > 0) return skippedResult(check, filled.missing.join(', '));
    const params = CHECK_PARAMS[check.kind].safeParse(filled.value);
    if (!params.success) {
      const first = params.error.issues[0];
      return errorResult(check, `invalid params: ${first?.path.join('.') || ''} ${first?.message ?? ''}`, 0);
    }
    try {
      const measurement = await runCheckUntil(
        (signal) => definition.run({ params: params.data, namespace, target, signal, now, log }, port),
        { timeoutMs: timeoutOf(check), deadline: deadline.signal },
      );
      return measuredResult(check, measurement, elapsed());
    } catch (err) {
      log.debug({ err, checkId: check.id, kind: check.kind }, 'check failed');
      return errorResult(check, err, elapsed());
    }
  };

  try {
    const results = await Promise.all(playbook.checks.map(runOne));
    const finishedAt = now();
    const durationMs = Math.round(performance.now() - t0);
    metrics?.diagnosisDuration?.observe({ playbook: playbook.id }, durationMs / 1000);
    return {
      playbookId: playbook.id,
      namespace,
      startedAt,
      finishedAt,
      durationMs,
      checks: results,
      diagnosis: decide(playbook, results),
    };
  } finally {
    clearTimeout(timer);
    stopOuter();
  }
}

function timeoutOf(check: Check): number {
  return parseDuration(check.timeout) ?? 10_000;
}

function forwardAbort(from: AbortSignal | undefined, to: AbortController): () => void {
  if (!from) return () => {};
  const onAbort = () => to.abort(new Error('cancelled'));
  if (from.aborted) onAbort();
  else from.addEventListener('abort', onAbort, { once: true });
  return () => from.removeEventListener('abort', onAbort);
}
