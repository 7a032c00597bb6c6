// What every CLI command shares: where it writes, and how a one-shot command reaches Redis —
// at once or with one clear line naming the URL and what to do (never ioredis' retry text).
import type { Redis } from 'ioredis';
import { printable } from '../src/tty.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

// Reports and incident lists carry outside text (alert labels, check output): printed with its
// control characters shown, not acted on (src/tty.ts). JSON output has none left to show.
export const stdio: Io & { isTTY: boolean } = {
  out: (line) => process.stdout.write(`${printable(line)}\n`),
  err: (line) => process.stderr.write(`${printable(line)}\n`),
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
