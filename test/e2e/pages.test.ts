import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../utils/app';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';

describe('staff pages', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('shows a login form in Dutch by default and in English on request', async () => {
    const page = new PageClient(app);
    const nl = await page.get('/login');
    expect(nl.statusCode).toBe(200);
    expect(nl.body).toContain('<form method="post" action="/login"');
    expect(nl.body).toContain('<html lang="nl">');
    expect(nl.body).toContain('Inloggen');
    const en = await page.get('/login?lang=en');
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Log in with your Keyport platform account');
    // The choice is remembered.
    expect((await page.get('/login')).body).toContain('<html lang="en">');
  });

  it('sends anonymous visitors of staff pages to the login, and back after it', async () => {
    const admin = await newUser(app, Role.Admin);
    const page = new PageClient(app);
    const res = await page.get('/admin/users');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fadmin%2Fusers');
    await page.get(res.headers.location as string);
    const login = await page.post('/login', { email: admin.email, password: TEST_PASSWORD, next: '/admin/users' });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/admin/users');
    const list = await page.get(`/admin/users?q=${encodeURIComponent(admin.email)}`);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(admin.email);
  });

  it('refuses a form post without the form token (CSRF)', async () => {
    const admin = await newUser(app, Role.Admin);
    const page = new PageClient(app);
    await page.get('/login');
    const res = await page.post('/login', { email: admin.email, password: TEST_PASSWORD }, { csrf: false });
    expect(res.statusCode).toBe(403);
    const forged = await page.post('/login', { email: admin.email, password: TEST_PASSWORD, _csrf: 'forged' }, { csrf: false });
    expect(forged.statusCode).toBe(403);
  });

  it('shows a wrong password on the form with 401, and never redirects to another site', async () => {
    const admin = await newUser(app, Role.Admin);
    const page = new PageClient(app);
    await page.get('/login');
    const wrong = await page.post('/login', { email: admin.email, password: 'wrong-password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Onjuist e-mailadres of wachtwoord');
    expect(wrong.body).toContain(`value="${admin.email}"`);
    const ok = await page.post('/login', { email: admin.email, password: TEST_PASSWORD, next: '//evil.example/' });
    expect(ok.headers.location).toBe('/');
  });

  it('shows the role-appropriate pages: 403 page for an account manager on user admin', async () => {
    const manager = await newUser(app, Role.AccountManager);
    const page = new PageClient(app);
    await page.login(manager.email, TEST_PASSWORD);
    const home = await page.get('/');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(manager.name);
    expect(home.body).not.toContain('href="/admin/users"');
    const users = await page.get('/admin/users');
    expect(users.statusCode).toBe(403);
    expect(users.body).toContain('Geen toegang');
  });

  it('lets an admin create a user with inline errors first, then a flash message', async () => {
    const admin = await newUser(app, Role.Admin);
    const page = new PageClient(app);
    await page.login(admin.email, TEST_PASSWORD);
    await page.get('/admin/users/new');
    const bad = await page.post('/admin/users', { name: '', email: 'nope', role: 'organiser', password: 'short' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="e-email"');
    expect(bad.body).toContain('Vul een geldig e-mailadres in.');
    expect(bad.body).toContain('id="e-password"');
    expect(bad.body).toContain('aria-invalid="true"');
    const good = await page.post('/admin/users', { name: 'Joep Hendriks', email: 'joep.hendriks@example.nl', role: 'account_manager', password: 'a-good-long-password' });
    expect(good.statusCode).toBe(303);
    const shown = await page.get(good.headers.location as string);
    expect(shown.body).toContain('Gebruiker Joep Hendriks is aangemaakt.');
    const csv = await page.get('/admin/users/export?format=csv&q=joep');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('joep.hendriks@example.nl');
    const xlsx = await page.get('/admin/users/export?format=xlsx');
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });

  it('logs out', async () => {
    const admin = await newUser(app, Role.Admin);
    const page = new PageClient(app);
    await page.login(admin.email, TEST_PASSWORD);
    await page.get('/');
    const out = await page.post('/logout', {});
    expect(out.statusCode).toBe(303);
    expect((await page.get('/')).statusCode).toBe(303);
  });

  it('sets security headers on pages', async () => {
    const res = await app.inject({ method: 'GET', url: '/login' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
