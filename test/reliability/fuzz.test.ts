import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { EVENT_KINDS } from '../../core/event';
import { allProviders } from '../../core/providers';
import type { HeaderMap, Provider, SourceConfig } from '../../core/providers/types';
import { buildIngress } from '../../runtime/src/ingress/app';
import { noopObserver } from '../../runtime/src/observer';
import { SqliteStorage } from '../../runtime/src/storage/sqlite';
import { parsedConfig, tempDir } from '../runtime/support/harness';
import { seededRandom } from './support/chaos';

/**
 * Fuzzing every provider's verify and normalize in process, and the Fastify ingress over
 * real loopback HTTP (`app.inject()` cannot load under jest on Node 20: light-my-request
 * requires the ESM-only `cookie`). Cases start from the real
 * fixtures and the providers' signed examples, then break them: mutated bytes, invalid
 * UTF-8, deep nesting, huge numbers, duplicate keys, wrong content types, a gzip bomb,
 * tampered, missing or stale signatures, oversized bodies. Every request targets a known
 * source. Nothing may throw, every answer must be 400, 401, 413 or 415, and the storage must
 * hold nothing afterwards.
 *
 * Out of the generated set, by design: Mollie's unsigned classic form (`id=tr_…`), which is
 * accepted as a signal and confirmed against Mollie's API (not reachable here); and body
 * mutations of Adyen and Braintree signed examples, whose signatures cover only some fields
 * (Adyen) or one form field (Braintree), so a change elsewhere is still a genuine request.
 */
jest.setTimeout(600_000);

const PROVIDER_CASES = Number(process.env.RELIABILITY_FUZZ_PROVIDER_CASES ?? 100_000);
const LOOPBACK_CASES = Number(process.env.RELIABILITY_FUZZ_LOOPBACK_CASES ?? 30_000);
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261130);
const BODY_LIMIT = 64 * 1024;
const ALLOWED = new Set([400, 401, 413, 415]);
/** Schemes whose signature does not cover the whole body: only their signature is broken, never their body alone. */
const PARTIAL_SIGNATURES = new Set(['adyen', 'braintree', 'chargebee']);

const SECRET = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
/** The fields some schemes need; each source gets those its gateway takes (config check refuses the others). */
const FIELDS: Record<string, unknown> = {
  toleranceSeconds: 300,
  header: 'x-signature',
  notificationUrl: 'https://example.com/webhooks/square',
  publicKey: 'integration_public_key',
  webhookId: 'WH-0000000000000000',
  apiKey: 'test_api_key',
  site: 'acme-test',
};

/** Each source's settings: one secret every scheme can read, plus the fields its gateway takes. */
function sourceConfig(provider: Provider): SourceConfig {
  const takes = new Set(provider.settings.fields.map((field) => field.name));
  return {
    secrets: [provider.id === 'chargebee' ? 'fuzz-user:fuzz-password-0123456789' : SECRET],
    ...Object.fromEntries(Object.entries(FIELDS).filter(([name]) => takes.has(name))),
  };
}

const random = seededRandom(SEED);
const pickOne = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const integer = (max: number) => Math.floor(random() * max);

function fixturesOf(id: string): Buffer[] {
  const folder = join(__dirname, '..', 'fixtures', id);
  try {
    return readdirSync(folder)
      .filter((name) => !name.endsWith('.md') && statSync(join(folder, name)).isFile())
      .map((name) => readFileSync(join(folder, name)));
  } catch {
    return [];
  }
}

interface Seed {
  body: Buffer;
  headers: Record<string, string>;
}

function signedExamples(provider: Provider, config: SourceConfig): Seed[] {
  if (!provider.sign || !provider.example) return [];
  const now = new Date();
  return EVENT_KINDS.flatMap((kind) => {
    try {
      return [provider.sign!(provider.example!(kind, now), config, now)];
    } catch {
      return [];
    }
  });
}

const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/json; charset=utf-16',
  '*/*',
  '',
  'ä/ö',
];

const GZIP_BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));

/** Bodies that are wrong in the ways the issue lists. */
const NASTY: Array<() => Buffer> = [
  () => Buffer.from([0xff, 0xfe, 0xfd, 0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // invalid UTF-8, a lone surrogate
  () => Buffer.from(`${'['.repeat(5_000 + integer(20_000))}${']'.repeat(5_000)}`), // deep nesting (unbalanced too)
  () => Buffer.from(`${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`),
  () => Buffer.from(`{"id":"evt_1","amount":1e400,"data":{"object":{"amount":123456789012345678901234567890}}}`),
  () => Buffer.from(`{"id":"evt_1","id":"evt_2","type":"charge.succeeded","type":"x"}`), // duplicate keys
  () => Buffer.from(`{"id":"evt_1","amount":-0,"currency":"\\u0000","data":${'9'.repeat(400)}}`),
  () => Buffer.alloc(0),
  () => Buffer.from(Array.from({ length: integer(300) }, () => integer(256))),
  () => Buffer.from('id=tr_&bt_signature=x|y&bt_payload=PD94bWw='),
];

function mutateBody(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  switch (integer(7)) {
    case 0: {
      const at = integer(Math.max(copy.length, 1));
      if (copy.length > 0) copy[at] = (copy[at] + 1 + integer(255)) % 256;
      return copy.length > 0 ? copy : Buffer.from('x');
    }
    case 1:
      return body.subarray(0, integer(body.length)); // truncated
    case 2: {
      const at = integer(body.length + 1);
      return Buffer.concat([body.subarray(0, at), Buffer.from([0xc3, 0x28, integer(256)]), body.subarray(at)]); // invalid UTF-8 inside
    }
    case 3:
      return Buffer.from(body.toString('latin1').replace('{', '{"id":"evt_forged","type":"charge.refunded",'), 'latin1'); // duplicate keys
    case 4:
      return Buffer.from(body.toString('latin1').replace(/\d+/, '1e400'), 'latin1'); // a huge number
    case 5:
      return Buffer.concat([Buffer.from('['.repeat(2_000)), body, Buffer.from(']'.repeat(2_000))]); // deeply nested
    default:
      return Buffer.concat([body, Buffer.from(' ')]); // one invisible byte
  }
}

/** Headers that carry or feed a signature (ids, topics and content types do not). */
const SIGNATURE_HEADER = /sig|hmac|authorization|timestamp|transmission|cert|auth-algo|^webhook-id$|^svix-id$/i;

/** The same headers with one signature-bearing header removed, emptied, aged or altered: always a change. */
function mutateHeaders(headers: Record<string, string>): Record<string, string> {
  const signatureHeaders = Object.keys(headers).filter((name) => SIGNATURE_HEADER.test(name));
  const copy = { ...headers };
  if (signatureHeaders.length === 0) return copy;
  const name = pickOne(signatureHeaders);
  const original = copy[name];
  switch (integer(4)) {
    case 0:
      delete copy[name];
      break;
    case 1: {
      const value = copy[name];
      // Not in the last characters: base64's final character carries unused bits, so a change
      // there can decode to the same bytes (the same credentials, not a forgery).
      const at = integer(Math.max(1, value.length - 3));
      copy[name] = `${value.slice(0, at)}${value[at] === 'a' ? 'b' : 'a'}${value.slice(at + 1)}`;
      break;
    }
    case 2:
      copy[name] = copy[name].replace(/\d{10}/, (seconds) => String(Number(seconds) - 3_600)); // an hour old
      break;
    default:
      copy[name] = '';
  }
  if (copy[name] === original) delete copy[name];
  return copy;
}

interface Case {
  provider: Provider;
  body: Buffer;
  headers: HeaderMap;
  /** True when the body was made invalid (must not be stored even if the headers still fit). */
  kind: string;
}

/** One generated case for `provider`; every case breaks something the signature covers. */
function generate(provider: Provider, seeds: { fixtures: Buffer[]; examples: Seed[] }): Case {
  const contentType = pickOne(CONTENT_TYPES);
  const choice = integer(6);
  const example = seeds.examples.length > 0 ? pickOne(seeds.examples) : undefined;
  const hasSignatureHeader = example !== undefined && Object.keys(example.headers).some((name) => SIGNATURE_HEADER.test(name));
  // Where the signature does not cover the body, the example's headers are always broken too.
  const exampleHeaders = example && (PARTIAL_SIGNATURES.has(provider.id) ? mutateHeaders(example.headers) : example.headers);
  if (choice === 0 && example && !PARTIAL_SIGNATURES.has(provider.id)) {
    return { provider, body: mutateBody(example.body), headers: example.headers, kind: 'signed example, body mutated' };
  }
  if (choice === 1 && example && hasSignatureHeader) {
    const headers = mutateHeaders(example.headers);
    return { provider, body: example.body, headers: { ...headers, 'content-type': contentType }, kind: 'signed example, signature mutated' };
  }
  if (choice === 2 && example && exampleHeaders) {
    // The signed bytes gzipped: a runtime that inflated bodies could be bombed; ours does not.
    const body = random() < 0.5 ? gzipSync(example.body) : GZIP_BOMB;
    return { provider, body, headers: { ...exampleHeaders, 'content-encoding': 'gzip' }, kind: 'gzip' };
  }
  if (choice === 3 && seeds.fixtures.length > 0) {
    const headers: HeaderMap = example ? mutateHeaders(example.headers) : { 'content-type': contentType };
    return { provider, body: mutateBody(pickOne(seeds.fixtures)), headers, kind: 'fixture mutated' };
  }
  if (choice === 4) {
    const size = BODY_LIMIT + 1 + integer(BODY_LIMIT);
    return { provider, body: Buffer.alloc(size, '{'), headers: exampleHeaders ?? { 'content-type': contentType }, kind: 'oversized' };
  }
  const headers: HeaderMap = example ? mutateHeaders(example.headers) : {};
  headers['content-type'] = contentType;
  return { provider, body: pickOne(NASTY)(), headers, kind: 'nasty body' };
}

const providers = allProviders();
const configs = new Map(providers.map((provider) => [provider.id, sourceConfig(provider)]));
const seedsOf = new Map(
  providers.map((provider) => [provider.id, { fixtures: fixturesOf(provider.id), examples: signedExamples(provider, configs.get(provider.id)!) }]),
);
const offline: typeof fetch = async () => {
  throw new Error('network disabled while fuzzing');
};
const nextCase = (index: number) => {
  const provider = providers[index % providers.length];
  const generated = generate(provider, seedsOf.get(provider.id)!);
  // A Mollie classic form is an unsigned signal confirmed against Mollie's API: not a forgery case.
  if (provider.id === 'mollie' && /^id=/.test(generated.body.toString('latin1'))) generated.body = Buffer.from('{"id":');
  return generated;
};

const figures = { providerCases: 0, loopbackCases: 0, crashes: 0, byStatus: {} as Record<string, number>, byKind: {} as Record<string, number> };

afterAll(() => {
  process.stdout.write(
    `\n── fuzzing (seed ${SEED}) ──\n  cases tried: ${figures.providerCases + figures.loopbackCases} ` +
      `(${figures.providerCases} provider verify+normalize in process, ${figures.loopbackCases} through the ingress over loopback HTTP)\n` +
      `  crashes: ${figures.crashes}  answers: ${Object.entries(figures.byStatus).map(([status, count]) => `${status}×${count}`).join(' ')}\n` +
      `  case kinds: ${Object.entries(figures.byKind).map(([kind, count]) => `${kind}×${count}`).join(', ')}\n`,
  );
});

it(`every provider's verify and normalize: ${PROVIDER_CASES} cases, no throw, no forged request verified`, async () => {
  const verified: string[] = [];
  for (let index = 0; index < PROVIDER_CASES; index++) {
    const fuzz = nextCase(index);
    const request = { rawBody: fuzz.body, headers: fuzz.headers };
    const config = configs.get(fuzz.provider.id)!;
    try {
      const result = await fuzz.provider.verify(request, config, { now: new Date(), fetch: offline });
      fuzz.provider.normalize(request, new Date(), config);
      // An oversized body is the HTTP layer's to refuse (413); every other case must fail verification.
      if (result.ok && fuzz.kind !== 'oversized') verified.push(`${fuzz.provider.id}: ${fuzz.kind}`);
    } catch (error) {
      figures.crashes++;
      throw new Error(`${fuzz.provider.id} threw on a ${fuzz.kind} case: ${(error as Error).stack}`);
    }
    figures.providerCases++;
    figures.byKind[fuzz.kind] = (figures.byKind[fuzz.kind] ?? 0) + 1;
  }
  expect(verified).toEqual([]);
});

describe('the ingress', () => {
  const dir = tempDir();
  const file = join(dir.path, 'fuzz.db');
  let storage: SqliteStorage;
  let app: ReturnType<typeof buildIngress>;

  beforeAll(async () => {
    const config = parsedConfig({
      storage: `sqlite:${file}`,
      destinationUrl: 'http://127.0.0.1:9/unused',
      limits: { bodyBytes: BODY_LIMIT, perAddressPerSecond: 1_000_000, perAddressBurst: 1_000_000 },
      sources: providers.map((provider) => ({ name: provider.id, provider: provider.id, ...configs.get(provider.id)! })),
    });
    storage = new SqliteStorage(file);
    app = buildIngress({ config, storage, logger: pino({ level: 'silent' }), observer: noopObserver, ready: async () => true });
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    dir.remove();
  });

  const record = (status: number, fuzz: Case, unexpected: string[]) => {
    figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
    if (!ALLOWED.has(status)) unexpected.push(`${status} for ${fuzz.provider.id} (${fuzz.kind})`);
  };

  it(`answers 400, 401, 413 or 415 to ${LOOPBACK_CASES} cases over loopback HTTP`, async () => {
    const address = app.server.address() as { port: number };
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const unexpected: string[] = [];
    const post = (fuzz: Case) =>
      new Promise<number>((resolve, reject) => {
        const headers = Object.fromEntries(Object.entries(fuzz.headers).filter(([, value]) => value !== undefined && value !== '')) as Record<string, string>;
        const request = httpRequest(
          { agent, host: '127.0.0.1', port: address.port, method: 'POST', path: `/webhooks/${fuzz.provider.id}`, headers: { ...headers, 'content-length': fuzz.body.length } },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          },
        );
        // Over the limit, the server may answer 413 and close before it has read the whole body.
        request.on('error', (error: NodeJS.ErrnoException) =>
          fuzz.body.length > BODY_LIMIT && (error.code === 'EPIPE' || error.code === 'ECONNRESET') ? resolve(413) : reject(error),
        );
        request.end(fuzz.body);
      });
    for (let index = 0; index < LOOPBACK_CASES; index += 20) {
      const batch = Array.from({ length: 20 }, (_, offset) => nextCase(index + offset));
      const statuses = await Promise.all(batch.map(post));
      statuses.forEach((status, offset) => record(status, batch[offset], unexpected));
      figures.loopbackCases += batch.length;
    }
    agent.destroy();
    expect(unexpected.slice(0, 20)).toEqual([]);
  });

  it('stored nothing: no event, no delivery, no idempotency key', () => {
    const db = new BetterSqlite3(file, { readonly: true });
    const count = (table: string) => (db.prepare(`SELECT count(*) AS count FROM ${table}`).get() as { count: number }).count;
    const stored = { events: count('events'), deliveries: count('deliveries'), idempotencyKeys: count('idempotency_keys') };
    db.close();
    process.stdout.write(`  stored after fuzzing: ${JSON.stringify(stored)}\n`);
    expect(stored).toEqual({ events: 0, deliveries: 0, idempotencyKeys: 0 });
  });
});
