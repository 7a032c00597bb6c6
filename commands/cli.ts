// The `perfbot` CLI (bin/perfbot.js calls main). commander parses; each subcommand's module is
// imported only when that subcommand runs, so `perfbot --help` loads no SDK, no Redis client,
// no playbook. Usage errors exit 2; a command that could not do what was asked exits 1.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { stdio } from './io.js';

type Env = Readonly<Record<string, string | undefined>>;

export async function main(argv: string[], env: Env = process.env): Promise<number> {
  let code = 0;
  const program = buildProgram(env, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err);
  }
  return code;
}

function buildProgram(env: Env, exit: (code: number) => void): Command {
  const program = new Command('perfbot')
    .description('ChatOps incident bot: alerts in, runbook diagnostics, approval-gated fixes, audit trail')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run perfbot --help for the commands)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  program
    .command('serve')
    .description('HTTP server (webhooks, Slack, health), diagnoses and proposals, and the remediation worker')
    .option('--no-worker', 'run the remediation worker elsewhere (perfbot worker)')
    .action(async (opts: { worker: boolean }) =>
      exit(
        await longRunning(env, async (config, log) =>
          (await import('./serve.js')).serveCommand(config, log, opts),
        ),
      ),
    );

  program
    .command('worker')
    .description('the remediation worker only (runs approved fixes), on the Redis serve uses')
    .action(async () =>
      exit(
        await longRunning(env, async (config, log) =>
          (await import('./worker.js')).workerCommand(config, log),
        ),
      ),
    );

  program
    .command('diagnose')
    .description("run a playbook's checks and print the report (exit 0 whatever the verdict)")
    .argument('<playbook>', 'playbook id or alias (perfbot list shows them)')
    .option('-n, --namespace <ns>', "namespace to diagnose (default: the playbook's)")
    .option('--json', 'print the report as JSON')
    .option('-v, --verbose', 'list every check, not only the verdict and the findings')
    .action(async (playbook: string, opts: { namespace?: string; json?: boolean; verbose?: boolean }) => {
      const { diagnoseCli } = await import('./diagnose.js');
      exit(await diagnoseCli({ name: playbook, ...opts }, stdio, env));
    });

  program
    .command('validate')
    .description('validate playbooks: one file:line: message per problem (exit 1)')
    .argument('[dir]', 'playbook folder (default: $PLAYBOOKS_DIR, ./playbooks, else the bundled ones)')
    .action(async (dir: string | undefined) => {
      const { defaultPlaybooksDir } = await import('../src/playbooks/default-dir.js');
      const { validateCommand } = await import('./validate.js');
      exit(await validateCommand(dir ?? env.PLAYBOOKS_DIR ?? defaultPlaybooksDir(), stdio));
    });

  program
    .command('audit')
    .description(
      'print the audit trail; --verify checks the hash chain and signed checkpoints (exit 1 if broken);\n' +
        'export --before DATE > FILE, verify-file FILE…, trim FILE',
    )
    .argument('[action]', 'export | verify-file | trim (default: print or --verify)')
    .argument('[files...]', 'segment files for verify-file and trim')
    .option('--incident <id>', 'only the entries of one incident')
    .option('--verify', 'check the chain instead of printing it')
    .option(
      '--since-checkpoint <sig>',
      'with --verify: fail unless the trail still holds this logged checkpoint',
    )
    .option('--before <date>', 'export: entries older than this date')
    .option('--json', 'one JSON object per entry')
    .action(
      async (
        action: string | undefined,
        files: string[],
        opts: {
          incident?: string;
          verify?: boolean;
          sinceCheckpoint?: string;
          before?: string;
          json?: boolean;
        },
      ) => {
        const { auditCli } = await import('./audit.js');
        const verify = opts.verify === true || opts.sinceCheckpoint !== undefined;
        exit(await auditCli(await config(env), { ...opts, verify, action, files }, stdio));
      },
    );

  program
    .command('timeline')
    .description(
      "an incident's timeline from the verified audit trail: a post-mortem draft (exit 1 if the chain is broken)",
    )
    .argument('<incident>', 'incident id (perfbot status shows the open ones)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['markdown', 'json']).default('markdown'),
    )
    .action(async (incident: string, opts: { format: string }) => {
      const { timelineCli } = await import('./timeline.js');
      exit(await timelineCli(incident, opts, stdio, env));
    });

  for (const [name, description] of [
    ['list', 'playbooks, their aliases and the alerts that trigger them'],
    ['status', 'open incidents with age, playbook and thread'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .option('--json', 'print as JSON')
      .action(async (opts: { json?: boolean }) =>
        exit(await (await import('./read-cli.js')).readCommandCli(name, opts, stdio, env)),
      );
  }

  program.addOption(new Option('--no-color').hideHelp());
  // A usage error in a command points at that command's own help.
  for (const command of program.commands)
    command.showHelpAfterError(`(run perfbot ${command.name()} --help for its usage)`);
  return program;
}

async function config(env: Env) {
  return (await import('../src/config.js')).loadConfig(env);
}

/** serve/worker: start, then run until SIGINT/SIGTERM, then stop gracefully. */
async function longRunning(
  env: Env,
  start: (
    config: import('../src/config.js').Config,
    log: import('../src/log.js').Logger,
  ) => Promise<() => Promise<void>>,
): Promise<number> {
  const cfg = await config(env);
  const { createLogger } = await import('../src/log.js');
  const log = createLogger({ level: cfg.logLevel });
  const stop = await start(cfg, log);
  await waitForSignal();
  await stop();
  return 0;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Expected failures are one line; anything else is a bug, reported once without a stack. */
async function reportError(err: unknown): Promise<number> {
  const { ConfigError, PerfbotError, errorMessage } = await import('../src/errors.js');
  if (err instanceof ConfigError || err instanceof PerfbotError) {
    stdio.err(err.message.startsWith('perfbot: ') ? err.message : `perfbot: ${err.message}`);
    return 1;
  }
  stdio.err(`perfbot: unexpected error: ${errorMessage(err)} (run with LOG_LEVEL=debug for details)`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) stdio.err(err.stack);
  return 1;
}

function packageVersion(): string {
  // dist/commands/cli.js and commands/cli.ts (tsx) sit at different depths below package.json.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'perfbot' && pkg.version) return pkg.version;
    } catch {
      // not at this depth
    }
  }
  return 'unknown';
}
