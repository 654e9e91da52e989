import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAdmin } from './admin/routes';
import type { RuntimeConfig } from './config/types';
import { createDeliveryHandler } from './delivery/handler';
import { DeliveryThread } from './delivery/thread';
import { buildIngress } from './ingress/app';
import { createLogger } from './logger';
import { Observability, type ObservabilityOptions } from './observability';
import type { Observer } from './observer';
import { registerInsights } from './insights/routes';
import { opsReadGuard } from './status/guard';
import { buildOpsServer } from './status/health';
import { registerMetrics, registerStatus } from './status/routes';
import { openStorage } from './storage/open';
import type { RuntimeStorage } from './storage/types';

export type Role = 'ingress' | 'worker' | 'both';

/**
 * Fastify logs "Server listening at …" for every listener and has no option against it; the
 * runtime says it once, with everything it started, so a listener binds with its logger at warn.
 */
async function listenQuietly(app: FastifyInstance, address: { host: string; port: number }): Promise<string> {
  const level = app.log.level;
  app.log.level = 'warn';
  try {
    return await app.listen(address);
  } finally {
    app.log.level = level;
  }
}
export const ROLES: readonly Role[] = ['ingress', 'worker', 'both'];

export interface RuntimeOptions {
  config: RuntimeConfig;
  role?: Role;
  logger?: Logger;
  /** Replaces the metrics, traces and alerts (which then are off). */
  observer?: Observer;
  /** Span exporter, environment and fetch for the observability (tests). */
  telemetry?: Pick<ObservabilityOptions, 'env' | 'spanExporter' | 'fetch'>;
  /** The backoff jitter's random source (tests pin it). */
  random?: () => number;
}

/**
 * One runtime process: storage, then the workers (role worker) and the HTTP listener
 * (role ingress). `close()` undoes it in the safe order: stop accepting requests, let the
 * deliveries in flight finish, then close the storage.
 */
export class Runtime {
  readonly config: RuntimeConfig;
  readonly role: Role;
  readonly logger: Logger;
  /** Metrics, traces, alerts and the status page's data, once started. */
  observability?: Observability;
  private storage?: RuntimeStorage;
  /** The webhook listener and, with `ops.listen`, the operators' one. */
  private apps: FastifyInstance[] = [];
  private consuming = false;
  private deliveryThread?: DeliveryThread;
  private closing?: Promise<void>;
  private releasing?: Promise<void>;

  constructor(private readonly options: RuntimeOptions) {
    this.config = options.config;
    this.role = options.role ?? 'both';
    this.logger = options.logger ?? createLogger(options.config.log.level);
  }

  /**
   * Starts everything the role needs; resolves with the webhook listener's URL and the one
   * serving the status page, metrics and admin API (the same unless `ops.listen` is set).
   * A worker's one listener serves health and metrics only.
   */
  async start(): Promise<{ url?: string; opsUrl?: string }> {
    try {
      return await this.startParts();
    } catch (error) {
      // A start that fails holds nothing open: what began before the failure (the storage, the delivery thread) is released.
      await this.release().catch(() => undefined);
      throw error;
    }
  }

  private async startParts(): Promise<{ url?: string; opsUrl?: string }> {
    const storage = await openStorage(this.config.storage, {
      destinations: this.config.destinations.map((destination) => destination.name),
      busyTimeoutMs: this.config.limits.storeTimeoutMs,
      storeTimeoutMs: this.config.limits.storeTimeoutMs,
    });
    this.storage = storage;
    const observability = new Observability({ config: this.config, storage, logger: this.logger, ...this.options.telemetry });
    this.observability = observability;
    const observer = this.options.observer ?? observability;
    if (this.role !== 'ingress') {
      this.deliveryThread = new DeliveryThread();
      await this.deliveryThread.start();
      await storage.consume({
        concurrency: Object.fromEntries(this.config.destinations.map((destination) => [destination.name, destination.concurrency])),
        handler: createDeliveryHandler({
          config: this.config,
          storage,
          logger: this.logger,
          observer,
          client: this.deliveryThread,
          random: this.options.random,
        }),
        onError: (error, destination) => {
          // Not consuming any more: /readyz turns unready so an orchestrator restarts the process.
          this.consuming = false;
          this.logger.error({ destination, err: error.message }, 'delivery consumer stopped');
        },
      });
      this.consuming = true;
    }
    const ready = async () => {
      await storage.ping();
      return this.role === 'ingress' || this.consuming;
    };
    const listen = { host: this.config.listen.host, port: this.config.listen.port };
    const opsListen = this.config.ops.listen;
    // The listeners' own logger, so that quieting one while it binds quiets nothing else.
    const httpLogger = this.logger.child({});
    if (this.role === 'worker') {
      // No webhooks here: /healthz, /readyz and /metrics only, on ops.listen when set, else on this process's listen address.
      const ops = buildOpsServer({ logger: httpLogger, ready });
      registerMetrics(ops, observability, opsReadGuard(this.config));
      this.apps = [ops];
      const url = await listenQuietly(ops, opsListen ?? listen);
      this.logger.info({ url, storage: storage.kind, role: this.role }, 'payment-webhooks worker started');
      return { url, opsUrl: url };
    }
    const app = buildIngress({ config: this.config, storage, logger: httpLogger, observer, ready });
    // With ops.listen, what operators use leaves the listener the gateways reach.
    const ops = opsListen ? buildOpsServer({ logger: httpLogger, ready }) : app;
    registerAdmin(ops, { config: this.config, storage });
    registerStatus(ops, { config: this.config, storage, observability });
    if (this.config.admin?.token) registerInsights(ops, { storage, token: this.config.admin.token });
    this.apps = ops === app ? [app] : [app, ops];
    const url = await listenQuietly(app, listen);
    const opsUrl = opsListen ? await listenQuietly(ops, opsListen) : url;
    this.logger.info({ url, opsUrl, storage: storage.kind, role: this.role }, 'payment-webhooks listening');
    return { url, opsUrl };
  }

  close(): Promise<void> {
    this.closing ??= this.release().then(() => this.logger.info('payment-webhooks stopped'));
    return this.closing;
  }

  /** Stops what has started, in order: no new requests, the deliveries in flight finished, then the storage. Once. */
  private release(): Promise<void> {
    this.releasing ??= (async () => {
      await Promise.all(this.apps.map((app) => app.close()));
      this.consuming = false;
      await this.storage?.stopConsuming();
      await this.deliveryThread?.close();
      await this.storage?.close();
      await this.observability?.close();
    })();
    return this.releasing;
  }
}
