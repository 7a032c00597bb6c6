// What every CLI command shares: where it writes, and how a one-shot command reaches Redis —
// at once or with one clear line naming the URL and what to do (never ioredis' retry text).
import type { Redis } from 'ioredis';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Io & { isTTY: boolean } = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: process.stdout.isTTY === true,
};

/**
 * One-shot commands: one connection attempt, no retries, no offline queue; an unreachable Redis
 * is one line naming the address and what to do (src/redis/connect.ts).
 */
export async function connectOnce(url: string, explicit = true): Promise<Redis> {
  // Imported here, not at the top: cli.ts imports this file for `stdio`, and ioredis costs
  // ~0.1 s of start-up that `perfbot --help` and `perfbot validate` never need.
  const { connectRedisOnce } = await import('../src/redis/connect.js');
  return connectRedisOnce(url, { explicit, timeoutMs: 3000 });
}
