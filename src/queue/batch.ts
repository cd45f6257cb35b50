// Gathers work that arrives close together so it can be done together: a worker holding many
// reminder jobs at once claims and records their nudges with one statement each instead of one
// per job. An item waits at most `maxWaitMs` for company while the batcher is idle; while
// `maxInFlight` batches are already running, new items gather until one finishes, so batches grow
// with the load instead of the number of statements (group commit).

export interface BatchOptions {
  /** A batch holds at most this many items. */
  maxSize: number;
  /** How long the first item of a batch waits for others. */
  maxWaitMs: number;
  /** Batches running at once. @defaultValue 2 */
  maxInFlight?: number;
}

/** `run` answers every item, in order: a value, or the Error that item failed with. */
export type TBatchRun<T, R> = (items: T[]) => Promise<(R | Error)[]>;

export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
}

export function createBatcher<T, R>(opts: BatchOptions, run: TBatchRun<T, R>): Batcher<T, R> {
  type TWaiting = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
  const maxInFlight = opts.maxInFlight ?? 2;
  const waiting: TWaiting[] = [];
  let timer: NodeJS.Timeout | null = null;
  let inFlight = 0;
  /** The first waiting item has waited long enough: go as soon as a batch finishes. */
  let due = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    due = false;
    const batch = waiting.splice(0, opts.maxSize);
    inFlight++;
    run(batch.map((w) => w.item))
      .then((results) => {
        if (results.length !== batch.length)
          throw new Error(`a batch of ${batch.length} was answered with ${results.length} results`);
        batch.forEach((w, i) => {
          const r = results[i];
          if (r instanceof Error) w.reject(r);
          else w.resolve(r as R);
        });
      })
      .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
      .finally(() => {
        inFlight--;
        if (waiting.length && (due || waiting.length >= opts.maxSize)) flush();
        else if (waiting.length && !timer) timer = setTimeout(onTimer, opts.maxWaitMs);
      });
  };
  const onTimer = () => {
    timer = null;
    if (inFlight < maxInFlight) flush();
    else due = true;
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length >= opts.maxSize && inFlight < maxInFlight) flush();
        else if (!timer && !due) timer = setTimeout(onTimer, opts.maxWaitMs);
      });
    },
  };
}
