// What every CLI command shares: where it writes, and how a one-shot command reaches Redis —
// at once or with one clear line naming the URL and what to do (never ioredis' retry text).
import type { Redis } from 'ioredis';
import { connectRedisOnce } from '../src/redis/connect.js';

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
export function connectOnce(url: string, explicit = true): Promise<Redis> {
  return connectRedisOnce(url, { explicit, timeoutMs: 3000 });
}
