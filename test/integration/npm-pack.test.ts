// The package as a user gets it: `npm pack` holds what runs (dist, playbooks, bin, the chart font, README,
// LICENSE) and nothing else, and the tarball installed into an empty folder runs
// `perfbot validate` and `perfbot diagnose sentinel` there. Installing a tarball runs no
// `prepare` (it would need TypeScript, which is a devDependency), so dist/ must be inside.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/perfbot-process.js';
import { skipWithout } from '../support/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');

// The caller's environment as a user's shell would have it: certificate and proxy settings
// (NODE_EXTRA_CA_CERTS, npm_config_cafile, HTTPS_PROXY) included, since the install may reach
// the registry. What `npm test` adds for its own run (the package's lifecycle and local prefix)
// is left out: it would make the nested npm act on this repository instead of the empty folder.
function inherited(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'INIT_CWD' || k === 'npm_command') continue;
    if (/^npm_(lifecycle|package)_/.test(k) || k === 'npm_config_local_prefix') continue;
    out[k] = v;
  }
  return out;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...inherited(), ...env },
    timeout: 600_000,
  });
}

const ALLOWED = [
  /^bin\/perfbot\.js$/,
  /^dist\/(src|commands)\/.+\.js$/,
  /^playbooks\/.+\.yml$/,
  // The chart font and its licence: charts load only this file (system fonts off).
  /^assets\/fonts\/(DejaVuSans(-Bold)?\.ttf|LICENSE|README\.md)$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^package\.json$/,
];

describe.skipIf(skipWithout('npm'))('npm pack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfbot-pack-'));
  const install = join(dir, 'empty');
  let tarball: string;
  let files: string[];

  beforeAll(async () => {
    await ensureBuilt();
    // --ignore-scripts: the build is fresh already; `prepare` would compile it again.
    const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT);
    expect(r.status, r.stderr).toBe(0);
    const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info?.filename ?? '');
    files = (info?.files ?? []).map((f) => f.path);
  }, 300_000);

  // An installed node_modules is large: removing it takes a while on a busy machine.
  afterAll(() => rm(dir, { recursive: true, force: true }), 300_000);

  it('holds what runs and nothing else', () => {
    const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    expect(stray).toEqual([]);
    // What bin/perfbot.js imports, and every playbook.
    const bin = readFileSync(join(ROOT, 'bin', 'perfbot.js'), 'utf8');
    const entry = /(?:from |import\()'\.\.\/(dist\/[^']+)'/.exec(bin)?.[1];
    expect(entry).toBeDefined();
    expect(files).toContain(entry);
    for (const f of [
      'bin/perfbot.js',
      'LICENSE',
      'README.md',
      'playbooks/sentinel-connector.yml',
      'playbooks/data-pipeline.yml',
      'assets/fonts/DejaVuSans.ttf',
      'assets/fonts/DejaVuSans-Bold.ttf',
      'assets/fonts/LICENSE',
    ])
      expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('bench/') || f.startsWith('.ci/'))).toBe(
      false,
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain(
      'Apache License\n                           Version 2.0',
    );
  });

  it('installed into an empty folder, runs validate and diagnose sentinel', { timeout: 600_000 }, () => {
    rmSync(install, { recursive: true, force: true });
    spawnSync('mkdir', [install]);
    // From npm's cache where it can (the dependencies are there after `npm ci`); the registry otherwise.
    const i = run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
      install,
    );
    expect(i.status, i.stderr).toBe(0);
    // No prepare ran: it would have needed tsc, which an installed perfbot does not get.
    expect(existsSync(join(install, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(install, 'node_modules', 'perfbot', 'dist'))).toBe(true);

    const perfbot = join(install, 'node_modules', '.bin', 'perfbot');
    const validate = run(perfbot, ['validate'], install);
    expect(validate.status, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/^2 playbooks valid in .*node_modules\/perfbot\/playbooks: /);

    const diagnose = run(perfbot, ['diagnose', 'sentinel'], install);
    expect(diagnose.status, diagnose.stderr).toBe(0);
    expect(diagnose.stdout).toContain('S3 to Sentinel connector performance (sentinel-connector)');
    expect(diagnose.stdout).toContain('Nothing was measured: all 18 checks skipped');
    expect(diagnose.stdout).toMatch(/set PROMETHEUS_URL/);

    // A chart drawn by the installed package finds its shipped font (a package without
    // assets/fonts throws "chart fonts not found" on the first chart of an incident).
    const chart = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const c = await import('perfbot/dist/src/chat/chart.js');
         const png = await c.renderChartPng({ title: 'lag', series: [{ name: 'lag', points: [{ t: 0, v: 1 }, { t: 60000, v: 2 }] }] });
         console.log(JSON.stringify({ fonts: c.chartFontFiles(), bytes: png.length }));`,
      ],
      install,
    );
    expect(chart.status, chart.stderr).toBe(0);
    const drawn = JSON.parse(chart.stdout) as { fonts: string[]; bytes: number };
    expect(drawn.fonts.map((f) => f.slice(f.indexOf('node_modules/perfbot/')))).toEqual([
      'node_modules/perfbot/assets/fonts/DejaVuSans.ttf',
      'node_modules/perfbot/assets/fonts/DejaVuSans-Bold.ttf',
    ]);
    expect(drawn.bytes).toBeGreaterThan(1000);
  });
});
