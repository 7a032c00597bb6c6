// Which lines a person sees: expected conditions (a back end not configured, a guard rail) are
// debug wherever they are logged; on a terminal every entry is one line, errors without stacks.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BackendNotConfiguredError, GuardViolationError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { TtyScreen } from '../../src/tty.js';

function json(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ pretty: false, destination, level }), lines };
}

describe('log levels', () => {
  it('logs expected conditions at debug, whatever level the call site chose', () => {
    const info = json('info');
    info.log.warn(
      { err: new BackendNotConfiguredError('KUBECONFIG'), remediation: 'r' },
      'remediation not proposed',
    );
    info.log.error({ err: new GuardViolationError('replicas above 20') }, 'remediation not proposed');
    expect(info.lines).toEqual([]);

    const debug = json('debug');
    debug.log.warn(
      { err: new BackendNotConfiguredError('KUBECONFIG'), remediation: 'r' },
      'remediation not proposed',
    );
    expect(debug.lines).toHaveLength(1);
    expect(debug.lines[0]).toMatchObject({
      level: 'debug',
      msg: 'remediation not proposed',
      remediation: 'r',
    });
  });

  it('keeps unexpected errors at their level', () => {
    const info = json('info');
    info.log.warn({ err: new Error('connection refused') }, 'thread write failed');
    expect(info.lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'thread write failed' })]);
  });

  it('on a terminal: one line per entry, an error as its first line, no stack, above the status line', () => {
    let out = '';
    const screen = new TtyScreen({ write: (s) => (out += s), columns: 200 });
    const log = createLogger({ pretty: true, level: 'info', screen });
    screen.setStatus('⏳ running');
    log.warn({ err: new Error('connection refused\nsecond line'), channel: 'C1' }, 'thread write failed');
    log.info({ audit: { event: 'x' } }, 'some entry');
    const printed = out.split('\n');
    expect(printed).toHaveLength(3);
    expect(printed[0]).toMatch(/WARN.*thread write failed — connection refused.*"channel":"C1"/);
    expect(out).not.toContain('second line');
    expect(out).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    expect(printed[2]).toBe('⏳ running');

    // A back end's error text with an escape sequence in it is shown, not acted on.
    out = '';
    log.warn({ err: new Error('bad answer \x1b[2J\x1b]0;owned\x07') }, 'check failed');
    expect(out).toContain('check failed — bad answer \\x1b[2J\\x1b]0;owned\\x07');
    for (const raw of ['\x1b[2J', '\x1b]0;', '\x07']) expect(out).not.toContain(raw);
  });
});
