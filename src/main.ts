// CLI entry: serve | worker | diagnose | validate | audit. The only place (with commands/)
// that writes to the console.
import { parseArgs } from 'node:util';
import { diagnoseCli } from '../commands/diagnose.js';
import { chatCommandCli } from '../commands/index.js';
import { auditCli } from './cli/audit.js';
import { serveCommand } from './cli/serve.js';
import { validateCommand } from './cli/validate.js';
import { workerCommand } from './cli/worker.js';
import { type Config, loadConfig } from './config.js';
import { ConfigError, PerfbotError } from './errors.js';
import { createLogger } from './log.js';
import { defaultPlaybooksDir } from './playbooks/default-dir.js';

const USAGE = `usage: perfbot <command> [options]

  serve [--no-worker]                       HTTP server (webhooks, Slack, health) + remediation worker
  worker                                    remediation worker only
  diagnose <playbook|alias> [--namespace NS] [--json]
                                            run a playbook's diagnostics and print the report
  validate [DIR]                            validate playbooks (default: $PLAYBOOKS_DIR, ./playbooks, else the bundled ones)
  audit [--incident ID] [--verify]          print the audit trail; --verify checks the hash chain
  list                                      playbooks, aliases and the alerts that trigger them
  status                                    open incidents with age, playbook and Slack thread
`;

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'worker':
        return await worker(rest);
      case 'diagnose':
        return await diagnoseCli(rest, { ...io, isTTY: process.stdout.isTTY === true });
      case 'audit': {
        const { values } = parseArgs({
          args: rest,
          options: { incident: { type: 'string' }, verify: { type: 'boolean', default: false } },
        });
        return await auditCli(configFromEnv(), { incident: values.incident, verify: values.verify }, io);
      }
      case 'list':
      case 'status':
        return await chatCommandCli(command, rest, io);
      case 'validate': {
        const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
        return await validateCommand(
          positionals[0] ?? process.env.PLAYBOOKS_DIR ?? defaultPlaybooksDir(),
          io,
        );
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 1 : 0;
      default:
        io.err(`perfbot: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PerfbotError) {
      io.err(`perfbot: ${err.message}`);
      return 1;
    }
    if (err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.err(`perfbot: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

function configFromEnv(): Config {
  return loadConfig(process.env);
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'no-worker': { type: 'boolean', default: false } } });
  const config = configFromEnv();
  const log = createLogger({ level: config.logLevel });
  const stop = await serveCommand(config, log, { worker: !values['no-worker'] });
  await waitForSignal();
  await stop();
  return 0;
}

async function worker(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const config = configFromEnv();
  const log = createLogger({ level: config.logLevel });
  const stop = await workerCommand(config, log);
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
