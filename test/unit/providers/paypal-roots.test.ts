import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { PAYPAL_SIGNING_ROOTS } from '../../../core/providers/paypal/signing-roots';

describe('paypal pinned signing roots', () => {
  it('are byte for byte roots in the store Node bundles, and CAs', () => {
    const bundled = new Set(rootCertificates.map((pem) => pem.trim()));
    for (const pem of PAYPAL_SIGNING_ROOTS) {
      expect(bundled.has(pem)).toBe(true);
      expect(new X509Certificate(pem).ca).toBe(true);
    }
  });
});
