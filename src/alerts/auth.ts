// Webhook authentication by a shared token (PERFBOT_WEBHOOK_TOKEN): `Authorization: Bearer …`
// or, for senders that cannot set headers, `?token=…`. Compared in constant time on SHA-256
// digests, so neither the token's content nor its length leaks through timing.
import { hash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';

// crypto.hash: the one-shot form, without a Hash object per request.
const digest = (s: string): Buffer => hash('sha256', s, 'buffer') as unknown as Buffer;

export type TokenCheck = (authorization: string | undefined, queryToken: unknown) => void;

/** Without a configured token every request passes (the caller warns about it at start-up). */
export function createTokenCheck(expected: string | undefined): TokenCheck {
  if (expected === undefined) return () => {};
  const want = digest(expected);
  return (authorization, queryToken) => {
    let given: string | undefined;
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (m) given = m[1];
    else if (typeof queryToken === 'string' && queryToken !== '') given = queryToken;
    if (given === undefined) throw new UnauthorizedError('missing bearer token');
    if (!timingSafeEqual(digest(given), want)) throw new UnauthorizedError('invalid token');
  };
}
