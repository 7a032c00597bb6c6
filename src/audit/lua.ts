// Runs a Lua script by SHA (EVALSHA) and loads it on NOSCRIPT, so a script is sent once per
// server rather than with every call. Used for every atomic transition (audit append, proposal
// decisions, job state) — Lua runs alone on the server, which is the atomicity we rely on.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LuaScript {
  lua: string;
  sha: string;
}

export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

export async function runLua(
  redis: Redis,
  script: LuaScript,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return await redis.eval(script.lua, keys.length, ...keys, ...args);
    }
    throw err;
  }
}
