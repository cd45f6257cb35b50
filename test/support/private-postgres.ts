// A Postgres server of the test's own, on a spare loopback port, for tests that restart or stop
// Postgres (the shared server at 5432 is never touched). initdb and pg_ctl from the machine's
// PostgreSQL; Postgres refuses to run as root, so as root they run as the `postgres` OS user.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitUntil } from './followups.js';
import { freePort } from './redis.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  port: number;
  /** The server's `postgres` database, for createTestDatabase(adminUrl). */
  adminUrl: string;
  /** Stops the server: 'immediate' is a crash (recovery from WAL at the next start), 'fast' a clean stop. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes the server and its data. */
  destroy(): Promise<void>;
}

/** The directory of initdb and pg_ctl: the newest /usr/lib/postgresql/<n>/bin, else PATH. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return '';
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : '';
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const tool = (name: string) => (bin ? path.join(bin, name) : name);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-test-pg-'));
  if (asRoot) {
    const owner = await osUser('postgres');
    chownSync(dir, owner.uid, owner.gid);
  }
  const pgRun = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', tool(name), ...args]) : run(tool(name), args);
  const data = path.join(dir, 'data');
  const port = await freePort();
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c max_connections=60',
  ].join(' ');
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = false;
  const start = async () => {
    await pgRun('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    running = true;
    await waitUntil(
      async () => {
        const c = new pg.Client({ connectionString: adminUrl });
        try {
          await c.connect();
          await c.query('SELECT 1');
          return true;
        } catch {
          return false;
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      30_000,
      'private Postgres accepting connections',
    );
  };
  const stop = async (mode: 'immediate' | 'fast' = 'fast') => {
    if (!running) return;
    await pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
  };
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    adminUrl,
    stop,
    start,
    destroy: async () => {
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
