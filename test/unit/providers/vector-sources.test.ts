import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allProviders } from '../../../core/providers';

/** docs/providers.md's table of where each gateway's test vectors come from, as id -> row text. */
function vectorSources(): Map<string, string> {
  const doc = readFileSync(join(__dirname, '../../../docs/providers.md'), 'utf8');
  const section = doc.split('## Where the test vectors come from')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => /^\| `[a-z-]+` \|/.test(line));
  return new Map(rows.map((row) => [row.match(/^\| `([a-z-]+)`/)![1], row]));
}

describe("docs/providers.md's vector sources", () => {
  const sources = vectorSources();

  test('has one row per registered gateway', () => {
    expect([...sources.keys()].sort()).toEqual(allProviders().map((provider) => provider.id).sort());
  });

  test.each([...sources])('%s: each official package the row names is imported by its tests', (id, row) => {
    const packages = [...row.matchAll(/official SDKs?: `([^`]+)`(?: and `([^`]+)`)?/g)].flatMap((match) => match.slice(1).filter(Boolean));
    const tests = readFileSync(join(__dirname, `${id}.test.ts`), 'utf8');
    for (const name of packages) expect(tests).toMatch(new RegExp(`(from |require\\()'${name.replace(/[/.-]/g, '\\$&')}['/]`));
  });
});
