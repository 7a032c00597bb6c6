// Starts one private redis-server for the whole run (no persistence, random port) unless
// REDIS_URL is set, and exposes its URL to tests as process.env.REDIS_URL.
import type { TestProject } from 'vitest/node';
import { ErrorCode, PerfbotError } from '../../src/errors.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';

let redis: EmbeddedRedis | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.env.REDIS_URL) {
    redis = await startEmbeddedRedis().catch((err: unknown) => {
      // `npm test` installs it first (scripts/setup.mjs); a bare `npx vitest` does not.
      if (err instanceof PerfbotError && err.code === ErrorCode.RedisNotInstalled) {
        throw new Error(
          `${err.message}; \`node scripts/setup.mjs test\` installs it (npm test runs that first)`,
        );
      }
      throw err;
    });
  }
  const url = process.env.REDIS_URL ?? (redis as EmbeddedRedis).url;
  process.env.REDIS_URL = url;
  project.provide('redisUrl', url);
  return async () => {
    await redis?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
