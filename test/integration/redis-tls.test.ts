// rediss:// with a custom CA (REDIS_CA_FILE), against a real redis-server listening only on TLS
// with a certificate from a test CA made by openssl. Without the CA the connection is refused.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { connectRedisOnce, createRedis, describeRedisTarget } from '../../src/redis/connect.js';
import { freePort } from '../../src/redis/embedded.js';
import { REDIS_SENTINEL, REDIS_SERVER, type RedisProc, startRedisProc } from '../support/redis-ha.js';

const OPENSSL = '/usr/bin/openssl';
const missing = [REDIS_SERVER, REDIS_SENTINEL, OPENSSL].find((b) => !existsSync(b));
if (missing) console.warn(`skipping the Redis TLS test: ${missing} is not installed`);

describe.skipIf(missing)('rediss:// with REDIS_CA_FILE (real redis-server over TLS)', () => {
  let server: RedisProc;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perfbot-tls-'));
    const f = (n: string) => join(dir, n);
    const ssl = (...args: string[]) => execFileSync(OPENSSL, args, { stdio: 'pipe' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=perfbot test CA',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
    );
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      f('redis.key'),
      '-out',
      f('redis.csr'),
    );
    writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    ssl(
      'x509',
      '-req',
      '-in',
      f('redis.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f('san.ext'),
      '-out',
      f('redis.pem'),
    );
    const port = await freePort();
    server = await startRedisProc(
      REDIS_SERVER,
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--tls-cert-file',
        f('redis.pem'),
        '--tls-key-file',
        f('redis.key'),
        '--tls-ca-cert-file',
        f('ca.pem'),
        '--tls-auth-clients',
        'no',
      ],
      port,
    );
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
  });

  it('connects with the CA, and is refused without it', async () => {
    const url = `rediss://127.0.0.1:${server.port}`;
    const config = loadConfig({ REDIS_URL: url, REDIS_CA_FILE: join(dir, 'ca.pem') });
    expect(describeRedisTarget(config.redisUrl)).toBe(`${url}`);
    const ok = createRedis(config.redisUrl, { retryStrategy: () => null, enableOfflineQueue: true });
    ok.on('error', () => {});
    try {
      expect(await ok.ping()).toBe('PONG');
    } finally {
      ok.disconnect();
    }
    const refused = createRedis(url, { retryStrategy: () => null, enableOfflineQueue: true });
    const errors: string[] = [];
    refused.on('error', (e) => errors.push(e.message));
    await expect(refused.ping()).rejects.toThrow();
    refused.disconnect();
    expect(errors.join(' ')).toMatch(/self.signed|unable to verify|certificate/i);
  });

  it('behind a Sentinel that speaks only TLS: REDIS_SENTINELS + rediss:// + REDIS_CA_FILE reach the primary', async () => {
    const f = (n: string) => join(dir, n);
    const port = await freePort();
    const conf = f('sentinel.conf');
    writeFileSync(
      conf,
      [
        'port 0',
        `tls-port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `tls-cert-file ${f('redis.pem')}`,
        `tls-key-file ${f('redis.key')}`,
        `tls-ca-cert-file ${f('ca.pem')}`,
        'tls-auth-clients no',
        // Sentinel reaches the primary over TLS too.
        'tls-replication yes',
        `sentinel monitor tlsmaster 127.0.0.1 ${server.port} 1`,
        '',
      ].join('\n'),
    );
    const sentinel = await startRedisProc(REDIS_SENTINEL, [conf], port);
    try {
      const config = loadConfig({
        REDIS_URL: 'rediss://ignored/0',
        REDIS_SENTINELS: `127.0.0.1:${port}`,
        REDIS_SENTINEL_NAME: 'tlsmaster',
        REDIS_CA_FILE: f('ca.pem'),
      });
      expect(describeRedisTarget(config.redisUrl)).toBe(
        `rediss-sentinel://tlsmaster (sentinels 127.0.0.1:${port})`,
      );
      const ok = createRedis(config.redisUrl, { enableOfflineQueue: true });
      ok.on('error', () => {});
      try {
        await ok.set('tls-sentinel-probe', '1');
        expect(await ok.get('tls-sentinel-probe')).toBe('1');
      } finally {
        ok.disconnect();
      }
      // Without the CA neither the Sentinel nor the primary is trusted.
      const plain = loadConfig({
        REDIS_URL: 'rediss://ignored/0',
        REDIS_SENTINELS: `127.0.0.1:${port}`,
        REDIS_SENTINEL_NAME: 'tlsmaster',
      });
      const refused = await connectRedisOnce(plain.redisUrl, { explicit: true, timeoutMs: 2000 }).catch(
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toMatch(/cannot reach Redis/);
    } finally {
      await sentinel.kill('SIGTERM');
    }
  });

  it('stops with one message when the CA file cannot be read', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://127.0.0.1:1', REDIS_CA_FILE: '/nonexistent/ca.pem' });
    expect(() => createRedis(config.redisUrl)).toThrow(/REDIS_CA_FILE: cannot read \/nonexistent\/ca.pem/);
  });
});
