/**
 * A read many ask for at once (scrapes, status polls, alert checks): answered from its last
 * result while that is younger than `maxAgeMs`, and by one read in flight however many ask,
 * so the storage sees at most one read per `maxAgeMs` whatever the number of askers.
 */
export class CachedRead<T> {
  private cached?: { value: T; at: number };
  private reading?: Promise<T>;
  /** Bumped by invalidate(), so a read started before it is not kept. */
  private generation = 0;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.cached && this.now() - this.cached.at < this.maxAgeMs) return Promise.resolve(this.cached.value);
    this.reading ??= this.refresh();
    return this.reading;
  }

  /** The next get() reads again. */
  invalidate(): void {
    this.generation += 1;
    this.cached = undefined;
    this.reading = undefined;
  }

  private async refresh(): Promise<T> {
    const generation = this.generation;
    const at = this.now();
    try {
      const value = await this.read();
      if (generation === this.generation) this.cached = { value, at };
      return value;
    } finally {
      if (generation === this.generation) this.reading = undefined;
    }
  }
}
