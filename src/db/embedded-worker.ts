// The embedded database's own thread. PGlite is Postgres compiled to WebAssembly: it runs on the
// thread that calls it, and each query holds that thread until it is done. Here it gets a worker
// thread of its own (started by src/db/embedded-thread.ts), so that
//  - at start, PGlite's WebAssembly compiles and Postgres starts on the second core while the main
//    thread loads carelog's modules (a start is about one second of each; BENCHMARKS.md, "Cold start");
//  - afterwards, a long query (a quarter's digest) no longer stops the main thread answering Slack,
//    whose acknowledgements must arrive within 3 s.
// The main thread sends requests (query, exec, a transaction's begin and end, close) and gets each
// answer, or the error, back as plain data.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import { isCarelogError } from '../errors.js';
import { pgliteWasmModule } from './embedded-preload.js';
import type { EmbeddedReply, EmbeddedRequest, EmbeddedStart, SentError, WorkerResults } from './embedded-thread.js';

// The compile of PGlite's WebAssembly (on a compiler thread) starts first, and PGlite's JavaScript
// loads meanwhile: nothing else is imported ahead of it.
const compiling = pgliteWasmModule();
const pglite = await import('@electric-sql/pglite');

/**
 * Postgres settings for the embedded database, after PGlite's own. Postgres zeroes its shared memory
 * (mostly shared buffers) in WebAssembly memory at every open, with PGlite's memset running as
 * baseline code at start: the default 128 MB took 0.4–0.6 s of a ~1.5 s open on this machine;
 * PGlite.create alone took ~368 ms with 16 MB and ~343 ms with 8 MB (medians of six opens each, taking
 * turns; 4 MB: ~331 ms). One process, one development-sized
 * database: 8 MB holds 1,024 pages, and a page not in them is read from the operating system's file
 * cache, not the disk. A single-user server needs few connection slots.
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=8MB', '-c', 'max_connections=8'];

/** Fills a fresh `pgDir` from the template (when npm install built one) and starts PGlite on it. */
async function startPglite({ pgDir, templateDir }: EmbeddedStart): Promise<PGlite> {
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    const { copyTemplate, findTemplate } = await import('./embedded-template.js');
    const template = findTemplate(templateDir);
    if (template) copyTemplate(template, pgDir);
  }
  const wasm = await compiling;
  return pglite.PGlite.create(pgDir, {
    startParams: [...pglite.PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
    ...(wasm ? { pgliteWasmModule: wasm } : {}),
  });
}

/**
 * What of a database error crosses: Postgres' own fields (SQLSTATE, constraint, …), which the ORM
 * reads. Not the `query`, `params` and `queryOptions` PGlite also hangs on it: the SQL text and
 * values (a client's code, a note) have no business on an error, and the options hold functions,
 * which cannot cross at all.
 */
const DATABASE_ERROR_FIELDS = [
  'length',
  'name',
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

/** An error as plain data: a database error keeps its fields (code, detail, …) for the ORM to read. */
function sent(err: unknown): SentError {
  if (err instanceof pglite.messages.DatabaseError) {
    const fields: Record<string, unknown> = {};
    for (const key of DATABASE_ERROR_FIELDS) if (err[key] !== undefined) fields[key] = err[key];
    return { kind: 'database', message: err.message, fields };
  }
  if (isCarelogError(err)) return { kind: 'carelog', code: err.code, message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'error', name: e.name, message: e.message };
}

/**
 * Rows and fields as they cross to the main thread, rows as arrays of cells (the main thread makes
 * objects of them where asked, as PGlite would: a later column of the same name wins); the caller's
 * own parsers are applied there.
 */
const plain = (r: Results): WorkerResults => ({
  rows: r.rows,
  fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  ...(r.affectedRows === undefined ? {} : { affectedRows: r.affectedRows }),
});

/** A parser that leaves a column's text as it came, for the main thread to parse with the caller's. */
const asText = (value: string) => value;

class Aborted extends Error {}

interface OpenTransaction {
  tx: Transaction;
  /** Ends the transaction: true commits, false rolls back. */
  end: (commit: boolean) => void;
  /** PGlite's transaction(), settled once it has committed or rolled back. */
  finished: Promise<unknown>;
  /** This transaction's requests, one after another in the order they were sent. */
  queue: Promise<unknown>;
}

function serve(pg: PGlite, port: NonNullable<typeof parentPort>): void {
  const open = new Map<number, OpenTransaction>();

  const begin = (txId: number) =>
    new Promise<void>((entered, failed) => {
      let end!: (commit: boolean) => void;
      const finished = pg
        .transaction(async (tx) => {
          const outcome = new Promise<boolean>((resolve) => (end = resolve));
          open.set(txId, { tx, end: (c) => end(c), finished, queue: Promise.resolve() });
          entered();
          if (!(await outcome)) throw new Aborted();
        })
        .finally(() => open.delete(txId));
      // BEGIN itself failed: the callback never ran.
      finished.catch(failed);
    });

  /** An open transaction, or PGlite's own error for one that has ended. */
  const txOf = (txId: number): OpenTransaction => {
    const t = open.get(txId);
    if (!t) throw new Error('Transaction is closed');
    return t;
  };

  const run = async (req: EmbeddedRequest): Promise<unknown> => {
    switch (req.op) {
      case 'query': {
        const on = req.tx === undefined ? pg : txOf(req.tx).tx;
        // PGlite builds a parser table for every query given `parsers`, even an empty one: about
        // twice a short query's time (`npm run bench -- embedded`). Given only when the caller has any.
        const options = req.textTypes.length
          ? { rowMode: 'array' as const, parsers: Object.fromEntries(req.textTypes.map((oid) => [oid, asText])) }
          : { rowMode: 'array' as const };
        return plain(await on.query(req.sql, req.params, options));
      }
      case 'exec': {
        const on = req.tx === undefined ? pg : txOf(req.tx).tx;
        return (await on.exec(req.sql, { rowMode: 'array' })).map(plain);
      }
      case 'begin':
        await begin(req.id);
        return req.id;
      case 'rollback':
        await txOf(req.tx).tx.rollback();
        return null;
      case 'end': {
        const t = txOf(req.tx);
        t.end(req.commit);
        await t.finished.catch((err: unknown) => {
          if (!(err instanceof Aborted)) throw err;
        });
        return null;
      }
      case 'close':
        await pg.close();
        return null;
    }
  };

  port.on('message', (req: EmbeddedRequest) => {
    const reply = (r: EmbeddedReply) => {
      try {
        port.postMessage(r);
      } catch (err) {
        // A value that cannot cross (a result PGlite gave as a type that cannot be cloned) fails
        // its own request only, never the thread.
        port.postMessage({
          id: req.id,
          ok: false,
          error: { kind: 'error', name: (err as Error).name, message: 'the database answer could not be passed on' },
        } satisfies EmbeddedReply);
      }
    };
    const go = () =>
      run(req).then(
        (value) => reply({ id: req.id, ok: true, value }),
        (err: unknown) => reply({ id: req.id, ok: false, error: sent(err) }),
      );
    // A transaction's requests keep their order (a rollback before the end that follows it);
    // everything else goes straight to PGlite, whose own lock orders it against transactions.
    const t = 'tx' in req && req.tx !== undefined ? open.get(req.tx) : undefined;
    if (t) t.queue = t.queue.then(go);
    else void go();
  });
}

if (parentPort) {
  const port = parentPort;
  startPglite(workerData as EmbeddedStart).then(
    (pg) => {
      serve(pg, port);
      port.postMessage({ ready: true } satisfies EmbeddedReply);
    },
    (err: unknown) => port.postMessage({ startFailed: sent(err) } satisfies EmbeddedReply),
  );
}
