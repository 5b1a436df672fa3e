/** One result waiting to be written, with the caller's promise. */
interface PendingStore {
  readonly key: string;
  readonly document: string;
  readonly ttlMs: number;
  resolve(): void;
  reject(err: unknown): void;
}

/** Writes a batch of stores; resolves with an error (or undefined) per store, in order. */
export type StoreWriter = (stores: ReadonlyArray<Omit<PendingStore, 'resolve' | 'reject'>>) => Promise<unknown[]>;

/**
 * Gathers the stores requested during one turn of the event loop and hands them to the writer
 * together. With ioredis most of a store's cost is per command object and per round trip, so
 * one MULTI holding DEL + LPUSH + PEXPIRE for each key costs about half of one MULTI per key,
 * while every key is still written exactly as Dramatiq writes it.
 */
export class StoreBatch {
  private pending: PendingStore[] = [];
  private scheduled = false;

  constructor(
    private readonly write: StoreWriter,
    /** Largest batch: beyond it a new one starts, so one transaction stays small. */
    private readonly maxBatch = 256,
  ) {}

  add(key: string, document: string, ttlMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ key, document, ttlMs, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not nextTick: the stores of every actor that finished in this turn's I/O join.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.write(batch).then(
      (errors) => batch.forEach((store, i) => (errors[i] ? store.reject(errors[i]) : store.resolve())),
      (err: unknown) => batch.forEach((store) => store.reject(err)),
    );
  }
}
