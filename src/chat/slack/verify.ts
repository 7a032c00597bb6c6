// Slack request signing: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the app's
// signing secret. Pure, with the clock injected, so the five-minute replay window is testable.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: an older (or future) timestamp is refused even with a valid signature. */
export const MAX_SKEW_SECONDS = 5 * 60;

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'forged' };

export function slackSignature(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

export function verifySlackSignature(input: {
  secret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer;
  nowMs: number;
}): VerifyResult {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing' };
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS)
    return { ok: false, reason: 'stale' };
  const expected = Buffer.from(slackSignature(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  // timingSafeEqual throws on unequal lengths; the length itself is not secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  return { ok: true };
}
