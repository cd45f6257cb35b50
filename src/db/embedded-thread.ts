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
  | { id: number; op: 'query'; sql: string; params: unknown[]; rowMode: RowMode; textTypes: number[]; tx?: number }
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
  // tsc's output sits beside this file (dist/src/db); the bundle's chunks are in dist/src/chunks.
  const beside = path.join(here, 'embedded-worker.js');
  return new Worker(existsSync(beside) ? beside : path.join(here, '..', 'db', 'embedded-worker.js'), { workerData });
}

/** PGlite's DatabaseError class, loaded with the first database error (the worker's copy cannot cross). */
async function received(e: SentError): Promise<Error> {
  if (e.kind === 'carelog') return new CarelogError(e.code, e.message);
  if (e.kind === 'database') {
    const { messages } = await import('@electric-sql/pglite');
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
      this.#worker.on('message', (m: EmbeddedReply) => {
        if ('ready' in m) {
          this.#idle();
          resolve();
        } else if ('startFailed' in m) void received(m.startFailed).then(reject);
        else this.#settle(m);
      });
      const lost = (err: Error) => {
        this.#gone ??= err;
        reject(err);
        for (const p of this.#pending.values()) p.reject(err);
        this.#pending.clear();
      };
      this.#worker.on('error', () =>
        lost(new CarelogError('database_unavailable', 'the embedded database stopped with an error')),
      );
      this.#worker.on('exit', () => lost(new CarelogError('database_unavailable', 'the embedded database is closed')));
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
    else void received(m.error).then(p.reject);
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
      rowMode,
      textTypes,
      ...(tx === undefined ? {} : { tx }),
    });
    if (textTypes.length) parseColumns(r, rowMode, parsers);
    return r as EmbeddedResults<T>;
  }

  query<T>(sql: string, params?: unknown[], options?: EmbeddedQueryOptions): Promise<EmbeddedResults<T>> {
    return this.#query<T>(sql, params, options);
  }

  exec(sql: string): Promise<EmbeddedResults<unknown>[]> {
    return this.#call({ op: 'exec', sql });
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
      exec: (sql) => this.#call({ op: 'exec', sql, tx: txId }),
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

  /** Closes PGlite (its files synced) and ends the worker. */
  async close(): Promise<void> {
    if (!this.#gone) await this.#call({ op: 'close' });
    await this.#worker.terminate();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Applies the caller's parsers to the columns that came back as text. */
function parseColumns(r: WorkerResults, rowMode: RowMode, parsers: NonNullable<EmbeddedQueryOptions['parsers']>): void {
  r.fields.forEach((f, i) => {
    const parse = parsers[f.dataTypeID];
    if (!parse) return;
    for (const row of r.rows) {
      if (rowMode === 'array') {
        const cells = row as unknown[];
        if (cells[i] !== null) cells[i] = parse(cells[i] as string, f.dataTypeID);
      } else {
        const cells = row as Record<string, unknown>;
        if (cells[f.name] !== null) cells[f.name] = parse(cells[f.name] as string, f.dataTypeID);
      }
    }
  });
}
