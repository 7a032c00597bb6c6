// The architecture rules (.dependency-cruiser.cjs) hold on the real tree and catch what they
// exist for: an import cycle, chat calling an integration. Run as `npm run arch` would.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string, dirs: string[]): { code: number; out: string } {
  try {
    const out = execFileSync(
      BIN,
      [...dirs, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'],
      {
        cwd,
        encoding: 'utf8',
      },
    );
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

describe('architecture rules', () => {
  it('pass on the source tree', () => {
    const r = cruise(ROOT, ['src', 'commands']);
    expect(r.out).not.toMatch(/error/);
    expect(r.code).toBe(0);
  }, 60_000);

  it('fail on an introduced cycle and on chat calling an integration', () => {
    const r = cruise(join(ROOT, 'test', 'fixtures', 'arch', 'cycle'), ['src']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('no-circular');
    expect(r.out).toContain('chat-renders-only: src/chat/c.ts → src/integrations/x/index.ts');
  }, 60_000);
});
