import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allProviders } from '../core/providers';
import type { ProviderSetting } from '../core/providers/types';

/*
 * One credential type for every gateway, with a Provider dropdown: picking "Stripe" shows
 * exactly Stripe's fields, named the way Stripe's dashboard names them (displayOptions).
 * A credential class per gateway would list a dozen near-identical types in n8n's
 * credential picker and need a new file for every gateway; here a new gateway in the
 * registry appears in the dropdown by itself, with the settings its provider file describes
 * (core/providers/settings.ts). Properties shared by several gateways with the same wording
 * are emitted once, shown for all of them.
 */

const providers = allProviders();

/**
 * Groups identical property definitions so each is emitted once, shown for every gateway
 * that has it. The JSON round trip also drops keys left undefined (no placeholder, ...).
 */
function mergeByShape(entries: Array<{ providerId: string; property: INodeProperties }>): INodeProperties[] {
  const merged = new Map<string, string[]>();
  for (const { providerId, property } of entries) {
    const shape = JSON.stringify(property);
    merged.set(shape, [...(merged.get(shape) ?? []), providerId]);
  }
  return [...merged].map(([shape, providerIds]) => {
    const property = JSON.parse(shape) as INodeProperties;
    return { ...property, displayOptions: { show: { ...property.displayOptions?.show, provider: providerIds } } };
  });
}

/** A setting as a form field; undefined for the runtime-only ones (a map has no form field). */
function fieldProperty(field: ProviderSetting): INodeProperties | undefined {
  if (field.runtimeOnly) return undefined;
  const common = {
    displayName: field.displayName,
    name: field.name,
    description: field.description,
    required: field.required,
    ...(field.showWhen ? { displayOptions: { show: { [field.showWhen.field]: field.showWhen.values } } } : {}),
  };
  switch (field.type) {
    case 'number':
      return { ...common, type: 'number', default: field.default };
    case 'boolean':
      return { ...common, type: 'boolean', default: field.default };
    case 'options':
      return { ...common, type: 'options', default: field.default, options: field.options };
    case 'string':
      return {
        ...common,
        type: 'string',
        default: field.default,
        placeholder: field.placeholder,
        ...(field.password ? { typeOptions: { password: true } } : {}),
      };
    case 'map':
      return undefined;
  }
}

const secretProperties = mergeByShape(
  providers.flatMap((provider) => {
    const { secret } = provider.settings;
    if (!secret) return [];
    const property: INodeProperties = {
      displayName: secret.displayName,
      name: 'secret',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: !secret.optional,
      placeholder: secret.placeholder,
      description: secret.description,
    };
    return [{ providerId: provider.id, property }];
  }),
);

const previousSecretProperty: INodeProperties[] = mergeByShape(
  providers
    .filter((provider) => provider.settings.secret)
    .map((provider) => ({
      providerId: provider.id,
      property: {
        displayName: 'Previous Secret (While Rotating)',
        name: 'previousSecret',
        type: 'string',
        typeOptions: { password: true },
        default: '',
        description:
          'While you roll the secret over at the gateway, put the old one here: events signed with either are accepted. Clear it once the rotation is done.',
      },
    })),
);

const extraFieldProperties = mergeByShape(
  providers.flatMap((provider) =>
    provider.settings.fields.flatMap((field) => {
      const property = fieldProperty(field);
      return property ? [{ providerId: provider.id, property }] : [];
    }),
  ),
);

export class PaymentGatewayApi implements ICredentialType {
  name = 'paymentGatewayApi';

  displayName = 'Payment Gateway Webhooks API';

  icon = 'file:paymentGateway.svg' as const;

  documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-payment-webhooks';

  properties: INodeProperties[] = [
    {
      displayName: 'Provider',
      name: 'provider',
      type: 'options',
      options: providers
        .map((provider) => ({ name: provider.displayName, value: provider.id }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      default: providers[0]?.id ?? '',
      description: 'The payment gateway that sends the webhooks',
    },
    ...secretProperties,
    ...previousSecretProperty,
    ...extraFieldProperties,
  ];
}
