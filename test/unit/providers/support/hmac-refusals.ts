/**
 * The refusal cases every "HMAC of the body in one header" gateway must pass, declared once:
 * tampered body, one-whitespace-byte change, wrong secret, missing, malformed, truncated and
 * wrongly encoded signatures, no secret configured, and a rotation accepting both secrets.
 * Each test file passes a signer built from the gateway's documented recipe or its SDK.
 */
import type { Provider, SourceConfig, WebhookRequest } from '../../../../core/providers/types';
import { expectRefusal, webhook, withOneWhitespaceByte } from './gateway-requests';

export interface HeaderHmacCase {
  provider: Provider;
  secret: string;
  oldSecret: string;
  body: Buffer;
  now: Date;
  /** The signature header as the gateway spells it. */
  headerName: string;
  encoding: 'hex' | 'base64';
  prefix?: string;
  /** All headers of a genuine request for these bytes, signed with this secret. */
  sign(body: Buffer, secret: string): Record<string, string>;
  extraConfig?: Record<string, unknown>;
}

/** The same body with its first digit changed: a different amount or id, same length. */
export function tamper(body: Buffer): Buffer {
  const text = body.toString('utf8');
  const at = text.search(/[0-9]/);
  const changed = `${text.slice(0, at)}${(Number(text[at]) + 1) % 10}${text.slice(at + 1)}`;
  return Buffer.from(changed, 'utf8');
}

export function describeHeaderHmacRefusals(name: string, c: HeaderHmacCase): void {
  const config: SourceConfig = { secrets: [c.secret], ...c.extraConfig };
  const request = (body = c.body, secret = c.secret): WebhookRequest => webhook(body, c.sign(body, secret));
  const withSignature = (signature: string): WebhookRequest => {
    const headers = { ...c.sign(c.body, c.secret), [c.headerName]: `${c.prefix ?? ''}${signature}` };
    return webhook(c.body, headers);
  };
  const signature = (): string => c.sign(c.body, c.secret)[c.headerName].slice((c.prefix ?? '').length);

  describe(`${name} verify refusals`, () => {
    it('accepts the genuine request', async () => {
      await expect(c.provider.verify(request(), config, { now: c.now })).resolves.toEqual({ ok: true, keyIndex: 0 });
    });

    it('accepts the old and the new secret during a rotation', async () => {
      const rotating = { ...config, secrets: [c.oldSecret, c.secret] };
      await expect(c.provider.verify(request(c.body, c.oldSecret), rotating, { now: c.now })).resolves.toEqual({ ok: true, keyIndex: 0 });
      await expect(c.provider.verify(request(), rotating, { now: c.now })).resolves.toEqual({ ok: true, keyIndex: 1 });
    });

    it('refuses a tampered body and a one-whitespace-byte change', async () => {
      const headers = c.sign(c.body, c.secret);
      const tampered = tamper(c.body);
      expect(tampered.equals(c.body)).toBe(false);
      await expectRefusal(c.provider, webhook(tampered, headers), config, c.now, 'signature_mismatch');
      await expectRefusal(c.provider, webhook(withOneWhitespaceByte(c.body), headers), config, c.now, 'signature_mismatch');
    });

    it('refuses a signature made with another secret', async () => {
      await expectRefusal(c.provider, request(c.body, c.oldSecret), config, c.now, 'signature_mismatch');
    });

    it('refuses a request without the signature header', async () => {
      const headers = c.sign(c.body, c.secret);
      delete headers[c.headerName];
      await expectRefusal(c.provider, webhook(c.body, headers), config, c.now, 'missing_signature');
    });

    it('refuses malformed, truncated and wrongly encoded signatures', async () => {
      const genuine = signature();
      await expectRefusal(c.provider, withSignature('not a signature!'), config, c.now, 'malformed_signature');
      const half = genuine.slice(0, c.encoding === 'hex' ? genuine.length / 2 : 24);
      await expectRefusal(c.provider, withSignature(half), config, c.now, 'malformed_signature');
      const bytes = Buffer.from(genuine, c.encoding);
      const otherEncoding = bytes.toString(c.encoding === 'hex' ? 'base64' : 'hex');
      await expectRefusal(c.provider, withSignature(otherEncoding), config, c.now, 'malformed_signature');
    });

    it('refuses when no secret is configured', async () => {
      await expectRefusal(c.provider, request(), { ...config, secrets: [] }, c.now, 'missing_secret');
    });

    it('names a configured secret with stray whitespace in the diagnosis', async () => {
      const result = await c.provider.verify(request(), { ...config, secrets: [`${c.secret}\n`] }, { now: c.now });
      expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
      expect(result.ok ? '' : result.detail).toMatch(/whitespace/);
    });
  });
}
