import { Worker } from 'node:worker_threads';
import { threadScript } from '../thread-script';
import type { CommitBatch, CommitResult } from './sqlite-group-commit';

/** Runs group commits; one at a time, in the order given (a database in memory runs them on its own connection). */
export interface Committer {
  commit(batch: CommitBatch): Promise<CommitResult>;
  close(): Promise<void>;
}

export interface WriterSettings {
  path: string;
  busyTimeoutMs: number;
}
export type WriterRequest = CommitBatch | 'close';
export type WriterAnswer = { result: CommitResult } | { error: Error };

/**
 * Group commits on a thread of its own, over a second connection to the file. A commit's
 * inserts and its fsync (synchronous FULL) then no longer hold the event loop that reads
 * requests, verifies them and answers them: while one batch is on its way to the disk, the
 * next one gathers, and a slow fsync delays only the events waiting for it. WAL lets the main
 * thread's connection read meanwhile (the idempotency read before a lane is chosen, the
 * delivery loop's next due time, the queue's depth).
 *
 * Should the thread fail or stop, the commit in flight rejects (its requests answer 503, so
 * the gateway retries) and the next commit starts a new thread. A commit that reached the
 * disk before the thread was lost has recorded its events' keys: the retries are answered as
 * duplicates, and its leased deliveries are queued again when the runtime next starts.
 */
export class SqliteWriterThread implements Committer {
  private worker?: Worker;
  private loaded?: Promise<void>;
  private waiting?: { resolve: (result: CommitResult) => void; reject: (error: Error) => void };

  constructor(private readonly settings: WriterSettings) {}

  /** Starts the thread; rejects when it cannot open the file. */
  async start(): Promise<void> {
    this.thread();
    await this.loaded;
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    if (this.waiting) throw new Error('a group commit is already in flight');
    const worker = this.thread();
    await this.loaded;
    return new Promise<CommitResult>((resolve, reject) => {
      this.waiting = { resolve, reject };
      worker.ref();
      worker.postMessage(batch satisfies WriterRequest);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const { file, execArgv } = threadScript(__dirname, 'sqlite-writer-thread');
    const worker = new Worker(file, { execArgv, workerData: this.settings satisfies WriterSettings });
    this.loaded = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the SQLite writer thread stopped while opening the file (exit code ${code})`)));
    });
    // Awaited by the commit that started it.
    this.loaded.catch(() => undefined);
    worker.on('message', (answer: WriterAnswer | 'ready') => {
      // An idle thread does not keep the process alive.
      worker.unref();
      if (answer === 'ready') return;
      const waiting = this.waiting;
      this.waiting = undefined;
      if ('error' in answer) waiting?.reject(answer.error);
      else waiting?.resolve(answer.result);
    });
    worker.on('error', (error) => this.lost(worker, `the SQLite writer thread failed: ${error.message}`));
    worker.on('exit', (code) => this.lost(worker, `the SQLite writer thread stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private lost(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(new Error(`${message} during a group commit`));
  }

  /** Closes the thread's connection once the commit in flight, if any, has answered. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('close' satisfies WriterRequest);
    await exited;
  }
}
