import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../src/chat/slack/verify.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = Buffer.from('token=x&team_id=T1&command=%2Fperf&text=help');
const ts = '1700000000';
const nowMs = 1_700_000_000_000 + 30_000;

describe('Slack request signature', () => {
  it('accepts the v0 HMAC-SHA256 of v0:{ts}:{body}', () => {
    const signature = slackSignature(secret, ts, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifySlackSignature({ secret, signature, timestamp: ts, rawBody: body, nowMs })).toEqual({
      ok: true,
    });
  });

  it('matches the example from Slack’s documentation', () => {
    const docBody =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature(secret, 1531420618, docBody)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('refuses a forged signature, a changed body and a wrong secret', () => {
    const good = slackSignature(secret, ts, body);
    const forged = `v0=${'0'.repeat(64)}`;
    expect(verifySlackSignature({ secret, signature: forged, timestamp: ts, rawBody: body, nowMs })).toEqual({
      ok: false,
      reason: 'forged',
    });
    expect(
      verifySlackSignature({
        secret,
        signature: good,
        timestamp: ts,
        rawBody: Buffer.from(`${body}x`),
        nowMs,
      }).ok,
    ).toBe(false);
    expect(
      verifySlackSignature({ secret: 'other', signature: good, timestamp: ts, rawBody: body, nowMs }).ok,
    ).toBe(false);
    expect(
      verifySlackSignature({ secret, signature: 'v0=short', timestamp: ts, rawBody: body, nowMs }),
    ).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses requests older (or newer) than five minutes even when correctly signed', () => {
    const old = String(Math.floor(nowMs / 1000) - 301);
    const future = String(Math.floor(nowMs / 1000) + 301);
    const edge = String(Math.floor(nowMs / 1000) - 299);
    for (const t of [old, future]) {
      expect(
        verifySlackSignature({
          secret,
          signature: slackSignature(secret, t, body),
          timestamp: t,
          rawBody: body,
          nowMs,
        }),
      ).toEqual({ ok: false, reason: 'stale' });
    }
    expect(
      verifySlackSignature({
        secret,
        signature: slackSignature(secret, edge, body),
        timestamp: edge,
        rawBody: body,
        nowMs,
      }).ok,
    ).toBe(true);
  });

  it('refuses missing headers and non-numeric timestamps', () => {
    const signature = slackSignature(secret, ts, body);
    expect(
      verifySlackSignature({ secret, signature: undefined, timestamp: ts, rawBody: body, nowMs }).ok,
    ).toBe(false);
    expect(verifySlackSignature({ secret, signature, timestamp: undefined, rawBody: body, nowMs }).ok).toBe(
      false,
    );
    expect(verifySlackSignature({ secret, signature, timestamp: '17e8', rawBody: body, nowMs })).toEqual({
      ok: false,
      reason: 'missing',
    });
  });
});
