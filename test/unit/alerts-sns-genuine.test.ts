// Messages genuinely signed by Amazon SNS (test/fixtures/upstream/aws), verified by perfbot's own
// verifier offline: the certificate AWS's PHP validator ships, trusted for its SNS URL, and an
// injected clock (the certificate expired in 2022).
import { describe, expect, it } from 'vitest';
import { createSnsVerifier, parseSnsEnvelope } from '../../src/alerts/sns.js';
import { UnauthorizedError } from '../../src/errors.js';
import { readUpstream, readUpstreamText, upstreamIndex } from '../support/upstream.js';

const PEM = readUpstreamText('aws/php-validator/sns-certificate.pem');
const CERT_PATH = '/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem';
const trusted = Object.fromEntries(
  ['us-east-1', 'us-east-2'].map((r) => [`https://sns.${r}.amazonaws.com${CERT_PATH}`, PEM]),
);
const noFetch: typeof fetch = async () => {
  throw new Error('no network in this test');
};
const verifier = (at: string) =>
  createSnsVerifier({ fetch: noFetch, now: () => new Date(at), trustedCertificates: trusted });
const genuine = upstreamIndex().filter((e) => e.signature?.startsWith('genuine'));

describe('genuinely signed SNS messages', () => {
  it('there are twelve, in both spellings (HTTP SigningCertURL, Lambda SigningCertUrl)', () => {
    expect(genuine.map((e) => e.form).sort()).toEqual([
      ...Array(8).fill('lambda sns record'),
      ...Array(4).fill('sns http body'),
    ]);
  });

  it.each(genuine.map((e) => [e.id, e.file] as const))('%s verifies (SHA1 and SHA256)', async (_id, file) => {
    const msg = parseSnsEnvelope(readUpstream(file));
    const at = new Date(Date.parse(msg.Timestamp) + 60_000).toISOString();
    await expect(verifier(at)(msg)).resolves.toBeUndefined();
  });

  it('is refused once the certificate has expired, or when a signed field changes', async () => {
    const msg = parseSnsEnvelope(readUpstream('aws/rheoceros/composite-alarm.json'));
    await expect(verifier('2024-01-01T00:00:00Z')(msg)).rejects.toThrow(UnauthorizedError);
    await expect(verifier('2022-01-01T00:00:00Z')({ ...msg, Subject: 'OK: changed' })).rejects.toThrow(
      'does not verify',
    );
    await expect(verifier('2022-01-01T00:00:00Z')({ ...msg, SignatureVersion: '2' })).rejects.toThrow(
      'does not verify',
    );
  });
});
