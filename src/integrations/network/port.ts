// The narrow port of the network checks: resolve a name, open (and close) a TCP connection.
// Failures are answers here, not exceptions: a refused connection is exactly what the check
// is looking for. Only an aborted signal throws.

export interface NetworkCallOptions {
  signal: AbortSignal;
}

export interface ProbeFailure {
  ok: false;
  ms: number;
  /** OS error code (ECONNREFUSED, ETIMEDOUT, ENOTFOUND, EAI_AGAIN, …) when there is one. */
  code: string | undefined;
  error: string;
}

export type TcpProbe = { ok: true; ms: number } | ProbeFailure;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export type DnsAnswer = { ok: true; ms: number; addresses: ResolvedAddress[] } | ProbeFailure;

export interface NetworkPort {
  /** Time to resolve `host` the way the application would (getaddrinfo: hosts file, then DNS). */
  lookup(host: string, options: NetworkCallOptions): Promise<DnsAnswer>;
  /** Time until a TCP connection to address:port is established; the socket is closed at once. */
  tcpConnect(address: string, port: number, options: NetworkCallOptions): Promise<TcpProbe>;
}
