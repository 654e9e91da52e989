import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENT_KINDS, type EventKind } from '../../core/event';
import { allProviders, getProvider, providerIds } from '../../core/providers';
import { ConfigError, loadConfig } from './config/load';
import { connectionFailure } from './connection-failure';
import { didYouMean } from './config/suggest';
import type { RuntimeConfig } from './config/types';
import { filterFrom } from './admin/routes';
import { replayMany, replayOne } from './deadletter/replay';
import { ROLES, Runtime, type Role } from './runtime';
import { destinationWarnings, placeholderWarning, renderStartupSummary } from './startup-summary';
import { StorageUnavailableError } from './storage/location';
import { openStorage } from './storage/open';
import { COMMAND_NAMES, USAGE, usageOf } from './usage';

/**
 * `payment-webhooks start | config check | dead-letters … | send-test-event …`.
 * Output goes to the streams given, so tests run commands in-process.
 */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `out` is a terminal: `start` prints a summary for the person reading it. */
  terminal?: boolean;
}

const DEFAULT_CONFIG = 'payment-webhooks.config.yaml';
/** Shipped at the package root, so `npm start` works before anything is configured (src/ or dist/runtime/src/). */
const EXAMPLE_CONFIG = [resolve(__dirname, '..'), resolve(__dirname, '..', '..', '..')]
  .map((dir) => join(dir, 'payment-webhooks.config.example.yaml'))
  .find((file) => existsSync(file)) ?? 'payment-webhooks.config.example.yaml';

class UsageError extends Error {}

/** A stop signal repeated within this time is the same request delivered twice. */
const REPEATED_SIGNAL_MS = 1_000;

/** `--config`, else payment-webhooks.config.yaml where the command runs, else the example. */
function configPath(given: string | undefined, io: Io): string {
  if (given) return resolve(io.cwd, given);
  for (const dir of [io.cwd, io.env.INIT_CWD].filter((value): value is string => Boolean(value))) {
    const candidate = join(dir, DEFAULT_CONFIG);
    if (existsSync(candidate)) return candidate;
  }
  return EXAMPLE_CONFIG;
}

async function start(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, role: { type: 'string', default: 'both' } } });
  if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const file = configPath(values.config, io);
  const config = await loadConfig(file, io.env);
  const runtime = new Runtime({ config, role: values.role as Role });
  // Handled before the runtime says anything: a supervisor may stop it the moment it reads a line,
  // and a signal with no listener yet meets Node's default action (killed, no cleanup). Assigned
  // below, in the same turn, before any signal can be handled.
  let starting!: ReturnType<Runtime['start']>;
  let stop!: () => void;
  const stopped = new Promise<void>((done) => (stop = done));
  let stoppingSince: number | undefined;
  // One listener for the process's life: between a `once` listener firing and the next one being
  // added, a signal meets Node's default action and kills the process mid-shutdown, and Ctrl-C
  // under `npm start` sends two at once (the process group's, and npm's forwarded copy).
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // A second signal means "now": exit without waiting (queued work is durable anyway). One
      // within a second is the first one again.
      if (Date.now() - stoppingSince >= REPEATED_SIGNAL_MS) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    runtime.logger.info({ signal }, 'shutting down: no new requests, finishing deliveries in flight');
    // A runtime still starting stops once it has started; a start that fails ends the command by itself.
    starting.then(
      () =>
        runtime.close().then(stop, (error: unknown) => {
          runtime.logger.error({ err: error }, 'shutdown failed');
          stop();
        }),
      () => undefined,
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  runtime.logger.info({ config: file }, 'configuration loaded');
  starting = runtime.start();
  let listeners: Awaited<typeof starting>;
  try {
    listeners = await starting;
  } catch (error) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw pointAtConfig(error, file);
  }
  const placeholders = placeholderWarning(config);
  if (placeholders) runtime.logger.warn(placeholders);
  if (io.terminal) {
    // Probed for a person only: a supervised runtime's destination gets no requests but deliveries.
    const warnings = [...(placeholders ? [placeholders] : []), ...(await destinationWarnings(config))];
    io.out(renderStartupSummary({ config, role: runtime.role, ...listeners, warnings }));
  }
  await stopped;
  return 0;
}

/** A storage that cannot be opened, or a listen address taken: the error points at the config line that names it. */
function pointAtConfig(error: unknown, file: string): unknown {
  if (error instanceof StorageUnavailableError) return new Error(`${error.message} Check \`storage\` in ${file}.`, { cause: error });
  if ((error as { code?: unknown })?.code === 'EADDRINUSE') {
    return new Error(`${(error as Error).message}: is another runtime, or another program, listening there? Check \`listen\` (and \`ops.listen\`) in ${file}.`, { cause: error });
  }
  return error;
}

async function configCheck(args: string[], io: Io): Promise<number> {
  const [sub, file] = args;
  if (sub !== 'check' || !file) throw new UsageError('usage: payment-webhooks config check FILE');
  const config = await loadConfig(resolve(io.cwd, file), io.env);
  io.out(
    `${file}: ok (${config.sources.length} source(s), ${config.destinations.length} destination(s), storage ${config.storage.split(':')[0]})`,
  );
  const placeholders = placeholderWarning(config);
  if (placeholders) io.err(`warning: ${placeholders}`);
  return 0;
}

async function withStorage<T>(config: RuntimeConfig, file: string, work: (storage: Awaited<ReturnType<typeof openStorage>>) => Promise<T>): Promise<T> {
  let storage: Awaited<ReturnType<typeof openStorage>>;
  try {
    storage = await openStorage(config.storage, { destinations: config.destinations.map((destination) => destination.name) });
  } catch (error) {
    throw pointAtConfig(error, file);
  }
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

async function deadLetters(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      status: { type: 'string' },
      provider: { type: 'string' },
      kind: { type: 'string' },
      error: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      before: { type: 'string' },
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const [action, id] = positionals;
  const file = configPath(values.config, io);
  const config = await loadConfig(file, io.env);
  const filter = () =>
    filterFrom({
      status: values.status,
      provider: values.provider,
      kind: values.kind,
      errorContains: values.error,
      from: values.from,
      to: values.to,
      limit: values.limit,
    });
  return withStorage(config, file, async (storage) => {
    switch (action) {
      case 'list': {
        const records = await storage.deadLetters.list(filter());
        for (const record of records) {
          io.out(
            [record.id, record.status, record.lastFailedAt, record.idempotencyKey, record.kind, record.origin.destination ?? '-', record.error.message].join('\t'),
          );
        }
        io.err(`${records.length} dead letter(s)`);
        return 0;
      }
      case 'show': {
        if (!id) throw new UsageError('usage: payment-webhooks dead-letters show ID');
        const record = await storage.deadLetters.get(id);
        if (!record) {
          io.err(`no dead letter ${id}`);
          return 1;
        }
        io.out(JSON.stringify(record, null, 2));
        return 0;
      }
      case 'replay': {
        if (values.all) {
          const counted = await replayMany({ storage, config, filter: filter(), dryRun: true });
          // The count is a dry run's result (stdout, for `$(…)`), and only a note before a replay.
          const matched = `${counted.matched} open dead letter(s) match`;
          if (values['dry-run']) {
            io.out(matched);
            return 0;
          }
          io.err(matched);
          const result = await replayMany({ storage, config, filter: filter(), dryRun: false });
          for (const replayed of result.replayed) io.out(`replayed ${replayed}`);
          for (const failed of result.failed) io.err(`not replayed ${failed.id}: ${failed.error}`);
          return result.failed.length > 0 ? 1 : 0;
        }
        if (!id) throw new UsageError('usage: payment-webhooks dead-letters replay ID | replay --all [filters]');
        if (values['dry-run']) {
          const record = await storage.deadLetters.get(id);
          io.out(record?.status === 'open' ? '1 open dead letter matches' : '0 open dead letters match');
          return 0;
        }
        const result = await replayOne(storage, config, id);
        if (!result.ok) {
          io.err(result.error);
          return 1;
        }
        io.out(`replayed ${id} to ${result.record.origin.destination}`);
        return 0;
      }
      case 'purge': {
        const before = values.all ? new Date(8.64e15).toISOString() : values.before;
        if (!before) throw new UsageError('usage: payment-webhooks dead-letters purge --before ISO_DATE | --all');
        io.out(`purged ${await storage.deadLetters.purge(before)} dead letter(s)`);
        return 0;
      }
      default:
        throw new UsageError(`unknown dead-letters action "${action ?? ''}"${didYouMean(action ?? '', ['list', 'show', 'replay', 'purge'])}`);
    }
  });
}

/** Splits `--field name=value` pairs into provider config fields (notificationUrl, publicKey, …). */
function fields(pairs: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (pairs ?? []).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--field needs NAME=VALUE, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

async function sendTestEvent(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      provider: { type: 'string' },
      secret: { type: 'string', multiple: true },
      url: { type: 'string' },
      kind: { type: 'string', default: 'payment.succeeded' },
      field: { type: 'string', multiple: true },
    },
  });
  if (!values.provider || !values.url || !values.secret) throw new UsageError('send-test-event needs --provider, --secret and --url');
  const provider = getProvider(values.provider);
  if (!provider) {
    throw new UsageError(`unknown provider "${values.provider}"${didYouMean(values.provider, providerIds())}`);
  }
  if (!provider.sign || !provider.example) {
    const signing = allProviders().filter((entry) => entry.sign && entry.example).map((entry) => entry.id);
    throw new UsageError(`${provider.displayName} events cannot be signed here (the gateway signs with its own key); try: ${signing.join(', ')}`);
  }
  if (!(EVENT_KINDS as readonly string[]).includes(values.kind!)) {
    throw new UsageError(`unknown kind "${values.kind}"${didYouMean(values.kind!, EVENT_KINDS)}`);
  }
  const now = new Date();
  const body = provider.example(values.kind as EventKind, now);
  // Square signs the notification URL with the body: by default it is the URL we post to.
  const signed = provider.sign(body, { secrets: values.secret, notificationUrl: values.url, ...fields(values.field) }, now);
  const response = await fetch(values.url, { method: 'POST', headers: signed.headers, body: signed.body }).catch((error: unknown) => {
    throw new Error(
      `cannot reach ${values.url} (${connectionFailure(error)}): is the runtime running, and listening on that host and port (listen.host, listen.port)? ` +
        'The URL is http://HOST:PORT/webhooks/SOURCE, SOURCE a source name of its config.',
    );
  });
  const text = await response.text();
  io.out(`${response.status} ${response.statusText} ${text}`.trim());
  return response.ok ? 0 : 1;
}

/** `help [COMMAND]`, `--help`, `-h`, or COMMAND with `--help`/`-h` among its arguments. */
function helpAsked(command: string | undefined, rest: string[]): { topic: string | undefined } | undefined {
  if (command === 'help' || command === '--help' || command === '-h') return { topic: rest[0] };
  if (command && COMMAND_NAMES.includes(command) && (rest.includes('--help') || rest.includes('-h'))) return { topic: command };
  return undefined;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  const help = helpAsked(command, rest);
  if (help) {
    io.out(usageOf(help.topic));
    return 0;
  }
  try {
    switch (command) {
      case 'start':
        return await start(rest, io);
      case 'config':
        return await configCheck(rest, io);
      case 'dead-letters':
        return await deadLetters(rest, io);
      case 'send-test-event':
        return await sendTestEvent(rest, io);
      case undefined:
        io.err(USAGE);
        return 2;
      default:
        io.err(`unknown command "${command}"${didYouMean(command, COMMAND_NAMES)}\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n${usageOf(command)}`);
      return 2;
    }
    io.err(`error: ${(error as Error).message}`);
    return 1;
  }
}

