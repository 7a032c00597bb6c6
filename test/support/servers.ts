// Real servers for integration tests: prometheus and clickhouse-server from the Debian packages,
// each on free loopback ports with its own temp directory, stopped by PID. A test that needs one
// uses `describe.skipIf(skipWithout(name))`, which prints why it skipped.
export { type ClickHouseOptions, startClickHouse } from './clickhouse-server.js';
export {
  type PrometheusOptions,
  prometheusConfig,
  type ScrapeTarget,
  startPrometheus,
  waitForTargetsUp,
} from './prometheus-server.js';
export {
  findBinary,
  hasBinary,
  httpOk,
  type SpawnOptions,
  skipWithout,
  spawnServer,
  type TestServer,
} from './spawn-server.js';
