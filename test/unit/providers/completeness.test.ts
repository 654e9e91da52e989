/**
 * What adding a gateway takes: its provider file (verify, normalize, its settings as data), its
 * fixtures in test/fixtures/<id>/ with a README.md saying where they come from, its page in
 * docs/providers/<id>.md with the settings table `npm run docs:providers` builds, and one line
 * in core/providers/index.ts. This test names whatever a registered provider lacks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allProviders } from '../../../core/providers';
import type { Provider } from '../../../core/providers/types';
import { pagePath, settingsTable } from '../../../scripts/provider-docs';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

function whatIsMissing(provider: Provider): string[] {
  const missing: string[] = [];
  const { settings } = provider;
  if (settings === undefined) return ['settings (its secret and fields as data, core/providers/settings.ts)'];
  for (const field of settings.fields) {
    if (!field.displayName || !field.description) missing.push(`a display name and a description for setting "${field.name}"`);
  }
  const fixtures = join(FIXTURES, provider.id);
  const files = existsSync(fixtures) ? readdirSync(fixtures) : [];
  if (!files.includes('README.md')) missing.push(`test/fixtures/${provider.id}/README.md (where the fixtures come from)`);
  if (files.filter((name) => name !== 'README.md').length === 0) missing.push(`a real payload in test/fixtures/${provider.id}/`);
  const page = pagePath(provider);
  if (!existsSync(page)) missing.push(`docs/providers/${provider.id}.md`);
  else if (!readFileSync(page, 'utf8').includes(settingsTable(provider))) {
    missing.push(`an up-to-date settings table in docs/providers/${provider.id}.md (run npm run docs:providers)`);
  }
  return missing;
}

describe.each(allProviders().map((provider) => [provider.id, provider] as const))('%s supplies what a gateway needs', (_id, provider) => {
  it('settings, fixtures with their origin, and a docs page with its settings table', () => {
    expect({ provider: provider.id, missing: whatIsMissing(provider) }).toEqual({ provider: provider.id, missing: [] });
  });
});
