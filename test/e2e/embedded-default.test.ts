import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@keyport/database';

const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'api', 'src', 'main.js');

/**
 * The README's run line without any service configured: a real process (built by `npm test`), its own
 * embedded PostgreSQL in a fresh data folder, jobs in process, mail in the local mailbox.
 */
describe('the embedded default (npm start with no configuration)', () => {
  let child: ChildProcess;
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'keyport-embedded-'));

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts its own PostgreSQL, serves the login page and prints the admin login', async () => {
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'APP_SECRET', 'ADMIN_EMAIL', 'ADMIN_PASSWORD'].includes(k)) env[k] = v;
    }
    child = spawn(process.execPath, [MAIN], { env: { ...env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));

    const deadline = Date.now() + 45_000;
    let login: Response | undefined;
    while (Date.now() < deadline && child.exitCode === null) {
      login = await fetch(`http://127.0.0.1:${port}/login`).catch(() => undefined);
      if (login?.ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(child.exitCode).toBeNull();
    expect(login?.status).toBe(200);
    expect(await login!.text()).toContain('<form method="post" action="/login"');

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { info: unknown }).info).toMatchObject({ queue: { driver: 'in-process' }, mail: { driver: 'local' } });

    expect(output).toContain(`running at http://localhost:${port}`);
    expect(output).toContain('PostgreSQL: embedded');
    const admin = output.match(/Admin login: (\S+) \/ (\S+)/);
    expect(admin).not.toBeNull();
    const token = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin![1], password: admin![2] }),
    });
    expect(token.status).toBe(200);
  });
});
