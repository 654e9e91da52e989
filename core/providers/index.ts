/**
 * The provider registry. Adding a gateway is its file in this folder (verify, normalize and its
 * settings as data), its fixtures in test/fixtures/<id>/ with a README.md, its page in
 * docs/providers/<id>.md (the settings table comes from `npm run docs:providers`) linked from
 * docs/providers.md, and one line below: test/unit/providers/completeness.test.ts names
 * whatever a registered provider lacks.
 */
import type { Provider } from './types';
import { stripe } from './stripe';
import { standardWebhooks } from './standard-webhooks';
import { razorpay } from './razorpay';
import { square } from './square';
import { checkout } from './checkout';
import { gocardless } from './gocardless';
import { mollie } from './mollie';
import { shopify } from './shopify';
import { lemonsqueezy } from './lemonsqueezy';
import { paystack } from './paystack';
import { recurly } from './recurly';
import { chargebee } from './chargebee';
import { genericHmac } from './generic-hmac';
import { paddle } from './paddle';
import { adyen } from './adyen';
import { braintree } from './braintree';
import { paypal } from './paypal';

const ALL: readonly Provider[] = [
  stripe,
  standardWebhooks,
  razorpay,
  square,
  checkout,
  gocardless,
  mollie,
  shopify,
  lemonsqueezy,
  paystack,
  recurly,
  chargebee,
  genericHmac,
  paddle,
  adyen,
  braintree,
  paypal,
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
