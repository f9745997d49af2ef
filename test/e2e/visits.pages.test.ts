import { OrganisationsService } from '@keyport/crm';
import { todayInAmsterdam } from '@keyport/crm/visits';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';

function day(days: number): string {
  const [y, m, d] = todayInAmsterdam().split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Attribute values as the browser reads them (Handlebars escapes & and =). */
const decode = (html: string) => html.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');

describe('visit, question and follow-up pages (forms without JavaScript)', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  async function loggedIn(role: Role, name?: string) {
    const user = await newUser(app, role, name ? { name } : {});
    const page = new PageClient(app);
    await page.login(user.email, TEST_PASSWORD);
    return { page, user };
  }

  it('finds the organisation by name first, then offers the visit form with its people', async () => {
    const stamp = Date.now().toString(36);
    const { page, user } = await loggedIn(Role.AccountManager);
    const org = await newOrganisation(app, { name: `Zz Hoveniersbedrijf Peeters ${stamp}`, municipality: 'Nederweert', accountManagerId: user.id });
    await newOrganisation(app, { name: `Zz Hoveniersbedrijf Peeters ${stamp} Zuid`, municipality: 'Weert' });
    const contact = await newContact(app, { firstName: 'Els', lastName: `Peeters ${stamp}`, organisations: [{ organisationId: org.id, role: 'Eigenaar' }] });

    // The suggestions start with the organisations this account manager looks after (however many others exist).
    const start = await page.get('/crm/visits/new');
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain('list="organisation-names"');
    expect(start.body).toContain(`<datalist id="organisation-names"><option value="Zz Hoveniersbedrijf Peeters ${stamp}"></option>`);

    const two = await page.get(`/crm/visits/new?organisation=${encodeURIComponent(`peeters ${stamp}`)}`);
    expect(two.body).toContain('Kies de organisatie (2 gevonden)');
    expect(two.body).toContain(`href="/crm/visits/new?organisationId=${org.id}"`);

    const exact = await page.get(`/crm/visits/new?organisation=${encodeURIComponent(`Zz Hoveniersbedrijf Peeters ${stamp}`)}`);
    expect(exact.body).toContain(`name="organisationId" value="${org.id}"`);
    expect(exact.body).toContain(`value="${contact.id}"`);
    expect(exact.body).toContain('(Eigenaar)');
    expect(exact.body).toContain(`name="visitedOn" type="date" value="${day(0)}"`);

    const none = await page.get('/crm/visits/new?organisation=bestaat-echt-niet-xyz');
    expect(none.statusCode).toBe(404);
    expect(none.body).toContain('id="e-organisation"');
    expect(none.body).toContain('Geen organisatie gevonden met &quot;bestaat-echt-niet-xyz&quot;.');
    expect((await page.get(`/crm/visits/new?organisationId=00000000-0000-4000-8000-000000000000`)).statusCode).toBe(404);
  });

  it('shows errors next to the fields, keeps what was typed, then saves visit, question and follow-up and says so', async () => {
    const org = await newOrganisation(app, { municipality: 'Roerdalen' });
    const contact = await newContact(app, { organisations: [{ organisationId: org.id }] });
    const { page, user } = await loggedIn(Role.AccountManager);
    await page.get(`/crm/visits/new?organisationId=${org.id}`);
    const form = {
      organisationId: org.id,
      visitedOn: day(2),
      accountManagerId: user.id,
      contactIds: contact.id,
      programmeLines: 'innovation',
      themes: 'Robotisering, <script>x</script>',
      notes: 'Gesprek <b>vet</b>',
      question: '',
      questionContactId: contact.id,
      followUpDescription: '',
      followUpAssigneeId: user.id,
      followUpDueOn: '31-12-2018',
    };
    const bad = await page.post('/crm/visits', form);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="e-question"');
    expect(bad.body).toContain('Dit veld is verplicht.');
    expect(bad.body).toContain('id="e-followUpDescription"');
    expect(bad.body).toContain('id="e-followUpDueOn"');
    expect(bad.body).toContain('Vul een geldige datum in (jjjj-mm-dd).');
    expect(bad.body).toContain('aria-describedby="e-followUpDueOn"');
    expect(bad.body).toContain('Gesprek &lt;b&gt;vet&lt;/b&gt;');
    expect(bad.body).not.toContain('<b>vet</b>');
    expect(bad.body).toMatch(new RegExp(`value="${contact.id}" checked`));

    const future = await page.post('/crm/visits', { ...form, question: 'Hoe robotiseren we de assemblage?', followUpDescription: 'Cobot-demo plannen', followUpDueOn: day(-1) });
    expect(future.statusCode).toBe(400);
    expect(future.body).toContain('id="e-visitedOn"');
    expect(future.body).toContain('Deze datum mag niet in de toekomst liggen.');

    const saved = await page.post('/crm/visits', { ...form, visitedOn: day(0), question: 'Hoe robotiseren we de assemblage?', followUpDescription: 'Cobot-demo plannen', followUpDueOn: day(-1) });
    expect(saved.statusCode).toBe(303);
    const shown = await page.get(saved.headers.location as string);
    expect(shown.body).toContain(`Het bezoek aan ${org.name} is vastgelegd.`);
    expect(shown.body).toContain('Hoe robotiseren we de assemblage?');
    expect(shown.body).toContain('Cobot-demo plannen');
    expect(shown.body).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(shown.body).toContain('Te laat');

    const home = await page.get('/');
    expect(home.body).toContain('Mijn open acties');
    expect(home.body).toContain('Cobot-demo plannen');
    expect(home.body).toContain('Mijn recente bezoeken');
    expect(home.body).toContain(org.name);
  });

  it('sends a visit without a usable organisation back to choosing one, and a merged one to its survivor', async () => {
    const { page, user } = await loggedIn(Role.AccountManager);
    await page.get('/crm/visits/new');
    const none = await page.post('/crm/visits', { visitedOn: day(0), accountManagerId: user.id, question: 'Zomaar een vraag' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('id="e-organisation"');
    expect(none.body).toContain('Kies een bestaande organisatie.');

    const [keep, gone] = [await newOrganisation(app), await newOrganisation(app)];
    const admin = await newUser(app, Role.Admin);
    await app.get(OrganisationsService).merge({ id: admin.id, role: admin.role, name: admin.name, email: admin.email }, keep.id, gone.id);
    const merged = await page.post('/crm/visits', { organisationId: gone.id, visitedOn: day(0), accountManagerId: user.id });
    expect(merged.statusCode).toBe(400);
    expect(merged.body).toContain('Deze organisatie is samengevoegd met een andere; kies die.');
    const link = await page.get(`/crm/visits/new?organisationId=${gone.id}`);
    expect(link.statusCode).toBe(303);
    expect(link.headers.location).toBe(`/crm/visits/new?organisationId=${keep.id}`);
    expect((await page.get(link.headers.location as string)).body).toContain(`name="organisationId" value="${keep.id}"`);
  });

  it('refuses a form post without the form token', async () => {
    const org = await newOrganisation(app);
    const { page } = await loggedIn(Role.Organiser);
    await page.get(`/crm/visits/new?organisationId=${org.id}`);
    const res = await page.post('/crm/visits', { organisationId: org.id, visitedOn: day(0) }, { csrf: false });
    expect(res.statusCode).toBe(403);
    const count = await app.get(DataSource).query(`SELECT count(*)::int AS n FROM company_visits WHERE organisation_id = $1`, [org.id]);
    expect(count[0].n).toBe(0);
  });

  it('edits a visit and adds a question and a follow-up on its page', async () => {
    const org = await newOrganisation(app);
    const [a, b] = [await newContact(app, { organisations: [{ organisationId: org.id }] }), await newContact(app, { organisations: [{ organisationId: org.id }] })];
    const { page, user } = await loggedIn(Role.Organiser);
    await page.get(`/crm/visits/new?organisationId=${org.id}`);
    const saved = await page.post('/crm/visits', { organisationId: org.id, visitedOn: day(-5), accountManagerId: user.id, contactIds: a.id, followUpAssigneeId: user.id });
    const url = saved.headers.location as string;

    const edit = await page.get(`${url}/edit`);
    expect(edit.body).toMatch(new RegExp(`value="${a.id}" checked`));
    const wrongDate = await page.post(url, { visitedOn: '', accountManagerId: user.id, contactIds: b.id });
    expect(wrongDate.statusCode).toBe(400);
    expect(wrongDate.body).toContain('id="e-visitedOn"');
    expect(wrongDate.body).toMatch(new RegExp(`value="${b.id}" checked`));
    const changed = await page.post(url, { visitedOn: day(-4), accountManagerId: user.id, contactIds: b.id, programmeLines: 'labour_market', themes: 'LLL', notes: '' });
    expect(changed.statusCode).toBe(303);
    const after = await page.get(url);
    expect(after.body).toContain('Het bezoek is opgeslagen.');
    expect(after.body).toContain('Arbeidsmarktoptimalisatie');
    expect(after.body).toContain(`href="/crm/contacts/${b.id}"`);
    expect(after.body).not.toContain(`href="/crm/contacts/${a.id}"`);

    const noText = await page.post(`${url}/questions`, { question: ' ' });
    expect(noText.statusCode).toBe(400);
    expect(noText.body).toContain('id="e-question"');
    expect(noText.body).toMatch(/<details open>\s*<summary>Innovatievraag toevoegen/);
    const added = await page.post(`${url}/questions`, { question: 'Welke opleiding past?', questionContactId: b.id });
    expect(added.statusCode).toBe(303);
    const followUp = await page.post(`${url}/follow-ups`, { followUpDescription: 'Gilde bellen', followUpAssigneeId: user.id, followUpDueOn: day(3) });
    expect(followUp.statusCode).toBe(303);
    const full = await page.get(url);
    expect(full.body).toContain('De vervolgactie is toegevoegd.');
    expect(full.body).toContain('Welke opleiding past?');
    expect(full.body).toContain('Gilde bellen');
  });

  it('answers and reopens a question on its page, with the answer errors inline', async () => {
    const org = await newOrganisation(app);
    const { page } = await loggedIn(Role.AccountManager);
    await page.get('/crm/visits/new');
    const visit = await page.post('/crm/visits', { organisationId: org.id, visitedOn: day(0), question: 'Wie kan ons helpen met 3D-printen?' });
    const shown = await page.get(visit.headers.location as string);
    const questionUrl = shown.body.match(/href="(\/crm\/questions\/[0-9a-f-]+)"/)![1];

    await page.get(questionUrl);
    const bad = await page.post(`${questionUrl}/answer`, { answeredByName: 'Brightlands', answeredOn: day(1) });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="e-answeredBy"');
    expect(bad.body).toContain('Kies een van de mogelijkheden.');
    expect(bad.body).toContain('value="Brightlands"');
    const future = await page.post(`${questionUrl}/answer`, { answeredBy: 'knowledge_institute', answeredOn: day(1) });
    expect(future.body).toContain('Deze datum mag niet in de toekomst liggen.');
    const ok = await page.post(`${questionUrl}/answer`, { answeredBy: 'knowledge_institute', answeredByName: 'Brightlands Campus', answer: 'Printlab', answeredOn: day(0) });
    expect(ok.statusCode).toBe(303);
    const answered = await page.get(questionUrl);
    expect(answered.body).toContain('De vraag is als beantwoord vastgelegd.');
    expect(answered.body).toContain('Een kennisinstelling: Brightlands Campus');
    const reopened = await page.post(`${questionUrl}/reopen`, {});
    expect(reopened.statusCode).toBe(303);
    expect((await page.get(questionUrl)).body).toContain('De vraag staat weer open.');

    const list = await page.get(`/crm/questions?organisationId=${org.id}&status=open`);
    expect(list.body).toContain('Wie kan ons helpen met 3D-printen?');
    const csv = await page.get(`/crm/questions/export?format=csv&organisationId=${org.id}`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('Wie kan ons helpen met 3D-printen?');
  });

  it('lists open follow-ups by default, marks one done with a small form and goes back to the list', async () => {
    const org = await newOrganisation(app, { name: `Actiebedrijf ${Date.now()}` });
    const { page, user } = await loggedIn(Role.AccountManager);
    await page.get('/crm/visits/new');
    await page.post('/crm/visits', { organisationId: org.id, visitedOn: day(0), followUpDescription: 'Offerte nabellen', followUpAssigneeId: user.id, followUpDueOn: day(-2) });
    const listUrl = `/crm/follow-ups?organisationId=${org.id}`;
    const list = await page.get(listUrl);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Offerte nabellen');
    expect(list.body).toContain('Te laat');
    expect(decode(list.body)).toContain(`/crm/follow-ups/export?format=csv&organisationId=${org.id}&status=open`);
    const id = list.body.match(/action="\/crm\/follow-ups\/([0-9a-f-]+)\/done"/)![1];

    const done = await page.post(`/crm/follow-ups/${id}/done`, { returnTo: listUrl });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(listUrl);
    const after = await page.get(listUrl);
    expect(after.body).toContain('Actie afgerond: Offerte nabellen');
    expect(after.body).not.toContain('href="/crm/follow-ups/' + id + '"');
    const all = await page.get(`${listUrl}&status=done`);
    expect(all.body).toContain('Offerte nabellen');

    const elsewhere = await page.post(`/crm/follow-ups/${id}/undone`, { returnTo: '//evil.example/' });
    expect(elsewhere.headers.location).toBe(`/crm/follow-ups/${id}`);
    const xlsx = await page.get(`/crm/follow-ups/export?format=xlsx&organisationId=${org.id}&status=all`);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');

    await page.get(`/crm/follow-ups/${id}`);
    const edited = await page.post(`/crm/follow-ups/${id}`, { description: '', assigneeId: user.id, dueOn: '' });
    expect(edited.statusCode).toBe(400);
    expect(edited.body).toContain('id="e-description"');
    const ok = await page.post(`/crm/follow-ups/${id}`, { description: 'Offerte mailen', assigneeId: user.id, dueOn: '' });
    expect(ok.statusCode).toBe(303);
    expect((await page.get(`/crm/follow-ups/${id}`)).body).toContain('geen datum');
  });

  it('shows the lists in English on request, and invalid filters next to the filter', async () => {
    const { page } = await loggedIn(Role.Organiser);
    const en = await page.get('/crm/visits?lang=en');
    expect(en.statusCode).toBe(200);
    expect(en.body).toContain('Company visits');
    const bad = await page.get('/crm/visits?from=gisteren');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="e-from"');
    expect(bad.body).toContain('Enter a valid date (yyyy-mm-dd).');
    expect((await page.get('/crm/questions?lang=nl')).body).toContain('Innovatievragen');
  });
});
