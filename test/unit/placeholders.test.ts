import { describe, expect, it } from 'vitest';
import { runDiagnosis } from '../../src/diagnostics/engine.js';
import type { AnyCheckDefinition } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { parsePlaybookText } from '../../src/playbooks/loader.js';
import { placeholdersIn, resolvePlaceholders } from '../../src/playbooks/placeholders.js';

const YAML = `id: tpl
title: Templated
target: { namespace: default }
checks:
  - id: s3
    kind: cloudwatch.metric
    title: S3 5xx
    params:
      namespace: AWS/S3
      metric: 5xxErrors
      dimensions: { BucketName: "\${BUCKET}" }
`;

// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${VAR} syntax is what is tested.
describe('${VAR} placeholders in check parameters', () => {
  it('finds and fills them deep inside parameters, naming the unset ones', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: playbook placeholder syntax, not a template.
    const params = { a: 'x-${ONE}', b: [{ c: '${TWO}' }], d: 3 };
    expect([...placeholdersIn(params)]).toEqual(['ONE', 'TWO']);
    expect(resolvePlaceholders(params, { ONE: '1' }).missing).toEqual(['TWO']);
    expect(resolvePlaceholders(params, { ONE: '1', TWO: '2' }).value).toEqual({
      a: 'x-1',
      b: [{ c: '2' }],
      d: 3,
    });
  });

  it('loads a templated check, and still reports other bad parameters of it', () => {
    expect(parsePlaybookText(YAML, 'tpl.yml').problems).toEqual([]);
    const bad = parsePlaybookText(
      YAML.replace('metric: 5xxErrors', 'metric: 5xxErrors\n      period: -5'),
      'bad.yml',
    );
    expect(bad.problems.map((p) => `${p.file}:${p.line}`)).toEqual(['bad.yml:11']);
  });

  it('skips the check with "set VAR" until the variable is set, then runs it with the value', async () => {
    const playbook = parsePlaybookText(YAML, 'tpl.yml').playbook;
    if (!playbook) throw new Error('playbook did not load');
    const seen: unknown[] = [];
    const checks = {
      'cloudwatch.metric': {
        kind: 'cloudwatch.metric',
        backend: 'cloudwatch',
        run: async (ctx: { params: unknown }) => {
          seen.push(ctx.params);
          return { value: 0 };
        },
      } as unknown as AnyCheckDefinition,
    };
    const backends = { cloudwatch: {} };
    const unset = await runDiagnosis({ playbook, backends, checks, log: silentLogger, env: {} });
    expect(unset.checks[0]?.summary).toBe('skipped: set BUCKET');
    expect(seen).toEqual([]);

    const set = await runDiagnosis({
      playbook,
      backends,
      checks,
      log: silentLogger,
      env: { BUCKET: 'logs' },
    });
    expect(set.checks[0]?.status).toBe('ok');
    expect(seen[0]).toMatchObject({ dimensions: { BucketName: 'logs' } });
  });
});
