// Real Redis high availability on loopback for tests and the failover benchmark: a primary,
// replicas (`--replicaof`) and redis-sentinel processes from the Debian packages. Every process
// is ours and is stopped by its PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, isListening } from '../../src/redis/embedded.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_SENTINEL = '/usr/bin/redis-sentinel';

export function haBinariesMissing(): string | undefined {
  for (const b of [REDIS_SERVER, REDIS_SENTINEL]) if (!existsSync(b)) return `${b} is not installed`;
  return undefined;
}

export interface RedisProc {
  port: number;
  pid: number;
  url: string;
  /** SIGKILL by default: a crash, not a shutdown. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  output(): string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startRedisProc(binary: string, args: string[], port: number): Promise<RedisProc> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const deadline = Date.now() + 10_000;
  while (!(await isListening('127.0.0.1', port, 200))) {
    if (child.exitCode !== null) throw new Error(`${binary} exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`${binary} did not listen on ${port}: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: child.pid ?? -1,
    url: `redis://127.0.0.1:${port}`,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
    signal: (signal) => child.kill(signal),
    output: () => out,
  };
}

export async function startRedisServer(extra: string[] = []): Promise<RedisProc> {
  const port = await freePort();
  // Its own directory: a replica writes the RDB it receives there (dump.rdb).
  const dir = mkdtempSync(join(tmpdir(), 'perfbot-redis-'));
  return startRedisProc(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--dir',
      dir,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      // A replica syncs at once instead of after Redis 7's 5 s diskless delay.
      '--repl-diskless-sync-delay',
      '0',
      ...extra,
    ],
    port,
  );
}

export async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function info(url: string, section: string): Promise<string> {
  const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => {});
  try {
    await c.connect();
    return await c.info(section);
  } finally {
    c.disconnect();
  }
}

/** A primary with one replica whose link is up. */
export async function startPrimaryReplica(): Promise<{ primary: RedisProc; replica: RedisProc }> {
  const primary = await startRedisServer();
  const replica = await startRedisServer(['--replicaof', '127.0.0.1', String(primary.port)]);
  await waitFor('the replica link', async () =>
    /master_link_status:up/.test(await info(replica.url, 'replication')),
  );
  await waitFor('the primary to count its replica', async () =>
    /slave0:.*state=online/.test(await info(primary.url, 'replication')),
  );
  return { primary, replica };
}

export interface SentinelSet {
  name: string;
  primary: RedisProc;
  replica: RedisProc;
  sentinels: RedisProc[];
  /** host:port,… for REDIS_SENTINELS. */
  addresses: string;
  /** The primary's port as the Sentinels currently see it. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** Primary + replica + three Sentinels (quorum 2), failing over one second after a crash. */
export async function startSentinelSet(name = 'perfbot'): Promise<SentinelSet> {
  const { primary, replica } = await startPrimaryReplica();
  const dir = mkdtempSync(join(tmpdir(), 'perfbot-sentinel-'));
  const sentinels: RedisProc[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(await startRedisProc(REDIS_SENTINEL, [conf], port));
  }
  const ask = async (s: RedisProc, ...args: string[]) => {
    const c = new Redis(s.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    c.on('error', () => {});
    try {
      await c.connect();
      return (await c.call('SENTINEL', ...args)) as unknown[];
    } finally {
      c.disconnect();
    }
  };
  // Each Sentinel must know the replica and the two other Sentinels before a failover can work.
  for (const s of sentinels) {
    await waitFor('the Sentinels to discover each other and the replica', async () => {
      const [replicas, peers] = await Promise.all([ask(s, 'replicas', name), ask(s, 'sentinels', name)]);
      return replicas.length === 1 && peers.length === 2;
    });
  }
  return {
    name,
    primary,
    replica,
    sentinels,
    addresses: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    currentPrimaryPort: async () => {
      for (const s of sentinels) {
        const addr = await ask(s, 'get-master-addr-by-name', name).catch(() => undefined);
        if (addr) return Number(addr[1]);
      }
      throw new Error('no Sentinel answered');
    },
    stop: async () => {
      for (const p of [...sentinels, replica, primary]) await p.kill('SIGTERM');
    },
  };
}
