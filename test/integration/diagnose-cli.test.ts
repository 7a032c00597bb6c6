// `perfbot diagnose` as a user runs it: the built CLI in a child process with a controlled
// environment. Nothing configured → every check says what to set; PROMETHEUS_URL pointing at a
// small HTTP server that answers in Prometheus' real JSON format → the Prometheus checks get values.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnosisReport } from '../../src/chat/report.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/commands/cli.js');
/** Each CLI start loads every SDK; on a busy two-core machine that takes seconds. */
const CLI_TEST_MS = 120_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm run build`, skipped when dist is newer than every source (npm test has just built). */
async function ensureBuilt(): Promise<void> {
  let built = 0;
  try {
    built = statSync(MAIN).mtimeMs;
  } catch {
    // not built yet
  }
  if (built > Math.max(newestSource(join(ROOT, 'src')), newestSource(join(ROOT, 'commands')))) return;
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch((err) => {
    throw new Error(`build failed:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
  });
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function perfbot(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/perfbot.js', ...args], {
      cwd: ROOT,
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Answers /api/v1/query (POST form or GET) with a vector: 7.5 for the batch-time metric, else 0.2. */
function fakePrometheus(seen: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const params = new URLSearchParams(req.method === 'POST' ? body : url.search);
      const query = params.get('query') ?? '';
      seen.push(`${url.pathname} ${query}`);
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const ts = Date.now() / 1000;
      const value = query.includes('log_processing_duration_seconds') ? '7.5' : '0.2';
      if (url.pathname === '/api/v1/query') {
        send(200, {
          status: 'success',
          data: {
            resultType: 'vector',
            result: [{ metric: { job: 's3-sentinel-connector' }, value: [ts, value] }],
          },
        });
      } else if (url.pathname === '/api/v1/query_range') {
        const values = [0, 1, 2].map((i) => [ts - 60 * (2 - i), value]);
        send(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } });
      } else send(404, { status: 'error', errorType: 'not_found', error: 'not found' });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('perfbot diagnose (built CLI)', () => {
  beforeAll(ensureBuilt, 180_000);

  it.each([
    ['sentinel', 'sentinel-connector'],
    ['data-pipeline', 'data-pipeline'],
  ])(
    '%s with nothing configured: exit 0, every check says what to set',
    async (name, id) => {
      const json = await perfbot(['diagnose', name, '--json'], {});
      expect(json.stderr).toBe('');
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout) as DiagnosisReport;
      expect(report.playbook.id).toBe(id);
      expect(report.checks.length).toBeGreaterThan(0);
      for (const check of report.checks) {
        expect(check.status, check.checkId).toBe('skipped');
        expect(check.summary, check.checkId).toMatch(/^skipped: set [A-Z_]+(=1)?$/);
      }
      expect(report.diagnosis.bottlenecks).toEqual([]);
    },
    CLI_TEST_MS,
  );

  it(
    'prints the verdict first: nothing was measured, and what to set; --verbose lists every check',
    async () => {
      const text = await perfbot(['diagnose', 'sentinel'], {});
      expect(text.code).toBe(0);
      const [first, second] = text.stdout.split('\n');
      expect(first).toMatch(/^– Nothing was measured: all \d+ checks skipped$/);
      expect(second).toMatch(/^ {2}S3 .* \(sentinel-connector\) · namespace [a-z0-9-]+ · \d+ checks in /);
      expect(text.stdout).toMatch(/To measure, set PROMETHEUS_URL \(\d+ checks\), KUBECONFIG/);
      expect(text.stdout).not.toContain('No bottleneck');
      expect(text.stdout).toContain('\n18 checks: 18 skipped — --verbose lists them\n');

      const verbose = await perfbot(['diagnose', 'sentinel', '--verbose'], {});
      expect(verbose.code).toBe(0);
      const checkLines = verbose.stdout.split('\n').filter((l) => /^\s+– /.test(l));
      expect(checkLines.length).toBeGreaterThan(0);
      expect(verbose.stdout.match(/skipped: set /g)?.length).toBe(checkLines.length);
    },
    CLI_TEST_MS,
  );

  it(
    'exits 1 with a suggestion for an unknown playbook',
    async () => {
      const r = await perfbot(['diagnose', 'sentinal'], {});
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('no playbook or alias named "sentinal" — did you mean sentinel');
    },
    CLI_TEST_MS,
  );

  it(
    'exits 1 for a namespace that is not a DNS-1123 label',
    async () => {
      const r = await perfbot(['diagnose', 'sentinel', '--namespace', 'Bad_NS'], {});
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('invalid namespace "Bad_NS"');
    },
    CLI_TEST_MS,
  );

  describe('with PROMETHEUS_URL', () => {
    const seen: string[] = [];
    let server: Server;
    beforeAll(async () => {
      server = await fakePrometheus(seen);
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it(
      'measures the Prometheus checks against the server and leaves the rest skipped',
      async () => {
        const { port } = server.address() as AddressInfo;
        const r = await perfbot(['diagnose', 'sentinel', '--json'], {
          PROMETHEUS_URL: `http://127.0.0.1:${port}`,
        });
        expect(r.code).toBe(0);
        const report = JSON.parse(r.stdout) as DiagnosisReport;
        const batch = report.checks.find((c) => c.checkId === 'batch-processing-time');
        expect(batch?.status).toBe('warn');
        expect(batch?.value).toBe(7.5);
        expect(batch?.summary).toMatch(/^Batch processing time.* 7\.5 s \(warn > 5 s, critical > 30 s\)/);
        expect(seen.some((q) => q.includes('log_processing_duration_seconds_bucket'))).toBe(true);
        for (const c of report.checks.filter((c) => c.kind.startsWith('prometheus.')))
          expect(c.status, c.checkId).not.toBe('skipped');
        for (const c of report.checks.filter((c) => !c.kind.startsWith('prometheus.')))
          expect(c.status, c.checkId).toBe('skipped');
      },
      CLI_TEST_MS,
    );

    it(
      'names the bottleneck on the first line and prints each value once, with unit and threshold',
      async () => {
        const { port } = server.address() as AddressInfo;
        const r = await perfbot(['diagnose', 'sentinel'], { PROMETHEUS_URL: `http://127.0.0.1:${port}` });
        expect(r.code).toBe(0);
        expect(r.stdout.split('\n')[0]).toBe(
          '▲ Bottleneck: Slow processing (batch time over 5s; alert over 30s) → S3 download is slow → S3 throttling (SlowDown / 5xx / rate limiter waits)',
        );
        expect(r.stdout).toContain('7.5 s (warn > 5 s, critical > 30 s)');
        expect(r.stdout.split('7.5').length - 1).toBe(1);
        expect(r.stdout).toMatch(/\d+ other checks: \d+ ok · \d+ skipped — --verbose lists them/);
      },
      CLI_TEST_MS,
    );
  });
});
