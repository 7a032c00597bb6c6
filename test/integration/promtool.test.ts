// Runs Prometheus' own checker on the shipped alert rules, and its rule unit tests
// (test/fixtures/alerts/*.test.yml) that prove when the rules fire and when they stay silent.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const PROMTOOL = '/usr/bin/promtool';
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

if (!existsSync(PROMTOOL)) console.log(`skipping promtool tests: ${PROMTOOL} is not installed`);

async function filesIn(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(`${root}/${dir}`))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => `${dir}/${f}`);
}

/** promtool's exit status and output; a non-zero exit is a result here, not an exception. */
async function promtool(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe.skipIf(!existsSync(PROMTOOL))('promtool', () => {
  it('accepts every playbooks/alerts/*.rules.yml', async () => {
    const files = await filesIn('playbooks/alerts', '.rules.yml');
    expect(files).toEqual([
      'playbooks/alerts/data-pipeline.rules.yml',
      'playbooks/alerts/sentinel-connector.rules.yml',
    ]);
    const { code, output } = await promtool(['check', 'rules', ...files]);
    expect(output).toContain('SUCCESS: 13 rules found');
    expect(output).toContain('SUCCESS: 6 rules found');
    expect(code).toBe(0);
  });

  it("accepts perfbot's own alert rules (deploy/monitoring/perfbot.rules.yml)", async () => {
    const { code, output } = await promtool(['check', 'rules', 'deploy/monitoring/perfbot.rules.yml']);
    expect(output).toContain('SUCCESS: 8 rules found');
    expect(code).toBe(0);
  });

  it('passes the rule unit tests: every shipped rule fires past its threshold and only there', async () => {
    const files = await filesIn('test/fixtures/alerts', '.test.yml');
    expect(files).toEqual([
      'test/fixtures/alerts/data-pipeline-each-rule.test.yml',
      'test/fixtures/alerts/data-pipeline.test.yml',
      'test/fixtures/alerts/perfbot.test.yml',
      'test/fixtures/alerts/sentinel-connector-each-rule.test.yml',
      'test/fixtures/alerts/sentinel-connector.test.yml',
    ]);
    const { code, output } = await promtool(['test', 'rules', ...files]);
    expect(output).not.toContain('FAILED');
    expect(code).toBe(0);
  });

  it('fails a rule unit test whose expectation is wrong (the tests can fail)', async () => {
    // Same rules, expectation reversed: proves promtool really evaluates our fixtures.
    const dir = await mkdtemp(`${tmpdir()}/promtool-`);
    try {
      const text = (await readFile(`${root}/test/fixtures/alerts/data-pipeline.test.yml`, 'utf8'))
        .replace('../../../playbooks/alerts/', `${root}/playbooks/alerts/`)
        .replace(/values: (['"])0\+72x20\1/, "values: '0+96x20'");
      await writeFile(`${dir}/flipped.test.yml`, text);
      const { code, output } = await promtool(['test', 'rules', `${dir}/flipped.test.yml`]);
      expect(output).toContain('FAILED');
      expect(output).toContain('enrichment-service-5d2b');
      expect(code).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
