import { NodeHelpers, type INodeParameters } from 'n8n-workflow';

import { allProviders } from '../../core/providers';
import { PaymentGatewayApi } from '../../credentials/PaymentGatewayApi.credentials';
import { getProvider } from '../../core/providers';
import { missingSettings, sourceConfigFromValues } from '../../core/providers/settings';

const settingsOf = (id: string) => getProvider(id)!.settings;
const sourceConfigFromCredential = (id: string, values: Record<string, unknown>) => sourceConfigFromValues(settingsOf(id), values);
const missingCredentialFields = (id: string, values: Record<string, unknown>) => missingSettings(settingsOf(id), values);

const credential = new PaymentGatewayApi();

/** What n8n stores for the credential form: the shown fields with their defaults, as n8n itself resolves them. */
function formValues(entered: INodeParameters): INodeParameters {
  return NodeHelpers.getNodeParameters(credential.properties, entered, true, false, null, null) ?? {};
}

describe('Payment gateway credential', () => {
  it('offers every registered gateway, and the field table describes each of them', () => {
    const provider = credential.properties.find((property) => property.name === 'provider');
    const offered = (provider?.options ?? []).map((option) => (option as { value: string }).value).sort();
    const registered = allProviders().map((each) => each.id).sort();
    expect(offered).toEqual(registered);
    expect(registered.filter((id) => settingsOf(id)?.fields === undefined)).toEqual([]);
  });

  it('turns a Stripe form into the SourceConfig a runtime source would have, secrets trimmed', () => {
    const values = formValues({ provider: 'stripe', secret: 'whsec_new\n', previousSecret: ' whsec_old' });
    expect(values).toEqual({ provider: 'stripe', secret: 'whsec_new\n', previousSecret: ' whsec_old', toleranceSeconds: 300 });
    expect(sourceConfigFromCredential('stripe', values)).toEqual({ secrets: ['whsec_new', 'whsec_old'], toleranceSeconds: 300 });
  });

  it('shows each gateway only its own fields, with its own defaults', () => {
    const paddle = formValues({ provider: 'paddle', secret: 'pdl_ntfset_1' });
    expect(paddle).toEqual({ provider: 'paddle', secret: 'pdl_ntfset_1', previousSecret: '', toleranceSeconds: 300 });
    const square = formValues({ provider: 'square', secret: 'key', notificationUrl: 'https://n8n.example.com/webhook/sq' });
    expect(sourceConfigFromCredential('square', square)).toEqual({
      secrets: ['key'],
      notificationUrl: 'https://n8n.example.com/webhook/sq',
    });
  });

  it('asks PayPal for no shared secret, and for API keys only in API mode', () => {
    expect(settingsOf('paypal').secret).toBeNull();
    expect(missingCredentialFields('paypal', { webhookId: 'WH-1', mode: 'offline' })).toEqual([]);
    expect(missingCredentialFields('paypal', { webhookId: 'WH-1', mode: 'api' })).toEqual(['Client ID', 'Client Secret']);
    expect(missingCredentialFields('paypal', { mode: 'offline' })).toEqual(['Webhook ID']);
    expect(sourceConfigFromCredential('paypal', { webhookId: 'WH-1', mode: 'api', clientId: 'id', clientSecret: 'cs', environment: 'sandbox' })).toEqual({
      secrets: [],
      webhookId: 'WH-1',
      mode: 'api',
      clientId: 'id',
      clientSecret: 'cs',
      environment: 'sandbox',
    });
  });

  it('marks every secret-bearing field as a password', () => {
    const secretish = credential.properties.filter((property) => /secret|key|authorization/i.test(property.name));
    expect(secretish.length).toBeGreaterThan(0);
    for (const property of secretish.filter((each) => !['publicKey'].includes(each.name))) {
      expect({ name: property.name, password: property.typeOptions?.password }).toEqual({ name: property.name, password: true });
    }
  });
});
