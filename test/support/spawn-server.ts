// Starting and stopping a real server process for a test: find the binary, spawn it in its
// temp directory, poll until it answers, stop it by PID (and remove the directory). The
// per-server helpers (prometheus-server.ts, clickhouse-server.ts) build on this.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface TestServer {
  url: string;
  pid: number;
  /** The server's temp directory (config, data, logs); removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

// Daemons live in sbin, which is not on every user's PATH.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable on PATH (or in an sbin directory), if any. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function hasBinary(name: string): boolean {
  return findBinary(name) !== undefined;
}

/** For describe.skipIf: true (skip) when the binary is absent, after saying so. */
export function skipWithout(name: string): boolean {
  if (hasBinary(name)) return false;
  console.warn(`skipping: ${name} is not installed (Debian: apt-get install ${name})`);
  return true;
}

// Servers still running when the test process exits (a crashed worker, a failed beforeAll)
// must not outlive it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) safeKill(child.pid, 'SIGKILL');
});

function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export interface SpawnOptions {
  binary: string;
  args: string[];
  dir: string;
  url: string;
  /** Resolves true once the server answers. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}

export async function spawnServer(options: SpawnOptions): Promise<TestServer> {
  const path = findBinary(options.binary);
  if (!path) throw new Error(`${options.binary} is not installed`);
  const child = spawn(path, options.args, { cwd: options.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      safeKill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && safeKill(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(options.dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`${options.binary} exited (${child.exitCode ?? child.signalCode}): ${output.trim()}`);
    }
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.binary} did not become ready: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: options.url, pid: child.pid ?? -1, dir: options.dir, stop };
}

/** True when GET url answers 2xx within a second. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}
