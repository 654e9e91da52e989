import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../runtime/src/cli';
import { loadConfig } from '../../runtime/src/config/load';
import { PLACEHOLDER_SECRETS, placeholderSecretFields } from '../../runtime/src/config/placeholders';
import { validateConfig } from '../../runtime/src/config/validate';
import { configObject } from './support/harness';

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

describe("the example config's public demo secrets", () => {
  const demo = (host: string, destinationUrl = 'http://127.0.0.1:5678/webhook/runtime-pwTplReceipts001') => {
    const config = configObject({ storage: 'sqlite:./data/unused.db', destinationUrl, sources: [{ name: 'stripe', provider: 'stripe', secrets: [PLACEHOLDER_SECRETS[0]] }] }) as Record<string, any>;
    config.listen.host = host;
    config.destinations[0].signingSecret = PLACEHOLDER_SECRETS[1];
    return config;
  };

  it.each(['127.0.0.1', 'localhost', '::1'])('are accepted on a loopback listener (%s), for a demo on one machine', (host) => {
    expect(validateConfig(demo(host))).toMatchObject({ ok: true });
  });

  it('are refused on a listener others can reach, each field named', () => {
    const result = validateConfig(demo('0.0.0.0'));
    expect(result.ok).toBe(false);
    const errors = (result as { errors: string[] }).errors;
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^sources\[0\]\.secrets\[0\]: is the example config's public demo secret, refused beyond a local demo \(listen\.host 0\.0\.0\.0 is not a loopback address\)/);
    expect(errors[1]).toMatch(/^destinations\[0\]\.signingSecret: /);
  });

  it('are refused when events leave this machine, even from a loopback listener', () => {
    const result = validateConfig(demo('127.0.0.1', 'https://n8n.example.com/webhook/runtime-pwTplReceipts001'));
    const beyond = expect.stringContaining('(destinations[0].url n8n.example.com is not a loopback address)');
    expect(result).toEqual({ ok: false, errors: [beyond, beyond] });
  });

  it("are not in the way once replaced by one's own secrets", () => {
    const config = demo('0.0.0.0');
    config.sources[0].secrets = ['whsec_own_stripe_secret'];
    config.destinations[0].signingSecret = 'whsec_b3duIGRlbGl2ZXJ5IHNlY3JldA==';
    expect(validateConfig(config)).toMatchObject({ ok: true });
  });

  it('are the ones the example config falls back to, and config check warns about them', async () => {
    const config = await loadConfig(EXAMPLE, {});
    expect(placeholderSecretFields(config)).toEqual(['sources[0].secrets[0]', 'destinations[0].signingSecret']);
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['config', 'check', EXAMPLE], { out: (line) => out.push(line), err: (line) => err.push(line), env: {}, cwd: REPO });
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(/^warning: sources\[0\]\.secrets\[0\], destinations\[0\]\.signingSecret: the example config's public demo secret/);
  });
});
