import type { RuntimeConfig } from './types';

/**
 * The example config's demo secrets. They are public (this repository publishes them, and the
 * delivery one is the Standard Webhooks specification's example), so whoever reaches a listener
 * that accepts them can forge events. They are fine for a demo on one machine and nowhere else.
 */
export const PLACEHOLDER_SECRETS: readonly string[] = ['whsec_example_replace_me', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'];

/** The fields holding a placeholder secret, as `sources[0].secrets[0]`. */
export function placeholderSecretFields(config: RuntimeConfig): string[] {
  const found: string[] = [];
  const visit = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      if (PLACEHOLDER_SECRETS.includes(value)) found.push(path);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, path ? `${path}.${key}` : key);
    }
  };
  visit(config, '');
  return found;
}

/** A host name or address only this machine reaches (URL hosts keep IPv6 in brackets). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** What makes a config more than a demo on one machine: a listener or a destination beyond loopback. */
function beyondThisMachine(config: RuntimeConfig): string[] {
  const listeners = [
    { field: 'listen.host', host: config.listen.host },
    ...(config.ops.listen ? [{ field: 'ops.listen.host', host: config.ops.listen.host }] : []),
  ];
  const urls = [
    ...config.destinations.map((destination, index) => ({ field: `destinations[${index}].url`, url: destination.url })),
    ...(config.deadLetter ? [{ field: 'deadLetter.url', url: config.deadLetter.url }] : []),
  ];
  return [
    ...listeners.filter(({ host }) => !isLoopback(host)).map(({ field, host }) => `${field} ${host}`),
    ...urls.filter(({ url }) => !isLoopback(new URL(url).hostname)).map(({ field, url }) => `${field} ${new URL(url).host}`),
  ];
}

/** Errors for placeholder secrets in a config that reaches beyond this machine; none for a local demo. */
export function placeholderRefusals(config: RuntimeConfig): string[] {
  const fields = placeholderSecretFields(config);
  const beyond = beyondThisMachine(config);
  if (fields.length === 0 || beyond.length === 0) return [];
  return fields.map(
    (field) =>
      `${field}: is the example config's public demo secret, refused beyond a local demo (${beyond.join(', ')} is not a loopback address): ` +
      'set your own secret, e.g. through the environment variable the example config reads',
  );
}
