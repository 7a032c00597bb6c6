// network.tcp-connect and network.dns. A failed probe is a finding, reported as critical with
// the OS error, because "cannot connect" is the answer the runbook's ping was after.
import type { CheckDefinition, Measurement } from '../../diagnostics/types.js';
import type { DnsAnswer, NetworkPort, ProbeFailure, TcpProbe } from './port.js';

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fmtMs = (ms: number) => `${ms < 10 ? ms.toFixed(2) : Math.round(ms)} ms`;

/** NXDOMAIN reaches Node as ENOTFOUND; say it the way people know it. */
export function describeDnsFailure(f: ProbeFailure): string {
  if (f.code === 'ENOTFOUND') return 'NXDOMAIN (no such name)';
  if (f.code === 'EAI_AGAIN') return 'temporary DNS failure (EAI_AGAIN)';
  return f.code ? `${f.code}: ${f.error}` : f.error;
}

function dnsFailed(host: string, answer: ProbeFailure): Measurement {
  return {
    status: 'critical',
    summary: `cannot resolve ${host}: ${describeDnsFailure(answer)}`,
    evidence: { rows: [{ host, error: answer.error, code: answer.code ?? null }] },
  };
}

export const networkDnsCheck: CheckDefinition<'network.dns', NetworkPort> = {
  kind: 'network.dns',
  backend: 'network',
  async run(ctx, port) {
    const { host } = ctx.params;
    const answer: DnsAnswer = await port.lookup(host, { signal: ctx.signal });
    if (!answer.ok) return dnsFailed(host, answer);
    const list = answer.addresses.map((a) => a.address);
    return {
      value: answer.ms,
      summary: `${host} resolved in ${fmtMs(answer.ms)} to ${list.join(', ') || 'no addresses'}`,
      evidence: {
        rows: answer.addresses.map((a) => ({ address: a.address, family: `IPv${a.family}` })),
        samples: list,
        counts: { addresses: list.length },
      },
    };
  },
};

export const networkTcpConnectCheck: CheckDefinition<'network.tcp-connect', NetworkPort> = {
  kind: 'network.tcp-connect',
  backend: 'network',
  async run(ctx, port) {
    const { host, port: tcpPort, attempts } = ctx.params;
    // Resolve once so each attempt times the connection, not the resolver.
    const answer = await port.lookup(host, { signal: ctx.signal });
    if (!answer.ok) return dnsFailed(host, answer);
    const first = answer.addresses[0];
    if (!first) return { status: 'critical', summary: `${host} resolved to no addresses` };
    const target = `${host}:${tcpPort}${first.address === host ? '' : ` (${first.address})`}`;

    const probes: TcpProbe[] = [];
    for (let i = 0; i < attempts; i++)
      probes.push(await port.tcpConnect(first.address, tcpPort, { signal: ctx.signal }));
    const times = probes.flatMap((p) => (p.ok ? [p.ms] : []));
    const failures = probes.filter((p): p is ProbeFailure => !p.ok);
    const value = median(times);
    const evidence = {
      rows: probes.map((p, i) => ({
        attempt: i + 1,
        ok: p.ok,
        ms: p.ms,
        error: p.ok ? null : p.code ? `${p.code}: ${p.error}` : p.error,
      })),
      counts: { attempts, failures: failures.length },
    };
    const firstFailure = failures[0];
    if (firstFailure) {
      return {
        ...(value === undefined ? {} : { value }),
        status: 'critical',
        summary: `${failures.length} of ${attempts} connections to ${target} failed: ${firstFailure.code ?? firstFailure.error}`,
        evidence,
      };
    }
    return {
      value,
      summary: `connected to ${target} in ${fmtMs(value ?? 0)} (median of ${attempts}; ${fmtMs(Math.min(...times))}–${fmtMs(Math.max(...times))})`,
      evidence,
    };
  },
};
