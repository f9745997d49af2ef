import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../utils/app';
import { newUser, TEST_PASSWORD } from '../utils/factories';

async function tokenFor(app: NestFastifyApplication, email: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD } });
  expect(res.statusCode).toBe(200);
  return res.json().token;
}

describe('staff authentication and roles (API)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('boots and reports health 200 with each part', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json().info).toMatchObject({
      database: { status: 'up' },
      queue: { status: 'up', driver: 'in-process' },
      mail: { status: 'up', driver: 'local' },
    });
  });

  it('refuses a wrong password with 401 and gives a token for the right one', async () => {
    const admin = await newUser(app, Role.Admin);
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'not-the-password' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ statusCode: 401, message: 'Wrong email or password' });
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.nl', password: TEST_PASSWORD } });
    expect(unknown.statusCode).toBe(401);

    const token = await tokenFor(app, admin.email.toUpperCase());
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: admin.id, role: 'admin' });
  });

  it('answers 401 to a staff route without a token, and to a forged one', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/users' })).statusCode).toBe(401);
    const admin = await newUser(app, Role.Admin);
    const token = await tokenFor(app, admin.email);
    const [payload, mac] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ sub: admin.id, p: 'api', exp: 9999999999 })).toString('base64url')}.${mac}`;
    expect(payload).not.toBe(forged.split('.')[0]);
    const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${forged}` } });
    expect(res.statusCode).toBe(401);
  });

  it('answers 403 to a role that lacks the right, 200 to one that has it', async () => {
    const manager = await newUser(app, Role.AccountManager);
    const organiser = await newUser(app, Role.Organiser);
    const admin = await newUser(app, Role.Admin);
    for (const user of [manager, organiser]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${await tokenFor(app, user.email)}` } });
      expect(res.statusCode).toBe(403);
    }
    const adminAuth = { authorization: `Bearer ${await tokenFor(app, admin.email)}` };
    const ok = await app.inject({ method: 'GET', url: `/api/v1/users?q=${encodeURIComponent(manager.email)}`, headers: adminAuth });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().items.map((u: { id: string }) => u.id)).toEqual([manager.id]);
  });

  it('refuses a deactivated user at login and with an old token', async () => {
    const admin = await newUser(app, Role.Admin);
    const organiser = await newUser(app, Role.Organiser);
    const adminToken = await tokenFor(app, admin.email);
    const oldToken = await tokenFor(app, organiser.email);
    const patch = await app.inject({ method: 'PATCH', url: `/api/v1/users/${organiser.id}`, headers: { authorization: `Bearer ${adminToken}` }, payload: { active: false } });
    expect(patch.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${oldToken}` } })).statusCode).toBe(401);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: organiser.email, password: TEST_PASSWORD } });
    expect(login.statusCode).toBe(401);
  });

  it('validates input: 400 with each field and reason, nothing written', async () => {
    const admin = await newUser(app, Role.Admin);
    const auth = { authorization: `Bearer ${await tokenFor(app, admin.email)}` };
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: auth,
      payload: { email: 'not-an-email', name: 'x'.repeat(300), role: 'boss', password: 'short', extra: 1 },
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'name', 'role', 'password', 'extra']));
    const list = await app.inject({ method: 'GET', url: '/api/v1/users?q=not-an-email', headers: auth });
    expect(list.json().total).toBe(0);

    const malformed = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"email": ' });
    expect(malformed.statusCode).toBe(400);
    const huge = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a@b.nl', role: 'admin', password: 'long-enough-pw', name: 'x'.repeat(1024 * 1024) }) });
    expect(huge.statusCode).toBe(400);
    expect(huge.json().errors.map((e: { field: string }) => e.field)).toEqual(['name']);
    const flood = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) }) });
    expect(flood.statusCode).toBe(413);
    expect(flood.body).not.toMatch(/at .*\.js/);
  });

  it('creates a user once: the same email again is 409', async () => {
    const admin = await newUser(app, Role.Admin);
    const auth = { authorization: `Bearer ${await tokenFor(app, admin.email)}` };
    const body = { email: 'Sanne.Janssen@Example.nl', name: 'Sanne Janssen', role: 'organiser', password: 'long-enough-password' };
    const first = await app.inject({ method: 'POST', url: '/api/v1/users', headers: auth, payload: body });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ email: 'sanne.janssen@example.nl', role: 'organiser', active: true });
    expect(first.json()).not.toHaveProperty('passwordHash');
    const again = await app.inject({ method: 'POST', url: '/api/v1/users', headers: auth, payload: { ...body, email: 'sanne.janssen@example.nl' } });
    expect(again.statusCode).toBe(409);
  });
});
