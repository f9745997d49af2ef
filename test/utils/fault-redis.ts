import { freePort } from '@keyport/database';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { createConnection } from 'node:net';

export function redisServerBinary(): string | undefined {
  try {
    return execSync('command -v redis-server', { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const reachable = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => (s.end(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** describe() for a test that runs a redis-server of its own: skipped, saying why, only without the binary. */
export const describeWithRedisServer = (name: string, fn: () => void): void => {
  if (redisServerBinary()) return describe(name, fn);
  // Skipped on purpose: no redis-server binary on this machine (CI installs Redis).
  describe.skip(`${name} [skipped: no redis-server on the PATH]`, fn);
};

/**
 * A redis-server of one test's own on a free port, without persistence: killing it loses everything it
 * held (jobs, schedulers, locks, rate counters), the hardest kind of Redis outage.
 */
export class PrivateRedis {
  private child?: ChildProcess;

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const binary = redisServerBinary();
    if (!binary) throw new Error('no redis-server on the PATH');
    const redis = new PrivateRedis(binary, await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    if (this.child) return;
    this.child = spawn(this.binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !(await reachable(this.port)); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(await reachable(this.port))) throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** SIGKILL: gone at once, with everything it held. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
