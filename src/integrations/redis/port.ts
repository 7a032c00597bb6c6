// The narrow port perfbot needs from the diagnosed Redis: INFO, nothing that writes.

export interface RedisInfoCallOptions {
  /** Every call gives up when this aborts (check timeout, run deadline). */
  signal: AbortSignal;
  /** redis://… to inspect instead of the configured TARGET_REDIS_URL (the check's `url`). */
  url?: string | undefined;
}

export interface RedisInfoPort {
  /** The default INFO sections (server, clients, memory, stats, …) as raw text. */
  info(options: RedisInfoCallOptions): Promise<string>;
}
