import { Role, UsersService } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { testDatabaseUrl } from '../utils/services';

describe('/health when a part is unusable', () => {
  let app: NestFastifyApplication;
  afterEach(() => app?.close());

  it('answers 503 naming the mail transport when the SMTP server cannot be reached', async () => {
    app = await createTestApp({ SMTP_URL: 'smtp://127.0.0.1:1?ignoreTLS=true' });
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.mail).toMatchObject({ status: 'down', driver: 'smtp' });
    expect(res.json().info.database.status).toBe('up');
  });

  it('answers 503 naming the queue when Redis cannot be reached', async () => {
    app = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.queue).toMatchObject({ status: 'down', driver: 'redis' });
  });
});

describe('rate limits', () => {
  let app: NestFastifyApplication;
  afterEach(() => app?.close());

  it('answers 429 to the login after LOGIN_RATE_LIMIT_PER_MINUTE attempts from one address, API and page alike', async () => {
    app = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.9.9.9', payload: { email: 'x@example.nl', password: 'wrong-password' } });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    const page = await app.inject({ method: 'POST', url: '/login', remoteAddress: '10.9.9.9', headers: { accept: 'text/html' }, payload: { email: 'x', password: 'y' } });
    expect(page.statusCode).toBe(429);
    // Another address is not affected.
    const other = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.9.9.10', payload: { email: 'x@example.nl', password: 'wrong-password' } });
    expect(other.statusCode).toBe(401);
  });

  it('does not limit staff routes, and RATE_LIMIT_PER_MINUTE=0 switches the public limit off', async () => {
    app = await createTestApp({ RATE_LIMIT_PER_MINUTE: '0', LOGIN_RATE_LIMIT_PER_MINUTE: '0' });
    const admin = await newUser(app, Role.Admin);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: TEST_PASSWORD } });
    const auth = { authorization: `Bearer ${login.json().token}` };
    for (let i = 0; i < 80; i++) {
      expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: auth, remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
    }
  });
});

describe('the user CLI', () => {
  it('creates a user through the same rules as the admin page', async () => {
    const cli = join(__dirname, '..', '..', 'dist', 'apps', 'api', 'src', 'cli.js');
    const env = { ...process.env, DATABASE_URL: testDatabaseUrl(), APP_SECRET: TEST_SECRET, REDIS_URL: '', SMTP_URL: '' };
    const email = `cli-${Date.now()}@example.nl`;
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'user:create', '--email', email, '--name', 'Cli User', '--role', 'account_manager'], { env });
    const password = stdout.match(/with password (\S+)/)?.[1];
    expect(password).toBeDefined();
    const again = promisify(execFile)(process.execPath, [cli, 'user:create', '--email', email, '--name', 'Cli User', '--role', 'account_manager'], { env });
    await expect(again).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('A user with this email exists') });

    const app = await createTestApp();
    try {
      const user = await app.get(UsersService).authenticate(email, password!);
      expect(user).toMatchObject({ role: 'account_manager', name: 'Cli User' });
    } finally {
      await app.close();
    }
  });
});
