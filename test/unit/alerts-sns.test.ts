import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSnsVerifier,
  parseSnsEnvelope,
  type SnsMessage,
  snsStringToSign,
} from '../../src/alerts/sns.js';
import { InvalidInputError, UnauthorizedError, UpstreamError } from '../../src/errors.js';
import { payload, signSns } from '../support/intake.js';
import { type SelfSigned, selfSignedCertificate } from '../support/x509.js';

const CERT_URL =
  'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-60eadc530605d63b8e62a523676ef735.pem';
let signer: SelfSigned;
let other: SelfSigned;

beforeAll(() => {
  signer = selfSignedCertificate();
  other = selfSignedCertificate();
});

function certFetch(pem: () => string, calls: string[] = []): typeof fetch {
  return async (input) => {
    const url = String(input);
    calls.push(url);
    return url === CERT_URL ? new Response(pem()) : new Response('not found', { status: 404 });
  };
}

const message = (name: string, version: '1' | '2') =>
  signSns({ ...parseSnsEnvelope(payload(name)), SignatureVersion: version }, signer.privateKey);

describe('SNS envelope', () => {
  it('reads a Notification and a SubscriptionConfirmation', () => {
    const n = parseSnsEnvelope(payload('sns-cloudwatch-alarm'));
    expect(n).toMatchObject({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:perfbot-alarms',
    });
    const c = parseSnsEnvelope(payload('sns-subscription-confirmation'));
    expect(c.SubscribeURL).toMatch(/^https:\/\/sns\.eu-west-1\.amazonaws\.com\/\?Action=ConfirmSubscription/);
    expect(c.Token).toBeTruthy();
  });

  it('builds the canonical string of the SNS spec (Subject only when present)', () => {
    const n = parseSnsEnvelope(payload('sns-cloudwatch-alarm'));
    const kv = (pairs: [string, string | undefined][]) => pairs.map(([k, v]) => `${k}\n${v}\n`).join('');
    expect(snsStringToSign(n)).toBe(
      kv([
        ['Message', n.Message],
        ['MessageId', n.MessageId],
        ['Subject', n.Subject],
        ['Timestamp', n.Timestamp],
        ['TopicArn', n.TopicArn],
        ['Type', 'Notification'],
      ]),
    );
    expect(snsStringToSign({ ...n, Subject: undefined })).not.toContain('Subject\n');
    const c = parseSnsEnvelope(payload('sns-subscription-confirmation'));
    expect(snsStringToSign(c)).toBe(
      kv([
        ['Message', c.Message],
        ['MessageId', c.MessageId],
        ['SubscribeURL', c.SubscribeURL],
        ['Timestamp', c.Timestamp],
        ['Token', c.Token],
        ['TopicArn', c.TopicArn],
        ['Type', 'SubscriptionConfirmation'],
      ]),
    );
  });

  it('names a missing field', () => {
    const body = payload('sns-cloudwatch-alarm');
    delete body.TopicArn;
    expect(() => parseSnsEnvelope(body)).toThrow(expect.objectContaining({ field: 'TopicArn' }));
    expect(() =>
      parseSnsEnvelope({
        ...payload<Record<string, unknown>>('sns-cloudwatch-alarm'),
        SignatureVersion: '3',
      }),
    ).toThrow(InvalidInputError);
  });
});

describe('SNS signature verification', () => {
  const now = () => new Date();

  it.each(['1', '2'] as const)(
    'accepts SignatureVersion %s signed by the certificate at SigningCertURL',
    async (v) => {
      const verify = createSnsVerifier({ fetch: certFetch(() => signer.certPem), now });
      await expect(verify(message('sns-cloudwatch-alarm', v))).resolves.toBeUndefined();
      await expect(verify(message('sns-subscription-confirmation', v))).resolves.toBeUndefined();
    },
  );

  it('refuses a tampered message, another key, and a wrong signature version', async () => {
    const verify = createSnsVerifier({ fetch: certFetch(() => signer.certPem), now });
    const msg = message('sns-cloudwatch-alarm', '2');
    await expect(verify({ ...msg, Message: msg.Message.replace('ALARM', 'OK') })).rejects.toThrow(
      UnauthorizedError,
    );
    await expect(verify(signSns(msg, other.privateKey))).rejects.toThrow(UnauthorizedError);
    await expect(verify({ ...msg, SignatureVersion: '1' })).rejects.toThrow(UnauthorizedError);
  });

  it('fetches certificates only from SNS URLs, and caches them', async () => {
    const calls: string[] = [];
    const verify = createSnsVerifier({ fetch: certFetch(() => signer.certPem, calls), now });
    for (const url of [
      'https://evil.example.com/SimpleNotificationService-x.pem',
      'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem',
      'https://sns.eu-west-1.amazonaws.com.evil.com/x.pem',
      'https://sns.eu-west-1.amazonaws.com/x.pem?x=1',
    ]) {
      const msg: SnsMessage = { ...message('sns-cloudwatch-alarm', '2'), SigningCertURL: url };
      await expect(verify(msg)).rejects.toThrow(UnauthorizedError);
    }
    expect(calls).toEqual([]);
    await verify(message('sns-cloudwatch-alarm', '2'));
    await verify(message('sns-cloudwatch-ok', '1'));
    expect(calls).toEqual([CERT_URL]);
  });

  it('accepts an injected trusted certificate without fetching', async () => {
    const calls: string[] = [];
    const verify = createSnsVerifier({
      fetch: certFetch(() => 'unused', calls),
      now,
      trustedCertificates: { [CERT_URL]: signer.certPem },
    });
    await verify(message('sns-cloudwatch-alarm', '1'));
    expect(calls).toEqual([]);
  });

  it('refuses an expired certificate; a failed download is retryable and not cached', async () => {
    const expired = selfSignedCertificate({ notBefore: new Date('2020-01-01T00:00:00Z'), days: 30 });
    const verifyExpired = createSnsVerifier({ fetch: certFetch(() => expired.certPem), now });
    await expect(
      verifyExpired(signSns(message('sns-cloudwatch-alarm', '2'), expired.privateKey)),
    ).rejects.toThrow(/not valid now/);

    let fail = true;
    const flaky: typeof fetch = async (input) =>
      fail ? new Response('', { status: 500 }) : certFetch(() => signer.certPem)(input);
    const verify = createSnsVerifier({ fetch: flaky, now });
    const err = await verify(message('sns-cloudwatch-alarm', '2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).retryable).toBe(true);
    fail = false;
    await expect(verify(message('sns-cloudwatch-alarm', '2'))).resolves.toBeUndefined();
  });
});
