// Amazon SNS HTTP(S) delivery: the message envelope and its signature
// (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
// The signature covers a canonical "Key\nValue\n" string of fixed fields; the public key comes
// from a certificate that may only be fetched from an SNS endpoint, so a forged message cannot
// point us at a certificate of its own.
import { type KeyObject, verify, X509Certificate } from 'node:crypto';
import { InvalidInputError, UnauthorizedError, UpstreamError } from '../errors.js';
import { isObject, optionalString, requireOneOf, requireString } from './read.js';

export const SNS_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsType = (typeof SNS_TYPES)[number];

export interface SnsMessage {
  Type: SnsType;
  MessageId: string;
  TopicArn: string;
  Subject?: string | undefined;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  SubscribeURL?: string | undefined;
  Token?: string | undefined;
}

/** Certificates and SubscribeURLs only from SNS itself (aws and aws-cn partitions). */
export const SNS_CERT_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[A-Za-z0-9._/-]+\.pem$/;
export const SNS_SUBSCRIBE_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\?/;

export function parseSnsEnvelope(body: unknown): SnsMessage {
  if (!isObject(body)) throw new InvalidInputError('body', 'expected an SNS message (a JSON object)');
  const type = requireOneOf(body, 'Type', '', SNS_TYPES);
  const msg: SnsMessage = {
    Type: type,
    MessageId: requireString(body, 'MessageId', ''),
    TopicArn: requireString(body, 'TopicArn', ''),
    Subject: optionalString(body, 'Subject'),
    // An empty Message is legal for confirmations only; the alarm parser rejects it later.
    Message: typeof body.Message === 'string' ? body.Message : requireString(body, 'Message', ''),
    Timestamp: requireString(body, 'Timestamp', ''),
    SignatureVersion: requireOneOf(body, 'SignatureVersion', '', ['1', '2'] as const),
    Signature: requireString(body, 'Signature', ''),
    // Lambda's SNS records spell it `SigningCertUrl`; AWS's own validators accept both, and a
    // record forwarded as is verifies the same (field names are not signed).
    SigningCertURL:
      optionalString(body, 'SigningCertURL') ??
      optionalString(body, 'SigningCertUrl') ??
      requireString(body, 'SigningCertURL', ''),
  };
  if (type !== 'Notification') {
    msg.SubscribeURL = requireString(body, 'SubscribeURL', '');
    msg.Token = requireString(body, 'Token', '');
  }
  return msg;
}

/** The canonical string SNS signs: fixed keys in byte order, each "Key\nValue\n". */
export function snsStringToSign(msg: SnsMessage): string {
  const keys =
    msg.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let out = '';
  for (const key of keys) {
    const value = msg[key as keyof SnsMessage];
    if (value === undefined) continue; // Subject is signed only when present
    out += `${key}\n${value}\n`;
  }
  return out;
}

export interface SnsVerifierOptions {
  fetch: typeof globalThis.fetch;
  now: () => Date;
  /** URL → PEM certificates trusted without fetching (tests, air-gapped set-ups). */
  trustedCertificates?: Readonly<Record<string, string>>;
  /** How many signing certificates to keep; SNS rotates them rarely. */
  cacheSize?: number;
}

export type SnsVerifier = (msg: SnsMessage) => Promise<void>;

export function createSnsVerifier(options: SnsVerifierOptions): SnsVerifier {
  const cache = new Map<string, Promise<X509Certificate>>();
  const limit = options.cacheSize ?? 16;

  const certificate = (url: string): Promise<X509Certificate> => {
    let pending = cache.get(url);
    if (!pending) {
      pending = loadCertificate(url, options);
      // A failed download must not be remembered: the next delivery tries again.
      pending.catch(() => cache.delete(url));
      if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
      cache.set(url, pending);
    }
    return pending;
  };

  return async (msg) => {
    if (!SNS_CERT_URL.test(msg.SigningCertURL)) {
      throw new UnauthorizedError('SigningCertURL is not an Amazon SNS certificate URL');
    }
    const cert = await certificate(msg.SigningCertURL);
    const now = options.now();
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
      throw new UnauthorizedError('SNS signing certificate is not valid now');
    }
    const algorithm = msg.SignatureVersion === '1' ? 'sha1' : 'sha256';
    const key: KeyObject = cert.publicKey;
    const ok = verify(
      algorithm,
      Buffer.from(snsStringToSign(msg), 'utf8'),
      key,
      Buffer.from(msg.Signature, 'base64'),
    );
    if (!ok) throw new UnauthorizedError('SNS message signature does not verify');
  };
}

async function loadCertificate(url: string, options: SnsVerifierOptions): Promise<X509Certificate> {
  const trusted = options.trustedCertificates?.[url];
  const pem = trusted ?? (await download(url, options.fetch));
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new UnauthorizedError(`SNS signing certificate is unreadable: ${(err as Error).message}`);
  }
}

async function download(url: string, fetchFn: typeof globalThis.fetch): Promise<string> {
  let res: Response;
  try {
    res = await fetchFn(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
  } catch (err) {
    // Transient: answer 503 so SNS redelivers, rather than dropping the alarm.
    throw new UpstreamError('sns', `certificate download failed: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok)
    throw new UpstreamError('sns', `certificate download answered ${res.status}`, { status: res.status });
  return text;
}
