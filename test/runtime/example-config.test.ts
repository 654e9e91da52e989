import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../runtime/src/config/load';

/**
 * The example config is what `npm start` runs without a config of one's own: its one destination
 * must be a workflow that exists (the receipts template's runtime trigger), signed with the secret
 * the templates' runtime credential and dead-letter replays use.
 */
const REPO = resolve(__dirname, '..', '..');
const EXAMPLE = join(REPO, 'runtime', 'payment-webhooks.config.example.yaml');

interface TemplateNode {
  name: string;
  type: string;
  parameters: { provider?: string; path?: string };
}

const receipts = JSON.parse(readFileSync(join(REPO, 'workflows-templates', 'receipts', 'workflow.json'), 'utf8')) as { nodes: TemplateNode[] };

describe('the example config', () => {
  it("delivers to the receipts template's runtime trigger", async () => {
    const runtimeTrigger = receipts.nodes.find((node) => node.name === 'From Runtime or Replay');
    expect(runtimeTrigger?.parameters.provider).toBe('standard-webhooks');
    const config = await loadConfig(EXAMPLE, {});
    expect(config.destinations).toHaveLength(1);
    expect(new URL(config.destinations[0].url).pathname).toBe(`/webhook/${runtimeTrigger!.parameters.path}`);
  });

  it('takes its secrets from the environment variables the templates and docs name', async () => {
    const config = await loadConfig(EXAMPLE, { STRIPE_WEBHOOK_SECRET: 'whsec_from_env_stripe', PAYMENT_WEBHOOKS_DELIVERY_SECRET: 'whsec_from_env_delivery' });
    expect(config.sources[0].secrets).toEqual(['whsec_from_env_stripe']);
    expect(config.destinations[0].signingSecret).toBe('whsec_from_env_delivery');
  });
});
