// The main thread's side of the embedded database: PGlite runs in a worker thread of its own
// (src/db/embedded-worker.ts says why), and EmbeddedThread stands in for it here with the part of
// PGlite's interface carelog and the ORM's PGlite adapter use: query (with rowMode and parsers),
// exec, transaction (query, exec and rollback inside it) and close. Values cross as structured
// clones (Date, Uint8Array and JSON survive); a caller's parsers are functions, which cannot cross,
// so their columns come back as text and are parsed here; a database error comes back as PGlite's
// own DatabaseError class, which the adapter recognises by instanceof.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CarelogError, type TErrorCode } from '../errors.js';

/** What the worker needs to start PGlite. */
export interface EmbeddedStart {
  pgDir: string;
  /** Where the ready-made template is looked for (src/db/embedded-template.ts). */
  templateDir?: string;
}

type RowMode = 'array' | 'object';
export type EmbeddedRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; textTypes: number[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'rollback'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export type SentError =
  | { kind: 'database'; message: string; fields: Record<string, unknown> }
  | { kind: 'carelog'; code: TErrorCode; message: string }
  | { kind: 'error'; name: string; message: string };

export type EmbeddedReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SentError }
  | { ready: true }
  | { startFailed: SentError };

export interface WorkerResults {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

/** PGlite's query results, as carelog and the adapter read them. */
export interface EmbeddedResults<T> {
  rows: T[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

export interface EmbeddedQueryOptions {
  rowMode?: RowMode;
  /** Parsers by type OID, as PGlite takes them: applied to those columns' text instead of PGlite's. */
  parsers?: Record<number, (value: string, typeId: number) => unknown>;
}

/** The part of PGlite's Transaction carelog and the adapter use. */
export interface EmbeddedTransaction {
  query<T>(sql: string, params?: unknown[], options?: EmbeddedQueryOptions): Promise<EmbeddedResults<T>>;
  exec(sql: string): Promise<EmbeddedResults<unknown>[]>;
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/** The worker's module: beside this one, or, from the bundle's chunks, in dist/src/db. */
function newWorker(workerData: EmbeddedStart): Worker {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (import.meta.url.endsWith('.ts')) {
    // Running from the TypeScript sources (npm run dev, tests): the worker loads them through tsx
    // too. Node 20 does not apply a loader given in a worker's execArgv to the worker's own entry
    // module, so the worker registers tsx first and then imports it.
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = pathToFileURL(path.join(here, 'embedded-worker.ts')).href;
    const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(code, { eval: true, workerData });
  }
  // tsc's output sits beside this file (dist/src/db); the bundle's entry is dist/src/main.js and
  // its chunks are in dist/src/chunks.
  const candidates = [here, path.join(here, 'db'), path.join(here, '..', 'db')].map((d) =>
    path.join(d, 'embedded-worker.js'),
  );
  return new Worker(candidates.find((f) => existsSync(f)) ?? candidates[0]!, { workerData });
}

type PgliteMessages = (typeof import('@electric-sql/pglite'))['messages'];
let pgliteMessages: PgliteMessages | undefined;

/**
 * PGlite's DatabaseError class once a database error has crossed, else undefined: what the ORM's
 * adapter checks errors against in the built bundle (src/db/pglite-for-adapter.ts), where PGlite
 * itself is never loaded on this thread unless an error needs its class.
 */
export function loadedDatabaseError(): PgliteMessages['DatabaseError'] | undefined {
  return pgliteMessages?.DatabaseError;
}

/** An error as the worker sent it: a database error as PGlite's DatabaseError, loaded with the first one. */
async function received(e: SentError): Promise<Error> {
  if (e.kind === 'carelog') return new CarelogError(e.code, e.message);
  if (e.kind === 'database') {
    const messages = (pgliteMessages ??= (await import('@electric-sql/pglite')).messages);
    const fields = e.fields as { length: number; name: 'error' };
    return Object.assign(new messages.DatabaseError(e.message, fields.length, fields.name), e.fields);
  }
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class EmbeddedThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Why the worker is gone, once it is: every later request fails with it. */
  #gone: Error | null = null;
  readonly ready: Promise<void>;

  private constructor(start: EmbeddedStart) {
    this.#worker = newWorker(start);
    this.ready = new Promise((resolve, reject) => {
      /** PGlite's own reason a start failed, once it has arrived: it wins over the exit that follows. */
      let startFailure: Promise<void> | null = null;
      const lost = (err: Error) => {
        this.#gone ??= err;
        reject(err);
        for (const p of this.#pending.values()) p.reject(err);
        this.#pending.clear();
      };
      this.#worker.on('message', (m: EmbeddedReply) => {
        if ('ready' in m) {
          this.#idle();
          resolve();
        } else if ('startFailed' in m) startFailure = received(m.startFailed).then(lost);
        else this.#settle(m);
      });
      // The thread's own error keeps its name and codes as the cause (the logger shows those only).
      this.#worker.on('error', (err) =>
        lost(new CarelogError('database_unavailable', 'the embedded database stopped with an error', { cause: err })),
      );
      this.#worker.on('exit', () => {
        const closed = () => lost(new CarelogError('database_unavailable', 'the embedded database is closed'));
        if (startFailure) void startFailure.then(closed);
        else closed();
      });
    });
  }

  /** Starts the worker and PGlite in it; resolves once the database answers. */
  static async start(start: EmbeddedStart): Promise<EmbeddedThread> {
    const thread = new EmbeddedThread(start);
    try {
      await thread.ready;
    } catch (err) {
      await thread.#worker.terminate();
      throw err;
    }
    return thread;
  }

  /** The worker keeps the process alive only while a request is out, as PGlite on this thread did. */
  #idle(): void {
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #settle(m: Extract<EmbeddedReply, { id: number }>): void {
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    this.#idle();
    if (m.ok) p.resolve(m.value);
    else void received(m.error).then(p.reject, p.reject);
  }

  #call<T>(req: DistributiveOmit<EmbeddedRequest, 'id'>): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...req, id });
    });
  }

  async #query<T>(
    sql: string,
    params: unknown[] = [],
    options: EmbeddedQueryOptions = {},
    tx?: number,
  ): Promise<EmbeddedResults<T>> {
    const rowMode = options.rowMode ?? 'object';
    const parsers = options.parsers ?? {};
    const textTypes = Object.keys(parsers).map(Number);
    const r = await this.#call<WorkerResults>({
      op: 'query',
      sql,
      params,
      textTypes,
      ...(tx === undefined ? {} : { tx }),
    });
    return shaped<T>(r, rowMode, parsers);
  }

  query<T>(sql: string, params?: unknown[], options?: EmbeddedQueryOptions): Promise<EmbeddedResults<T>> {
    return this.#query<T>(sql, params, options);
  }

  async exec(sql: string): Promise<EmbeddedResults<unknown>[]> {
    return (await this.#call<WorkerResults[]>({ op: 'exec', sql })).map((r) => shaped(r, 'object', {}));
  }

  /**
   * Runs `callback` in one transaction: committed when it resolves, rolled back when it throws (the
   * error is rethrown) or when it called `rollback()`. Other requests wait for it, as in PGlite.
   */
  async transaction<T>(callback: (tx: EmbeddedTransaction) => Promise<T>): Promise<T> {
    const txId = await this.#call<number>({ op: 'begin' });
    let closed = false;
    const tx: EmbeddedTransaction = {
      query: (sql, params, options) => this.#query(sql, params, options, txId),
      exec: async (sql) =>
        (await this.#call<WorkerResults[]>({ op: 'exec', sql, tx: txId })).map((r) => shaped(r, 'object', {})),
      rollback: async () => {
        await this.#call({ op: 'rollback', tx: txId });
        closed = true;
      },
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (err) {
      await this.#call({ op: 'end', tx: txId, commit: false });
      throw err;
    }
    await this.#call({ op: 'end', tx: txId, commit: true });
    return result;
  }

  #closing: Promise<void> | null = null;

  /** Closes PGlite (its files synced) and ends the worker, once however often it is called. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (!this.#gone) await this.#call({ op: 'close' });
      } finally {
        await this.#worker.terminate();
      }
    })();
    return this.#closing;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The worker's rows (arrays of cells) as the caller asked for them: the caller's parsers applied to
 * their columns' text, and objects made where the row mode is 'object', a later column of the same
 * name winning, as in PGlite.
 */
function shaped<T>(
  r: WorkerResults,
  rowMode: RowMode,
  parsers: NonNullable<EmbeddedQueryOptions['parsers']>,
): EmbeddedResults<T> {
  const parse = r.fields.map((f) => parsers[f.dataTypeID]);
  const rows = (r.rows as unknown[][]).map((cells) => {
    const values = cells.map((v, i) => (v !== null && parse[i] ? parse[i](v as string, r.fields[i]!.dataTypeID) : v));
    if (rowMode === 'array') return values;
    const row: Record<string, unknown> = {};
    r.fields.forEach((f, i) => (row[f.name] = values[i]));
    return row;
  });
  return { ...r, rows: rows as T[] };
}
