// A real clickhouse-server for tests (written against Debian's 18.16): its own config, users
// and data in a temp dir, free loopback ports, stopped by PID.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/embedded.js';
import { httpOk, spawnServer, type TestServer } from './spawn-server.js';

export interface ClickHouseOptions {
  /** How often system.query_log is flushed (the server default is 7500 ms). */
  queryLogFlushMs?: number;
  /** Extra settings for the default profile, e.g. { max_execution_time: 10 }. */
  profileSettings?: Record<string, string | number>;
}

const xmlText = (v: string | number) =>
  String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Starts clickhouse-server (written against 18.16: a `<yandex>` root, log_queries in the
 * profile so system.query_log fills up). `url` is the HTTP interface; `tcpPort` the native one.
 */
export async function startClickHouse(
  options: ClickHouseOptions = {},
): Promise<TestServer & { tcpPort: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'perfbot-ch-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const settings = { log_queries: 1, max_memory_usage: 2_000_000_000, ...options.profileSettings };
  await writeFile(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/server.log</log>
    <errorlog>${dir}/log/error.log</errorlog>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <flush_interval_milliseconds>${options.queryLogFlushMs ?? 200}</flush_interval_milliseconds>
  </query_log>
</yandex>
`,
  );
  await writeFile(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
${Object.entries(settings)
  .map(([k, v]) => `      <${k}>${xmlText(v)}</${k}>`)
  .join('\n')}
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries><errors>0</errors><result_rows>0</result_rows>
        <read_rows>0</read_rows><execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const server = await spawnServer({
    binary: 'clickhouse-server',
    dir,
    url,
    args: [`--config-file=${join(dir, 'config.xml')}`],
    ready: () => httpOk(`${url}/ping`),
    timeoutMs: 60_000,
  });
  return { ...server, tcpPort };
}
