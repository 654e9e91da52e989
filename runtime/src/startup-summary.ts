import { getProvider } from '../../core/providers';
import { PLACEHOLDER_SECRETS, placeholderSecretFields } from './config/placeholders';
import type { RuntimeConfig } from './config/types';
import { connectionFailure } from './connection-failure';
import { storageLabel } from './storage/location';

/**
 * What a person at a terminal needs after `start`: where to point each gateway, where to look,
 * what to try next and what is wrong. Machines read the JSON logs instead.
 */
export interface StartupFacts {
  config: RuntimeConfig;
  role: string;
  /** The webhook listener (absent for a worker) and the one serving the status page and metrics. */
  url?: string;
  opsUrl?: string;
  warnings: string[];
}

/** The placeholder warning, for the logs and the summary alike; undefined when none is in use. */
export function placeholderWarning(config: RuntimeConfig): string | undefined {
  const fields = placeholderSecretFields(config);
  if (fields.length === 0) return undefined;
  return (
    `${fields.join(', ')}: the example config's public demo secret(s), which anyone can sign with; fine for a demo on this machine only. ` +
    'Set STRIPE_WEBHOOK_SECRET and PAYMENT_WEBHOOKS_DELIVERY_SECRET (or your config\'s own variables) before real traffic.'
  );
}

const PROBE_TIMEOUT_MS = 3_000;

/** Why a destination cannot take deliveries yet, from a GET to its URL; undefined when it looks ready. */
export async function probeDestination(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return `does not answer (${connectionFailure(error)}): is n8n running there? Events wait in the queue and are retried meanwhile`;
  }
  const body = await response.text().catch(() => '');
  // n8n's answer where no active workflow listens; a POST-only trigger that does answers "not registered for GET requests".
  if (response.status === 404 && /The requested webhook .+ is not registered/.test(body)) {
    return 'is an n8n without an active workflow at this path: import the workflow and activate (n8n 1.x) or publish (2.x) it';
  }
  return undefined;
}

/** One warning per destination that a probe finds not ready. */
export async function destinationWarnings(config: RuntimeConfig, timeoutMs = PROBE_TIMEOUT_MS): Promise<string[]> {
  const found = await Promise.all(
    config.destinations.map(async (destination) => {
      const problem = await probeDestination(destination.url, timeoutMs);
      return problem && `destination ${destination.name} (${destination.url}) ${problem}`;
    }),
  );
  return found.filter((warning): warning is string => warning !== undefined);
}

/** `send-test-event` for the first source whose gateway can be signed here; a real secret is not printed. */
function nextCommand(config: RuntimeConfig, url: string): string | undefined {
  const source = config.sources.find((candidate) => {
    const provider = getProvider(candidate.provider);
    return provider?.sign && provider.example;
  });
  if (!source) return undefined;
  const yours = `"$YOUR_${source.provider.toUpperCase().replace(/-/g, '_')}_SECRET"`;
  const secret = source.secrets.find((candidate) => PLACEHOLDER_SECRETS.includes(candidate)) ?? yours;
  return `npx payment-webhooks send-test-event --provider ${source.provider} --secret ${secret} --url ${url}/webhooks/${source.name}`;
}

/** Labels and values in two aligned columns. */
function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `    ${label.padEnd(width)}  ${value}`);
}

export function renderStartupSummary(facts: StartupFacts): string {
  const { config, url, opsUrl } = facts;
  const lines = [`payment-webhooks started (role ${facts.role}, storage ${storageLabel(config.storage)})`, ''];
  if (url) {
    lines.push('  Point each gateway at its webhook URL:');
    const gateway = (source: RuntimeConfig['sources'][number]) => getProvider(source.provider)?.displayName ?? source.provider;
    lines.push(...table(config.sources.map((source) => [`${source.name} (${gateway(source)})`, `${url}/webhooks/${source.name}`])));
    lines.push('  Events are delivered to:');
    lines.push(...table(config.destinations.map((destination) => [destination.name, destination.url])));
  }
  if (opsUrl) {
    lines.push('  For you:');
    const statusPage: Array<[string, string]> = url ? [['status page', `${opsUrl}/`]] : [];
    lines.push(...table([...statusPage, ['metrics', `${opsUrl}/metrics`], ['ready', `${opsUrl}/readyz`]]));
  }
  const command = url && nextCommand(config, url);
  if (command) lines.push('', '  Try it (from the repository or where the runtime is installed):', `    ${command}`);
  if (facts.warnings.length > 0) lines.push('', '  Warnings:', ...facts.warnings.map((warning) => `    ! ${warning}`));
  lines.push('', '  Stop with Ctrl-C: deliveries in flight finish first. Logs follow as JSON.', '');
  return lines.join('\n');
}
