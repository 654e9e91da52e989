/** Small helpers shared by the gateway provider tests: fixtures, requests and refusal checks. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider, RefusalReason, SourceConfig, VerifyResult, WebhookRequest } from '../../../../core/providers/types';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures');

/** A fixture's exact bytes. */
export function fixtureBytes(provider: string, name: string): Buffer {
  return readFileSync(join(FIXTURES, provider, name));
}

export function fixtureJson<T = Record<string, unknown>>(provider: string, name: string): T {
  return JSON.parse(fixtureBytes(provider, name).toString('utf8')) as T;
}

export function webhook(body: Buffer | string, headers: Record<string, string> = {}): WebhookRequest {
  return { rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), headers };
}

/** The same bytes with one space added after the first `{` or `:`: invisible, but not the signed bytes. */
export function withOneWhitespaceByte(body: Buffer): Buffer {
  const text = body.toString('utf8');
  const at = text.search(/[:{]/) + 1;
  return Buffer.from(`${text.slice(0, at)} ${text.slice(at)}`, 'utf8');
}

/**
 * Verifies and expects the given refusal; also checks the diagnosis leaks none of the
 * secrets and none of the signatures the request carried.
 */
export async function expectRefusal(
  provider: Provider,
  request: WebhookRequest,
  config: SourceConfig,
  now: Date,
  reason: RefusalReason,
): Promise<void> {
  const result: VerifyResult = await provider.verify(request, config, { now });
  expect(result).toMatchObject({ ok: false, reason });
  if (result.ok) return;
  for (const secret of config.secrets) if (secret.trim().length > 4) expect(result.detail).not.toContain(secret.trim());
  for (const [name, value] of Object.entries(request.headers)) {
    if (!/sig|hmac/i.test(name)) continue;
    for (const part of String(value).split(/[\s,;=|&]+/)) if (part.length >= 16) expect(result.detail).not.toContain(part);
  }
}
