/**
 * What PayPal sends with each delivery: the `PAYPAL-*` transmission headers, and the message
 * `{transmissionId}|{transmissionTime}|{webhookId}|{crc32(rawBody)}` its signature covers.
 */
import { header, isRefusal, refuse } from '../crypto';
import type { Refusal, SourceConfig, WebhookRequest } from '../types';

const TRANSMISSION_HEADERS = {
  id: 'paypal-transmission-id',
  time: 'paypal-transmission-time',
  signature: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  algorithm: 'paypal-auth-algo',
} as const;

export type Transmission = Record<keyof typeof TRANSMISSION_HEADERS, string>;

/** A delivery's transmission headers and the webhook id it was signed for: what both ways of verifying start from. */
export interface Delivery {
  transmission: Transmission;
  webhookId: string;
}

function transmissionOf(request: WebhookRequest): Transmission | Refusal {
  const values = Object.fromEntries(
    Object.entries(TRANSMISSION_HEADERS).map(([field, name]) => [field, header(request.headers, name)?.trim() ?? '']),
  ) as Transmission;
  const missing = Object.entries(TRANSMISSION_HEADERS).filter(([field]) => values[field as keyof Transmission] === '');
  if (missing.length > 0) return refuse('missing_signature', `missing ${missing.map(([, name]) => name.toUpperCase()).join(', ')}`);
  return values;
}

function webhookIdOf(config: SourceConfig): string | undefined {
  return typeof config.webhookId === 'string' && config.webhookId.trim() !== '' ? config.webhookId.trim() : undefined;
}

export function readDelivery(request: WebhookRequest, config: SourceConfig): Delivery | Refusal {
  const transmission = transmissionOf(request);
  if (isRefusal(transmission)) return transmission;
  const webhookId = webhookIdOf(config);
  if (webhookId === undefined) return refuse('missing_secret', 'webhookId is not configured: PayPal signs it with every delivery');
  return { transmission, webhookId };
}

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib), as PayPal puts it in the signed message. */
export function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function signedMessage({ transmission, webhookId }: Delivery, rawBody: Buffer): string {
  return `${transmission.id}|${transmission.time}|${webhookId}|${crc32(rawBody)}`;
}
