import { formatDateTime } from '@keyport/common';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';

describe('CRM pages: organisations and contacts', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  async function loggedIn(role: Role): Promise<PageClient> {
    const user = await newUser(app, role);
    const page = new PageClient(app);
    await page.login(user.email, TEST_PASSWORD);
    return page;
  }

  it('shows likely duplicates before saving, and saves only when told it is another organisation', async () => {
    const existing = await newOrganisation(app, { name: `Bakkerij Smeets ${Date.now()}`, municipality: 'Maasgouw' });
    const page = await loggedIn(Role.AccountManager);
    await page.get('/crm/organisations/new');
    const form = { name: `${existing.name} B.V.`, type: 'company', municipality: 'maasgouw', kvkNumber: '', tags: 'brood, ambacht' };
    const warned = await page.post('/crm/organisations', form);
    expect(warned.statusCode).toBe(409);
    expect(warned.body).toContain('Deze organisatie bestaat misschien al');
    expect(warned.body).toContain(`href="/crm/organisations/${existing.id}"`);
    expect(warned.body).toContain('name="allowDuplicate"');
    const saved = await page.post('/crm/organisations', { ...form, allowDuplicate: 'on' });
    expect(saved.statusCode).toBe(303);
    const shown = await page.get(saved.headers.location as string);
    expect(shown.body).toContain(`Organisatie ${existing.name} B.V. is aangemaakt.`);
    expect(shown.body).toContain('ambacht');
  });

  it('shows field errors inline and keeps what was typed', async () => {
    const page = await loggedIn(Role.Organiser);
    await page.get('/crm/organisations/new');
    const res = await page.post('/crm/organisations', { name: '<b>Stoute</b> BV', type: 'company', kvkNumber: '123', website: 'geen-url' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="e-kvkNumber"');
    expect(res.body).toContain('kvkNumber must be 8 digits');
    expect(res.body).toContain('id="e-website"');
    expect(res.body).toContain('value="&lt;b&gt;Stoute&lt;/b&gt; BV"');
    expect(res.body).not.toContain('<b>Stoute</b>');
  });

  it('lists with search, filters, paging and exports', async () => {
    const tag = `lijst${Date.now()}`;
    for (let i = 0; i < 3; i++) await newOrganisation(app, { name: `Lijstbedrijf ${tag} ${i}`, municipality: i === 2 ? 'Venlo' : 'Weert', tags: [tag] });
    const page = await loggedIn(Role.AccountManager);
    const list = await page.get(`/crm/organisations?tag=${tag}&municipality=outside`);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`Lijstbedrijf ${tag} 2`);
    expect(list.body).not.toContain(`Lijstbedrijf ${tag} 0`);
    const paged = await page.get(`/crm/organisations?tag=${tag}&pageSize=2&sort=name&dir=desc`);
    expect(paged.body).toContain('Pagina 1 van 2');
    expect(paged.body).toContain(`Lijstbedrijf ${tag} 2`);
    expect(paged.body).toContain('rel="next"');
    const csv = await page.get(`/crm/organisations/export?format=csv&tag=${tag}`);
    expect(csv.body.trim().split('\r\n')).toHaveLength(4);
  });

  it('shows an organisation with its people and a timeline, and admins merge from the page', async () => {
    const keep = await newOrganisation(app, { name: `Tijdlijn ${Date.now()}` });
    const gone = await newOrganisation(app, { name: `${keep.name} dubbel`, municipality: 'Leudal' });
    const person = await newContact(app, { organisations: [{ organisationId: gone.id, role: 'Directeur' }] });
    const admin = await loggedIn(Role.Admin);
    const mergePage = await admin.get(`/crm/organisations/${keep.id}/merge`);
    expect(mergePage.body).toContain(gone.name);
    const merged = await admin.post(`/crm/organisations/${keep.id}/merge`, { mergeId: gone.id });
    expect(merged.statusCode).toBe(303);
    const shown = await admin.get(`/crm/organisations/${keep.id}`);
    expect(shown.body).toContain(`${gone.name} is samengevoegd met deze organisatie`);
    expect(shown.body).toContain(`href="/crm/contacts/${person.id}"`);
    expect(shown.body).toContain('samengevoegd');
    const old = await admin.get(`/crm/organisations/${gone.id}`);
    expect(old.statusCode).toBe(303);
    expect(old.headers.location).toBe(`/crm/organisations/${keep.id}`);
    const manager = await loggedIn(Role.AccountManager);
    expect((await manager.get(`/crm/organisations/${keep.id}/merge`)).statusCode).toBe(403);
  });

  it('creates a person at an organisation, records consent with its source, and an admin erases them after confirming', async () => {
    const org = await newOrganisation(app);
    const page = await loggedIn(Role.Admin);
    await page.get(`/crm/contacts/new?organisationId=${org.id}`);
    expect(page.lastHtml).toContain(`value="${org.id}" selected`);
    const noSource = await page.post('/crm/contacts', { firstName: 'Lotte', lastName: `Claessen ${Date.now()}`, email: `lotte.${Date.now()}@example.nl`, organisationId: org.id, role: 'Inkoop', mailingConsent: 'on' });
    expect(noSource.statusCode).toBe(400);
    expect(noSource.body).toContain('id="e-consentSource"');
    const created = await page.post('/crm/contacts', { firstName: 'Lotte', lastName: `Claessen ${Date.now()}`, email: `lotte.${Date.now()}@example.nl`, organisationId: org.id, role: 'Inkoop', mailingConsent: 'on', consentSource: 'telefonisch' });
    expect(created.statusCode).toBe(303);
    const shown = await page.get(created.headers.location as string);
    expect(shown.body).toContain('telefonisch');
    expect(shown.body).toContain(org.name);
    const id = (created.headers.location as string).split('/').pop();
    const unconfirmed = await page.post(`/crm/contacts/${id}/erase`, {});
    expect(unconfirmed.statusCode).toBe(303);
    expect((await page.get(`/crm/contacts/${id}`)).body).toContain('Vink eerst aan');
    await page.post(`/crm/contacts/${id}/erase`, { confirm: 'on' });
    const erased = await page.get(`/crm/contacts/${id}`);
    expect(erased.body).toContain('De persoonsgegevens zijn gewist.');
    expect(erased.body).not.toContain('Lotte');
  });

  it('ticks interests on the form without JavaScript, filters the list by one, and shows an unsubscribe and a bounce with date and reason', async () => {
    const page = await loggedIn(Role.Organiser);
    const form = await page.get('/crm/contacts/new');
    for (const line of ['innovation', 'entrepreneurship', 'labour_market', 'project_development', 'communication']) {
      expect(form.body).toContain(`type="checkbox" id="f-interest-${line}" name="interests" value="${line}"`);
    }
    expect(form.body).toContain('Arbeidsmarktoptimalisatie');
    const lastName = `Interesse ${Date.now()}`;
    const bad = await page.post('/crm/contacts', { firstName: 'Fenna', lastName, email: `fenna.${Date.now()}@example.nl`, interests: 'tuinieren' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="e-interests"');
    const created = await page.post('/crm/contacts', { firstName: 'Fenna', lastName, email: `fenna.${Date.now()}@example.nl`, interests: 'labour_market' });
    expect(created.statusCode).toBe(303);
    const url = created.headers.location as string;
    const id = url.split('/').pop()!;
    expect((await page.get(url)).body).toMatch(/<dt>Interesses<\/dt>\s*<dd>Arbeidsmarktoptimalisatie<\/dd>/);
    const edit = await page.get(`${url}/edit`);
    expect(edit.body).toContain('value="labour_market" checked');
    expect(edit.body).not.toContain('value="innovation" checked');

    const listed = await page.get(`/crm/contacts?q=${encodeURIComponent(lastName)}&interest=labour_market`);
    expect(listed.body).toContain(`href="/crm/contacts/${id}"`);
    expect(listed.body).toContain('<option value="labour_market" selected>');
    expect((await page.get(`/crm/contacts?q=${encodeURIComponent(lastName)}&interest=innovation`)).body).not.toContain(`href="/crm/contacts/${id}"`);

    // The edit form posts no `interests` when nothing is ticked: that clears them.
    await page.get(`${url}/edit`);
    expect((await page.post(url, { firstName: 'Fenna', lastName, language: 'nl', interests: 'innovation' })).statusCode).toBe(303);
    expect((await page.get(`${url}/edit`)).body).toContain('value="innovation" checked');
    expect((await page.post(url, { firstName: 'Fenna', lastName, language: 'nl' })).statusCode).toBe(303);
    expect((await page.get(url)).body).toMatch(/<dt>Interesses<\/dt>\s*<dd>Niet opgegeven<\/dd>/);

    expect((await page.get(url)).body).not.toContain('id="bounced-notice"');
    await app.get(DataSource).query(
      `UPDATE contacts SET unsubscribed_at = '2026-03-02T09:15:00Z', bounced_at = '2026-03-01T10:00:00Z', bounce_reason = '550 5.1.1 <fenna@example.nl>: mailbox unknown' WHERE id = $1`,
      [id],
    );
    const shown = await page.get(url);
    expect(shown.body).toContain('id="unsubscribed-notice"');
    expect(shown.body).toContain(`Afgemeld voor mailings op ${formatDateTime('2026-03-02T09:15:00Z', 'nl')}.`);
    expect(shown.body).toContain('id="bounced-notice"');
    expect(shown.body).toContain(`E-mail aan dit adres kwam terug op ${formatDateTime('2026-03-01T10:00:00Z', 'nl')}`);
    expect(shown.body).toContain('Reden: 550 5.1.1 &lt;fenna@example.nl&gt;: mailbox unknown');
  });
});

describe('the language switch on filtered lists', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('switches to English on a page whose filters refuse unknown fields', async () => {
    const user = await newUser(app, Role.Organiser);
    const page = new PageClient(app);
    await page.login(user.email, TEST_PASSWORD);
    const res = await page.get('/crm/organisations?lang=en&type=company');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).toContain('New organisation');
    expect((await page.get('/crm/contacts')).body).toContain('<html lang="en">');
  });
});
