import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactText } from '../../src/log.js';

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
