// Gathers work that arrives close together so it can be done together: a worker holding many
// reminder jobs at once claims and records their nudges with one statement each instead of one
// per job. An item waits at most `maxWaitMs` for company; a full batch goes at once.

export interface BatchOptions {
  /** A batch goes as soon as it holds this many items. */
  maxSize: number;
  /** How long the first item of a batch waits for others. */
  maxWaitMs: number;
}

/** `run` answers every item, in order: a value, or the Error that item failed with. */
export type TBatchRun<T, R> = (items: T[]) => Promise<(R | Error)[]>;

export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
}

export function createBatcher<T, R>(opts: BatchOptions, run: TBatchRun<T, R>): Batcher<T, R> {
  type TWaiting = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
  let waiting: TWaiting[] = [];
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = waiting;
    waiting = [];
    run(batch.map((w) => w.item)).then(
      (results) => {
        if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} was answered with ${results.length} results`);
        batch.forEach((w, i) => {
          const r = results[i];
          if (r instanceof Error) w.reject(r);
          else w.resolve(r as R);
        });
      },
    ).catch((err: unknown) => batch.forEach((w) => w.reject(err)));
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length >= opts.maxSize) flush();
        else if (!timer) timer = setTimeout(flush, opts.maxWaitMs);
      });
    },
  };
}
