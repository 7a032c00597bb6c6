// The one place perfbot starts a process: a private redis-server, for `perfbot serve` on a
// laptop with nothing listening on the default address, and for the test harness. Operations
// on real systems never shell out.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { ErrorCode, PerfbotError } from '../errors.js';

export interface EmbeddedRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  /** Working directory for the append-only file; omit for no persistence. */
  dir?: string;
  port?: number;
  binary?: string;
}

export const REDIS_INSTALL_HINT =
  'redis-server is not installed: install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL to a Redis you run';

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True when something accepts TCP connections on host:port within `ms`. */
export function isListening(host: string, port: number, ms = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export async function startEmbeddedRedis(options: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--protected-mode', 'yes'];
  if (options.dir) {
    await mkdir(options.dir, { recursive: true });
    args.push('--dir', options.dir, '--appendonly', 'yes');
  } else {
    args.push('--appendonly', 'no');
  }
  const child: ChildProcess = spawn(options.binary ?? 'redis-server', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    child.once('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'ENOENT' ? new PerfbotError(ErrorCode.RedisNotInstalled, REDIS_INSTALL_HINT) : err);
    });
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}: ${output.trim()}`)));
    const deadline = Date.now() + 10_000;
    const poll = async () => {
      if (child.exitCode !== null) return;
      if (await isListening('127.0.0.1', port, 200)) return resolve();
      if (Date.now() > deadline)
        return fail(new Error(`redis-server did not listen on ${port}: ${output.trim()}`));
      setTimeout(poll, 50);
    };
    child.once('spawn', () => void poll());
  });
  child.removeAllListeners('exit');

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
