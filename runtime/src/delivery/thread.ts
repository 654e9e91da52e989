import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AttemptResult, DeliverySender, SignedPost } from './post';

/** How long past a request's own deadline an answer may take before the thread is presumed stuck. */
const STUCK_GRACE_MS = 5_000;

/**
 * The thread's script beside this file: compiled JavaScript as installed, or, when the runtime
 * runs from its TypeScript sources (the tests), the .ts file transpiled on load by the
 * repository's hook.
 */
function threadScript(): { file: string; execArgv: string[] } {
  const compiled = join(__dirname, 'thread-worker.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  return { file: join(__dirname, 'thread-worker.ts'), execArgv: ['--require', join(__dirname, '..', '..', '..', 'scripts', 'ts-hook.js')] };
}

interface Waiting {
  resolve: (result: AttemptResult) => void;
  deadline: NodeJS.Timeout;
}

/**
 * Sends deliveries from a thread of its own (runtime/src/delivery/thread-worker.ts). Signing a
 * delivery, writing its request and reading its answer cost the process about as much CPU as
 * acknowledging an event; on the thread that acknowledges, every delivery delays the requests
 * waiting there. Here they run on another core where there is one. The storage, the retry
 * decisions and the logs stay on the main thread: only requests and their answers cross.
 *
 * The requests made in one synchronous run (a group commit starts all the deliveries it
 * leased) cross in one message, and the thread answers a turn's worth in one. `start` starts
 * the thread and resolves once it has loaded, so a runtime says it is listening only when it
 * can deliver. Should the thread die or stop answering, every delivery waiting on it fails
 * as a retryable attempt (so it is retried, never lost) and the next one starts a new thread.
 */
export class DeliveryThread implements DeliverySender {
  private worker?: Worker;
  /** Settles when the current thread has loaded (or failed to). */
  private loaded?: Promise<void>;
  private readonly waiting = new Map<number, Waiting>();
  private outgoing: Array<[number, SignedPost]> = [];
  private nextId = 0;
  private closed = false;

  /** Starts the thread; rejects when it cannot load. */
  async start(): Promise<void> {
    this.thread();
    await this.loaded;
  }

  post(request: SignedPost): Promise<AttemptResult> {
    if (this.closed) return Promise.resolve(failure('THREAD_CLOSED', 'the delivery thread is closed'));
    return new Promise((resolve) => {
      const id = this.nextId++;
      const deadline = setTimeout(() => this.stuck(), request.timeoutMs + STUCK_GRACE_MS);
      this.waiting.set(id, { resolve, deadline });
      if (this.outgoing.length === 0) queueMicrotask(() => this.send());
      this.outgoing.push([id, request]);
    });
  }

  private send(): void {
    const requests = this.outgoing;
    this.outgoing = [];
    const worker = this.thread();
    worker.ref();
    worker.postMessage(requests);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const { file, execArgv } = threadScript();
    const worker = new Worker(file, { execArgv });
    this.loaded = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the delivery thread stopped while loading (exit code ${code})`)));
    });
    // Awaited by start; a thread started by a delivery reports its failure through the delivery.
    this.loaded.catch(() => undefined);
    worker.on('message', (answers: Array<[number, AttemptResult]> | 'ready') => {
      if (answers !== 'ready') for (const [id, result] of answers) this.settle(id, result);
      // An idle thread does not keep the process alive.
      if (this.waiting.size === 0) worker.unref();
    });
    worker.on('error', (error) => this.lost(worker, `the delivery thread failed: ${error.message}`));
    worker.on('exit', (code) => this.lost(worker, `the delivery thread stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, result: AttemptResult): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    clearTimeout(waiting.deadline);
    waiting.resolve(result);
  }

  /** The thread is gone: what waited on it is failed, retryably; the next delivery starts a new one. */
  private lost(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const id of [...this.waiting.keys()]) this.settle(id, failure('THREAD_LOST', `${message} before the answer`));
  }

  /** A request outlived its own deadline by STUCK_GRACE_MS: the thread no longer answers, so it is replaced. */
  private stuck(): void {
    const worker = this.worker;
    if (!worker) return;
    this.lost(worker, 'the delivery thread stopped answering');
    void worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.lost(worker, 'the delivery thread was closed');
    await worker.terminate();
  }
}

function failure(code: string, message: string): AttemptResult {
  return { ok: false, retryable: true, code, message };
}
