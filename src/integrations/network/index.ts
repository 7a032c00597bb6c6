// Network probes: TCP connect time and DNS resolution (PERFBOT_NETWORK_CHECKS, or in-cluster).
import { networkDnsCheck, networkTcpConnectCheck } from './checks.js';

export { createNetworkClient, type NetworkClientOptions } from './client.js';
export type { DnsAnswer, NetworkPort, ProbeFailure, ResolvedAddress, TcpProbe } from './port.js';

export const networkChecks = {
  'network.tcp-connect': networkTcpConnectCheck,
  'network.dns': networkDnsCheck,
} as const;
