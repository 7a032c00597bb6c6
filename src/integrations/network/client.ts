// Network probes with node:net and node:dns only: what the runbook does with ping, nslookup and
// dig, without a child process. Times come from an injectable monotonic clock.
import { lookup as dnsLookup } from 'node:dns/promises';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PerfbotError, TimeoutError } from '../../errors.js';
import type { DnsAnswer, NetworkPort, ProbeFailure, ResolvedAddress, TcpProbe } from './port.js';

export interface NetworkClientOptions {
  /** One connection attempt gives up after this (a dropped SYN would otherwise take minutes). */
  connectTimeoutMs?: number;
  now?: () => number;
  lookup?: (host: string, options: { all: true }) => Promise<{ address: string; family: number }[]>;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function failure(err: unknown, ms: number): ProbeFailure {
  const code = (err as { code?: unknown }).code;
  return {
    ok: false,
    ms: round(ms),
    code: typeof code === 'string' ? code : undefined,
    error: err instanceof Error ? err.message : String(err),
  };
}

function abortError(signal: AbortSignal, what: string, ms: number): PerfbotError {
  const reason: unknown = signal.reason;
  return reason instanceof PerfbotError ? reason : new TimeoutError(what, Math.round(ms));
}

export function createNetworkClient(options: NetworkClientOptions = {}): NetworkPort {
  const now = options.now ?? (() => performance.now());
  const resolve = options.lookup ?? ((host, o) => dnsLookup(host, o));
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;

  return {
    async lookup(host, { signal }): Promise<DnsAnswer> {
      const what = `DNS lookup of ${host}`;
      const started = now();
      if (signal.aborted) throw abortError(signal, what, 0);
      // getaddrinfo cannot be cancelled; the race lets the check go when its deadline passes.
      let onAbort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError(signal, what, now() - started));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const answers = await Promise.race([resolve(host, { all: true }), aborted]);
        const addresses: ResolvedAddress[] = answers.map((a) => ({
          address: a.address,
          family: a.family === 6 ? 6 : 4,
        }));
        return { ok: true, ms: round(now() - started), addresses };
      } catch (err) {
        if (signal.aborted) throw abortError(signal, what, now() - started);
        return failure(err, now() - started);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },

    tcpConnect(address, port, { signal }): Promise<TcpProbe> {
      const what = `TCP connect to ${address}:${port}`;
      if (signal.aborted) return Promise.reject(abortError(signal, what, 0));
      return new Promise((resolvePromise, reject) => {
        const socket = new Socket();
        const started = now();
        const finish = (outcome: () => void) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          outcome();
        };
        const onAbort = () => finish(() => reject(abortError(signal, what, now() - started)));
        const timer = setTimeout(() => {
          const err = Object.assign(
            new Error(`connect ETIMEDOUT ${address}:${port} after ${connectTimeoutMs} ms`),
            {
              code: 'ETIMEDOUT',
            },
          );
          finish(() => resolvePromise(failure(err, now() - started)));
        }, connectTimeoutMs);
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          const ms = now() - started;
          finish(() => resolvePromise({ ok: true, ms: round(ms) }));
        });
        socket.once('error', (err) => finish(() => resolvePromise(failure(err, now() - started))));
        socket.connect({ host: address, port });
      });
    },
  };
}
