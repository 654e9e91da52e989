/**
 * The settings table of each gateway's page in docs/providers/, built from the settings its
 * provider file describes (core/providers), so the docs, the n8n credential form and the
 * runtime's config check never disagree. `npm run docs:providers` rewrites the tables;
 * test/unit/providers/completeness.test.ts fails while a page is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allProviders } from '../core/providers';
import type { Provider, ProviderSetting } from '../core/providers/types';

export const DOCS_FOLDER = join(__dirname, '..', 'docs', 'providers');
const BEGIN = '<!-- settings: built from the provider file by `npm run docs:providers` -->';
const END = '<!-- /settings -->';

function shownDefault(field: ProviderSetting): string {
  if (field.type === 'map') return '`{}`';
  return field.default === '' ? '—' : `\`${String(field.default)}\``;
}

function requirement(field: ProviderSetting): string {
  if (!field.required) return 'no';
  return field.showWhen ? `when \`${field.showWhen.field}\` is ${field.showWhen.values.map((value) => `\`${value}\``).join(' or ')}` : 'yes';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function settingsTable(provider: Provider): string {
  const { secret, fields } = provider.settings;
  const rows = [
    '| field | required | default | what it is |',
    '|---|---|---|---|',
    `| \`provider\` | yes | — | \`${provider.id}\` |`,
    secret
      ? `| \`secrets\` | ${secret.optional ? 'no' : 'yes'} | — | ${cell(`${secret.displayName}: ${secret.description}`)}; list the old and the new one while rotating |`
      : '| `secrets` | no | — | none: this gateway signs with a key of its own, leave it empty |',
    ...fields.map((field) => {
      const options = field.type === 'options' ? ` (${field.options.map((option) => `\`${option.value}\``).join(', ')})` : '';
      const where = field.runtimeOnly ? ' (runtime config only)' : '';
      return `| \`${field.name}\` | ${requirement(field)} | ${shownDefault(field)} | ${cell(field.description)}${options}${where} |`;
    }),
  ];
  return `${BEGIN}\n${rows.join('\n')}\n${END}`;
}

export function pagePath(provider: Provider): string {
  return join(DOCS_FOLDER, `${provider.id}.md`);
}

/** The page with its settings table replaced: between the markers, else the first table under "## Configure". */
export function withSettingsTable(page: string, provider: Provider): string {
  const table = settingsTable(provider);
  const begin = page.indexOf(BEGIN);
  if (begin >= 0) return page.slice(0, begin) + table + page.slice(page.indexOf(END, begin) + END.length);
  const configure = page.indexOf('## Configure');
  if (configure < 0) throw new Error(`${provider.id}.md has no "## Configure" section for its settings table`);
  const start = page.indexOf('\n|', configure) + 1;
  let end = start;
  while (page.startsWith('|', end)) end = page.indexOf('\n', end) + 1;
  return page.slice(0, start) + table + '\n' + page.slice(end);
}

if (require.main === module) {
  for (const provider of allProviders()) {
    const path = pagePath(provider);
    writeFileSync(path, withSettingsTable(readFileSync(path, 'utf8'), provider));
  }
}
