// `perfbot diagnose <playbook|alias> [--namespace NS] [--json]` and, through diagnoseCommand,
// `/perf diagnose`. The command runs whatever it can and reports what it found: exit 0 whatever
// the verdict; only an unknown playbook, a bad namespace or bad configuration exit 1.
import { buildReport, type DiagnosisReport } from '../src/chat/report.js';
import { renderProgressLine, renderReportText } from '../src/chat/text.js';
import { loadConfig } from '../src/config.js';
import { runDiagnosis } from '../src/diagnostics/engine.js';
import type { CheckResult } from '../src/diagnostics/types.js';
import { PerfbotError } from '../src/errors.js';
import { type BackendSource, createBackends } from '../src/integrations/backends.js';
import { type CheckSource, createRegistry } from '../src/integrations/registry.js';
import { createLogger, type Logger } from '../src/log.js';
import type { Metrics } from '../src/metrics.js';
import { PlaybookCatalog } from '../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../src/playbooks/loader.js';

export interface DiagnoseOptions {
  catalog: PlaybookCatalog;
  backends: BackendSource;
  /** Playbook id or alias, as typed. */
  name: string;
  namespace?: string | undefined;
  log: Logger;
  now?: () => Date;
  onProgress?: (result: CheckResult, done: number, total: number) => void;
  deadlineMs?: number;
  signal?: AbortSignal;
  metrics?: Pick<Metrics, 'checksRun' | 'checkDuration'>;
  /** The registry (integrations load on demand); tests and the benchmark pass their own. */
  checks: CheckSource;
}

/** Throws PlaybookNotFoundError (unknown name) or InvalidInputError (bad namespace). */
export async function diagnoseCommand(options: DiagnoseOptions): Promise<DiagnosisReport> {
  const playbook = options.catalog.get(options.name);
  const run = await runDiagnosis({
    playbook,
    namespace: options.namespace,
    backends: options.backends,
    checks: options.checks,
    log: options.log,
    now: options.now,
    deadlineMs: options.deadlineMs,
    signal: options.signal,
    onProgress: options.onProgress,
    metrics: options.metrics,
  });
  return buildReport(playbook, run);
}

/** "no playbook … — did you mean sentinel?" plus every known name, for the CLI and chat. */
export function unknownPlaybookMessage(catalog: PlaybookCatalog, name: string): string {
  const suggestions = catalog.suggest(name);
  const hint = suggestions.length > 0 ? ` — did you mean ${suggestions.join(' or ')}?` : '';
  return `no playbook or alias named "${name}"${hint}\nknown: ${catalog.names().join(', ')}`;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress lines go to stderr only for a person watching a terminal. */
  isTTY: boolean;
}

export interface DiagnoseCliOptions {
  name: string;
  namespace?: string | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
}

export async function diagnoseCli(
  options: DiagnoseCliOptions,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { name } = options;
  const config = loadConfig(env);
  // Logs go to stderr so stdout carries only the report (or its JSON); quiet unless asked.
  const log = createLogger({
    level: env.LOG_LEVEL ? config.logLevel : 'warn',
    destination: process.stderr,
  });
  const catalog = new PlaybookCatalog(await loadPlaybooksOrThrow(config.playbooksDir));
  if (!catalog.find(name)) {
    io.err(`perfbot: ${unknownPlaybookMessage(catalog, name)}`);
    return 1;
  }
  const backends = createBackends(config, log);
  try {
    const report = await diagnoseCommand({
      catalog,
      backends,
      checks: createRegistry(),
      name,
      namespace: options.namespace,
      log,
      onProgress: io.isTTY ? (r, done, total) => io.err(renderProgressLine(r, done, total)) : undefined,
    });
    io.out(
      options.json
        ? JSON.stringify(report, null, 2)
        : renderReportText(report, {
            verbose: options.verbose,
            moreHint: options.verbose ? undefined : '--verbose lists them',
          }),
    );
    return 0;
  } catch (err) {
    if (err instanceof PerfbotError) {
      io.err(`perfbot: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await backends.close();
  }
}
