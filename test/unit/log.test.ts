import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redactText, serializeErr } from '../../src/log.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ pretty: false, destination, level: 'debug' }), lines };
}

describe('log redaction', () => {
  it('censors token, secret and signature fields wherever they sit', () => {
    const { log, lines } = capture();
    log.info(
      {
        token: 'xoxb-123-456',
        slack: { signingSecret: 'abc', botToken: 'xoxb-9' },
        headers: { authorization: 'Bearer hunter2', 'x-slack-signature': 'v0=deadbeef' },
        signature: 'AAAA',
        env: { PERFBOT_WEBHOOK_TOKEN: 'wh-token' },
      },
      'configured',
    );
    const text = lines.join('');
    for (const secret of ['xoxb-123-456', 'abc"', 'xoxb-9', 'hunter2', 'deadbeef', 'AAAA', 'wh-token']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
    expect(text).toContain('"msg":"configured"');
  });

  it('scrubs tokens out of error messages', () => {
    const { log, lines } = capture();
    log.error(
      { err: new Error('POST https://x/alerts?token=s3cr3t failed: Bearer abc.def') },
      'webhook failed',
    );
    const text = lines.join('');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('abc.def');
  });

  it('redactText keeps the shape of the text', () => {
    expect(redactText('url ?token=abc&x=1')).toBe('url ?token=[redacted]&x=1');
    expect(redactText('got xoxb-1-2-3 back')).toBe('got [redacted] back');
  });
});

describe('logging an error never throws, whatever `err` is', () => {
  const circular = (): unknown => {
    const o: Record<string, unknown> = { name: 'loop' };
    o.self = o;
    return o;
  };
  const circularError = (): unknown => {
    const e = new Error('cause loop') as Error & { cause?: unknown; data?: unknown };
    e.cause = e;
    e.data = circular();
    return e;
  };
  const throwingGetter = (): unknown =>
    Object.defineProperty(new Error('x'), 'message', {
      get() {
        throw new Error('no message for you');
      },
    });
  const hostile = fc.constantFrom<unknown>(
    null,
    undefined,
    'auth.test failed: invalid_auth',
    '',
    0,
    Number.NaN,
    10n,
    Symbol('s'),
    () => 1,
    Object.create(null),
    circular(),
    circularError(),
    throwingGetter(),
    { message: 42, stack: { not: 'a string' } },
    { message: 'looks like an error', stack: 'at nowhere' },
    Object.assign(Object.create(null), { message: Object.create(null) }),
    new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    ),
  );
  const values = fc.oneof(
    hostile,
    fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withDate: true }),
    fc.string().map((m) => new Error(m)),
    fc.tuple(fc.string(), fc.anything()).map(([m, cause]) => new Error(m, { cause })),
  );

  it('serializeErr returns a type and a message for any value', () => {
    fc.assert(
      fc.property(values, (v) => {
        const s = serializeErr(v);
        expect(typeof s.type).toBe('string');
        expect(typeof s.message).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('a logged line is written, as JSON, with the message, for any `err`', () => {
    fc.assert(
      fc.property(values, (v) => {
        const { log, lines } = capture();
        log.error({ err: v }, 'slack: auth.test failed');
        expect(lines).toHaveLength(1);
        const line = JSON.parse(lines[0] as string) as { msg: string; err?: { message: string } };
        expect(line.msg).toBe('slack: auth.test failed');
        // pino leaves out a field whose value is undefined; anything else is serialized.
        if (v !== undefined) expect(typeof line.err?.message).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('a string err (the start-up bug) keeps its text, redacted', () => {
    const { log, lines } = capture();
    log.error({ err: 'invalid_auth for xoxb-1-2-3' }, 'slack: auth.test failed');
    const line = JSON.parse(lines[0] as string) as { err: { type: string; message: string } };
    expect(line.err).toEqual({ type: 'string', message: 'invalid_auth for [redacted]' });
  });
});
