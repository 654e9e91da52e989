/**
 * Gathers the calls made while one event-loop turn runs and sends them on as one batch once
 * that turn's I/O is read (setImmediate), each caller getting its own answer: the requests
 * that arrived together share one round trip, as a group commit shares one fsync. A batch
 * that fails rejects every call in it.
 */
export class TurnBatch<Input, Output> {
  private waiting: Array<{ input: Input; resolve: (output: Output) => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly run: (inputs: Input[]) => Promise<Output[]>) {}

  add(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.flush());
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
