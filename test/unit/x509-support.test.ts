// The tests' certificate maker must always produce a certificate OpenSSL reads: a random serial
// starting with 0x00 used to make one in 256 unreadable, and CI failed on it.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { integer, selfSignedCertificate } from '../support/x509.js';

describe('test certificates', () => {
  it('encodes integers in the shortest DER form', () => {
    expect(integer(Buffer.from([0, 0, 0x12]))).toEqual(Buffer.from([0x02, 1, 0x12]));
    expect(integer(Buffer.from([0, 0x92]))).toEqual(Buffer.from([0x02, 2, 0, 0x92]));
    expect(integer(Buffer.from([0x92]))).toEqual(Buffer.from([0x02, 2, 0, 0x92]));
    expect(integer(Buffer.from([0, 0]))).toEqual(Buffer.from([0x02, 1, 0]));
  });

  it('makes a readable certificate whatever the serial starts with', () => {
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      const serial = Buffer.from([first, 0x00, 0x42, 1, 2, 3, 4, 5]);
      const { certPem } = selfSignedCertificate({ serial });
      expect(() => new X509Certificate(certPem), `serial starting ${first}`).not.toThrow();
    }
  });
});
