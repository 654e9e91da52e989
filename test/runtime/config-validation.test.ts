/**
 * Mistakes in a config are caught by `config check`, before production: every field of every
 * source is checked against what its gateway takes (core/providers settings), and a config the
 * check accepts always starts.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { allProviders } from '../../core/providers';
import type { Provider } from '../../core/providers/types';
import { validateConfig } from '../../runtime/src/config/validate';
import { Runtime } from '../../runtime/src/runtime';
import { freePort } from '../support/redis-server';
import { configObject, tempDir } from './support/harness';

jest.setTimeout(120_000);

const dir = tempDir();
afterAll(() => dir.remove());

/** A value of the setting's own type, so only the mistake under test is reported. */
function validSource(provider: Provider): Record<string, unknown> {
  const source: Record<string, unknown> = { name: provider.id, provider: provider.id, secrets: provider.settings.secret ? ['a-secret-of-this-source'] : [] };
  for (const field of provider.settings.fields) {
    if (!field.required) continue;
    source[field.name] = field.type === 'string' ? (field.format === 'url' ? 'https://example.com/hooks' : 'value') : field.default;
  }
  if (provider.id === 'chargebee') source.secrets = ['user:password'];
  return source;
}

function errorsFor(source: Record<string, unknown>): string[] {
  const config = configObject({ storage: `sqlite:${join(dir.path, 'unused.db')}`, destinationUrl: 'http://127.0.0.1:5678/webhook/payments', sources: [source] });
  const result = validateConfig(config);
  return result.ok ? [] : result.errors;
}

/** Typical slips: a letter dropped, the case of an acronym changed, a singular for a plural. */
function misspellings(name: string): string[] {
  const slips = new Set([name.slice(0, -1), name.replace(/Url$/, 'URL').replace(/Id$/, 'ID'), name.endsWith('s') ? name.slice(0, -1) : `${name}s`]);
  slips.delete(name);
  return [...slips];
}

describe.each(allProviders().map((provider) => [provider.id, provider] as const))('config check of a %s source', (_id, provider) => {
  it('accepts the source with its required fields', () => {
    expect(errorsFor(validSource(provider))).toEqual([]);
  });

  const names = [...provider.settings.fields.map((field) => field.name), 'secrets'];
  it.each(names.flatMap((name) => misspellings(name).map((slip) => [slip, name] as const)))('refuses "%s", suggesting "%s"', (slip, name) => {
    const source = { ...validSource(provider), [slip]: 'x' };
    expect(errorsFor(source)).toContain(`sources[0].${slip}: unknown field for a ${provider.id} source; did you mean "${name}"?`);
  });

  it('refuses a field no gateway has, listing what this one takes', () => {
    expect(errorsFor({ ...validSource(provider), colour: 'blue' })).toEqual([
      expect.stringMatching(new RegExp(`^sources\\[0\\]\\.colour: unknown field for a ${provider.id} source; a ${provider.id} source takes name, provider, secrets`)),
    ]);
  });

  const required = provider.settings.fields.filter((field) => field.required && !field.showWhen);
  if (required.length > 0) {
    it.each(required.map((field) => field.name))('refuses the source without %s', (name) => {
      const { [name]: _left, ...source } = validSource(provider);
      expect(errorsFor(source)).toEqual([expect.stringContaining(`sources[0].${name}: is required for a ${provider.id} source`)]);
    });
  }
  if (provider.settings.secret && !provider.settings.secret.optional) {
    it('refuses the source without a secret', () => {
      expect(errorsFor({ ...validSource(provider), secrets: [] })).toEqual([expect.stringContaining('sources[0].secrets: a ')]);
    });
  }
});

describe('config check of the listener', () => {
  it.each([
    [99_999, 'listen.port: must be a port from 0 to 65535'],
    [-1, 'listen.port: must be an integer ≥ 0'],
    ['http', 'listen.port: must be an integer ≥ 0'],
  ])('refuses port %p', (port, error) => {
    const config = configObject({ storage: `sqlite:${join(dir.path, 'unused.db')}`, destinationUrl: 'http://127.0.0.1:5678/webhook/payments' }) as Record<string, any>;
    config.listen.port = port;
    expect(validateConfig(config)).toEqual({ ok: false, errors: [error] });
  });

  it('refuses a host that is neither an address nor a name', () => {
    const config = configObject({ storage: `sqlite:${join(dir.path, 'unused.db')}`, destinationUrl: 'http://127.0.0.1:5678/webhook/payments' }) as Record<string, any>;
    config.listen.host = 'local host';
    expect(validateConfig(config)).toMatchObject({ ok: false, errors: ['listen.host: must be an IP address or a host name, got "local host"'] });
  });
});

describe('every config that config check accepts also starts', () => {
  it('holds for listeners, storage, sources and destinations drawn at random', async () => {
    let started = 0;
    let refused = 0;
    const providers = allProviders();
    const draw = fc.record({
      // Mostly sound values, so that both accepted and refused configs come up often.
      port: fc.oneof({ arbitrary: fc.constant('free' as const), weight: 4 }, { arbitrary: fc.constantFrom(0, -1, 65_536, 99_999), weight: 1 }),
      host: fc.constantFrom('127.0.0.1', 'localhost', '::1', '127.0.0.1', 'local host'),
      sources: fc.uniqueArray(fc.nat({ max: providers.length - 1 }), { minLength: 1, maxLength: 3 }),
      dropRequired: fc.integer({ min: 0, max: 4 }).map((draw) => draw === 0),
      extra: fc.option(fc.constantFrom('toleranceSeconds', 'tolerance', 'notificationUrl', 'apiBaseUrl', 'publicKey'), { freq: 2 }),
      extraValue: fc.constantFrom<unknown>(300, 'https://example.com/x', 'not a url', -5, 'abc'),
      destinationUrl: fc.oneof({ arbitrary: fc.constant('http://127.0.0.1:5678/webhook/payments'), weight: 4 }, { arbitrary: fc.constantFrom('ftp://example.com', 'not a url'), weight: 1 }),
    });
    await fc.assert(
      fc.asyncProperty(draw, async (drawn) => {
        const sources = drawn.sources.map((index) => {
          const source = validSource(providers[index]);
          const required = providers[index].settings.fields.find((field) => field.required && !field.showWhen);
          if (drawn.dropRequired && required) delete source[required.name];
          if (drawn.extra) source[drawn.extra] = drawn.extraValue;
          return source;
        });
        const config = configObject({ storage: `sqlite:${join(dir.path, `start-${started + refused}.db`)}`, destinationUrl: drawn.destinationUrl, sources }) as Record<string, any>;
        config.listen = { host: drawn.host, port: drawn.port === 'free' ? await freePort() : drawn.port };
        const result = validateConfig(config);
        if (!result.ok) {
          refused++;
          return;
        }
        const runtime = new Runtime({ config: result.config, logger: pino({ level: 'silent' }) });
        try {
          await runtime.start();
          started++;
        } finally {
          await runtime.close();
        }
      }),
      { numRuns: 40, seed: 20261206 },
    );
    // Both sides of the property were exercised.
    expect(started).toBeGreaterThan(3);
    expect(refused).toBeGreaterThan(3);
  });
});
