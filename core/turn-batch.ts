/** When a batch goes out: given the flush, calls it later. */
export type BatchSchedule = (flush: () => void) => void;

/**
 * Gathers the calls made together and sends them on as one batch, each caller getting its own
 * answer: the requests that arrived together share one round trip, as a group commit shares one
 * fsync. A batch that fails rejects every call in it. The schedule decides what "together"
 * means: the runtime passes setImmediate, so every request read in one event-loop turn joins;
 * the default, a microtask, gathers the calls made in one synchronous run (n8n's rules for
 * community nodes forbid setImmediate, and a node's items are evaluated that way).
 */
export class TurnBatch<Input, Output> {
  private waiting: Array<{ input: Input; resolve: (output: Output) => void; reject: (error: unknown) => void }> = [];

  constructor(
    private readonly run: (inputs: Input[]) => Promise<Output[]>,
    private readonly schedule: BatchSchedule = queueMicrotask,
  ) {}

  add(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      if (this.waiting.length === 0) this.schedule(() => void this.flush());
      this.waiting.push({ input, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      const outputs = await this.run(batch.map(({ input }) => input));
      batch.forEach(({ resolve }, index) => resolve(outputs[index]));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }
}
