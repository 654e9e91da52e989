/**
 * The provider registry: adding a gateway is one file in this folder and one line below.
 */
import type { Provider } from './types';
import { stripe } from './stripe';
import { standardWebhooks } from './standard-webhooks';
import { razorpay } from './razorpay';
import { square } from './square';

const ALL: readonly Provider[] = [
  stripe,
  standardWebhooks,
  razorpay,
  square,
];

const byId = new Map(ALL.map((provider) => [provider.id, provider]));

export function getProvider(id: string): Provider | undefined {
  return byId.get(id);
}

export function providerIds(): string[] {
  return ALL.map((provider) => provider.id);
}

export function allProviders(): readonly Provider[] {
  return ALL;
}

export type * from './types';
