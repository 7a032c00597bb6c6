// `perfbot serve` as a real OS process (bin/perfbot.js on the compiled dist/), for tests that
// need several replicas. The build is refreshed first when any source is newer than it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/redis/embedded.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST_MAIN = join(ROOT, 'dist', 'commands', 'cli.js');

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** Runs `tsc -p tsconfig.build.json` when dist/ is older than src/ (as `npm test` does first). */
export async function ensureBuilt(): Promise<void> {
  const sources = Math.max(await newestSource(join(ROOT, 'src')), await newestSource(join(ROOT, 'commands')));
  if (existsSync(DIST_MAIN) && (await stat(DIST_MAIN)).mtimeMs >= sources) return;
  const { code, output } = await run([
    join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  // tsc still emits when another part of the tree has a type error; what matters is a fresh dist.
  if (!existsSync(DIST_MAIN) || (await stat(DIST_MAIN)).mtimeMs < sources) {
    throw new Error(`build failed (tsc exit ${code}):\n${output.slice(-4000)}`);
  }
}

export interface PerfbotProcess {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `node bin/perfbot.js serve <args>` on a free loopback port; resolves once /healthz answers. */
export async function startPerfbot(
  env: Record<string, string>,
  args: string[] = [],
): Promise<PerfbotProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'perfbot.js'), 'serve', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-64_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`perfbot exited (${child.exitCode}):\n${output}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`perfbot did not answer /healthz:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid: child.pid ?? -1, output: () => output, stop };
}
