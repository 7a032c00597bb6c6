// PERFBOT_AUDIT_KEY: the secret Redis never holds. Someone who can write to Redis can recompute
// a plain hash chain; they cannot sign. The file holds one of:
//   - an Ed25519 private key (PEM, `openssl genpkey -algorithm ed25519`): signs and verifies;
//     preferred, because verifiers (auditors, `perfbot audit --verify` elsewhere) then need only
//   - an Ed25519 public key (PEM, `openssl pkey -pubout`): verifies only;
//   - anything else: an HMAC-SHA256 secret (at least 32 bytes; surrounding whitespace ignored),
//     which every verifier must also hold.
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export type AuditKeyAlg = 'ed25519' | 'hmac-sha256';

export interface AuditKey {
  alg: AuditKeyAlg;
  /** A short fingerprint stored next to each signature, so "signed by another key" is named. */
  id: string;
  /** false for an Ed25519 public key: it verifies but cannot sign. */
  canSign: boolean;
  /** base64url signature of `message`; throws when the key cannot sign. */
  sign(message: string): string;
  verify(message: string, signature: string): boolean;
}

const MIN_HMAC_BYTES = 32;

function fingerprint(bytes: Buffer, domain: string): string {
  return createHash('sha256').update(domain).update(bytes).digest('hex').slice(0, 16);
}

function ed25519(publicKey: KeyObject, privateKey: KeyObject | undefined): AuditKey {
  const id = fingerprint(publicKey.export({ type: 'spki', format: 'der' }), 'ed25519:');
  return {
    alg: 'ed25519',
    id,
    canSign: privateKey !== undefined,
    sign: (message) => {
      if (!privateKey) throw new ConfigError(['PERFBOT_AUDIT_KEY: a public key can verify but not sign']);
      return sign(null, Buffer.from(message), privateKey).toString('base64url');
    },
    verify: (message, signature) => {
      try {
        return verify(null, Buffer.from(message), publicKey, Buffer.from(signature, 'base64url'));
      } catch {
        return false;
      }
    },
  };
}

function hmac(secret: Buffer): AuditKey {
  const mac = (message: string) => createHmac('sha256', secret).update(message).digest();
  return {
    alg: 'hmac-sha256',
    // Domain-separated from the MAC itself, so the id reveals nothing usable.
    id: fingerprint(secret, 'hmac-id:'),
    canSign: true,
    sign: (message) => mac(message).toString('base64url'),
    verify: (message, signature) => {
      const given = Buffer.from(signature, 'base64url');
      const want = mac(message);
      return given.length === want.length && timingSafeEqual(given, want);
    },
  };
}

/** Parses the key file's content; `source` names it in errors. */
export function parseAuditKey(content: Buffer, source: string): AuditKey {
  const text = content.toString('utf8');
  const fail = (why: string) => new ConfigError([`PERFBOT_AUDIT_KEY: ${source}: ${why}`]);
  if (text.includes('-----BEGIN')) {
    const isPrivate = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
    let key: KeyObject;
    try {
      key = isPrivate ? createPrivateKey(text) : createPublicKey(text);
    } catch (err) {
      throw fail(`not a readable PEM key (${(err as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw fail(
        `a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; use Ed25519 (openssl genpkey -algorithm ed25519) or an HMAC secret`,
      );
    }
    return isPrivate ? ed25519(createPublicKey(key), key) : ed25519(key, undefined);
  }
  const secret = Buffer.from(text.trim(), 'utf8');
  if (secret.length < MIN_HMAC_BYTES) {
    throw fail(`an HMAC secret must be at least ${MIN_HMAC_BYTES} bytes (got ${secret.length})`);
  }
  return hmac(secret);
}

export function loadAuditKey(file: string): AuditKey {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    throw new ConfigError([`PERFBOT_AUDIT_KEY: cannot read ${file}: ${(err as Error).message}`]);
  }
  return parseAuditKey(content, file);
}
