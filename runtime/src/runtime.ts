import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAdmin } from './admin/routes';
import type { RuntimeConfig } from './config/types';
import { createDeliveryHandler } from './delivery/handler';
import { buildIngress } from './ingress/app';
import { createLogger } from './logger';
import { noopObserver, type Observer } from './observer';
import { openStorage } from './storage/open';
import type { RuntimeStorage } from './storage/types';

export type Role = 'ingress' | 'worker' | 'both';
export const ROLES: readonly Role[] = ['ingress', 'worker', 'both'];

export interface RuntimeOptions {
  config: RuntimeConfig;
  role?: Role;
  logger?: Logger;
  observer?: Observer;
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
  private readonly observer: Observer;
  private storage?: RuntimeStorage;
  private app?: FastifyInstance;
  private consuming = false;
  private closing?: Promise<void>;

  constructor(private readonly options: RuntimeOptions) {
    this.config = options.config;
    this.role = options.role ?? 'both';
    this.logger = options.logger ?? createLogger(options.config.log.level);
    this.observer = options.observer ?? noopObserver;
  }

  /** Starts everything the role needs; resolves with the listener's URL (ingress roles). */
  async start(): Promise<{ url?: string }> {
    const storage = await openStorage(this.config.storage, {
      destinations: this.config.destinations.map((destination) => destination.name),
    });
    this.storage = storage;
    if (this.role !== 'ingress') {
      await storage.consume({
        concurrency: Object.fromEntries(this.config.destinations.map((destination) => [destination.name, destination.concurrency])),
        handler: createDeliveryHandler({
          config: this.config,
          storage,
          logger: this.logger,
          observer: this.observer,
          random: this.options.random,
        }),
      });
      this.consuming = true;
    }
    if (this.role === 'worker') {
      this.logger.info({ storage: storage.kind, role: this.role }, 'payment-webhooks worker started');
      return {};
    }
    const app = buildIngress({
      config: this.config,
      storage,
      logger: this.logger,
      observer: this.observer,
      ready: async () => {
        await storage.ping();
        return this.role === 'ingress' || this.consuming;
      },
    });
    registerAdmin(app, { config: this.config, storage });
    this.app = app;
    const url = await app.listen({ host: this.config.listen.host, port: this.config.listen.port });
    this.logger.info({ url, storage: storage.kind, role: this.role }, 'payment-webhooks listening');
    return { url };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.app?.close();
      this.consuming = false;
      await this.storage?.stopConsuming();
      await this.storage?.close();
      this.logger.info('payment-webhooks stopped');
    })();
    return this.closing;
  }
}
