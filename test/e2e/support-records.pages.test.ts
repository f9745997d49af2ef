import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';

describe('support record pages', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  async function loggedIn(role: Role): Promise<PageClient> {
    const user = await newUser(app, role);
    const page = new PageClient(app);
    const res = await page.login(user.email, TEST_PASSWORD);
    expect(res.statusCode).toBe(303);
    return page;
  }

  it('creates a record through the form: inline errors first, then a flash; the list shows it and filters work', async () => {
    const tag = randomUUID().slice(0, 8);
    const bakery = await newOrganisation(app, { name: `Bakkerij Peeters ${tag}`, municipality: 'Weert' });
    const printer = await newOrganisation(app, { name: `Drukkerij Hermans ${tag}`, municipality: 'Roermond' });
    const baker = await newContact(app, { firstName: 'Anouk', lastName: `Peeters ${tag}`, organisations: [{ organisationId: bakery.id }] });
    const page = await loggedIn(Role.AccountManager);

    // From the organisation page: "Add support record" pre-selects it and offers its people.
    const form = await page.get(`/crm/support/new?organisationId=${bakery.id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('<html lang="nl">');
    expect(form.body).toContain('<input type="hidden" name="_csrf"');
    expect(form.body).toContain(`name="organisationIds" value="${bakery.id}" checked> Bakkerij Peeters ${tag} (Weert)`);
    expect(form.body).toContain(`<option value="Drukkerij Hermans ${tag} (Roermond)">`);
    expect(form.body).toContain(`name="contactIds" value="${baker.id}"`);
    expect(form.body).toMatch(/<input id="f-startedOn" name="startedOn" type="date" value="\d{4}-\d{2}-\d{2}"/);

    const empty = await page.post('/crm/support', { kind: '', title: '', startedOn: '', organisationNames: `Bestaat niet ${tag}` });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('id="e-kind"');
    expect(empty.body).toContain('Kies een van de mogelijkheden.');
    expect(empty.body).toContain('id="e-title"');
    expect(empty.body).toContain('Dit veld is verplicht.');
    expect(empty.body).toContain('id="e-startedOn"');
    expect(empty.body).toContain('Vul een geldige datum in (JJJJ-MM-DD).');
    expect(empty.body).toContain('id="e-organisations"');
    expect(empty.body).toContain(`Niet gevonden: Bestaat niet ${tag}. Kies een organisatie uit de lijst.`);
    expect(empty.body).toContain('aria-invalid="true" aria-describedby="e-title"');
    // What was typed stays, to correct.
    expect(empty.body).toContain(`value="Bestaat niet ${tag}"`);

    const backwards = await page.post('/crm/support', {
      kind: 'cluster', title: `Cluster <b>Robotica</b> ${tag}`, programmeLine: '', startedOn: '2025-05-01', endedOn: '2025-04-01', notes: '',
      organisationIds: bakery.id, contactIds: baker.id,
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.body).toContain('id="e-endedOn"');
    expect(backwards.body).toContain('De einddatum ligt voor de startdatum.');
    expect(backwards.body).toContain(`value="Cluster &lt;b&gt;Robotica&lt;/b&gt; ${tag}"`);
    expect(backwards.body).toContain(`name="contactIds" value="${baker.id}" checked`);

    const saved = await page.post('/crm/support', {
      kind: 'cluster', title: `Cluster <b>Robotica</b> ${tag}`, programmeLine: '', startedOn: '2025-03-01', endedOn: '2025-10-31', notes: 'Drie sessies',
      organisationIds: bakery.id, organisationNames: `drukkerij hermans ${tag} (roermond)`, contactIds: baker.id,
    });
    expect(saved.statusCode).toBe(303);
    const location = saved.headers.location as string;
    expect(location).toMatch(/^\/crm\/support\/[0-9a-f-]{36}$/);
    const shown = await page.get(location);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain(`Traject Cluster &lt;b&gt;Robotica&lt;/b&gt; ${tag} is opgeslagen.`);
    expect(shown.body).not.toContain('<b>Robotica</b>');
    expect(shown.body).toContain(`<a href="/crm/organisations/${bakery.id}">Bakkerij Peeters ${tag}</a>`);
    expect(shown.body).toContain(`<a href="/crm/organisations/${printer.id}">Drukkerij Hermans ${tag}</a>`);
    expect(shown.body).toContain(`Anouk Peeters ${tag}`);
    expect(shown.body).toContain('Innovatie'); // the programme line that goes with a cluster
    expect(shown.body).toContain('aangemaakt');

    const list = await page.get(`/crm/support?q=${tag}`);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`<a href="${location}">Cluster &lt;b&gt;Robotica&lt;/b&gt; ${tag}</a>`);
    expect(list.body).toContain('<div class="table-wrap"');
    expect(list.body).toContain('<th scope="col"');
    // Export links keep the filters (Handlebars writes = and & as entities, which browsers read back).
    expect(list.body).toContain(`href="/crm/support/export?q&#x3D;${tag}&amp;format&#x3D;csv"`);
    const has = async (query: string) => (await page.get(`/crm/support?q=${tag}&${query}`)).body.includes(`href="${location}"`);
    expect(await has('kind=cluster')).toBe(true);
    expect(await has('kind=training_trajectory')).toBe(false);
    expect(await has('municipality=Roermond')).toBe(true);
    expect(await has('municipality=Leudal')).toBe(false);
    expect(await has('from=2025-10-01&to=2025-12-31')).toBe(true);
    expect(await has('from=2025-11-01&to=2025-12-31')).toBe(false);
    expect(await has(`organisationId=${printer.id}`)).toBe(true);
    expect(await has(`organisation=${encodeURIComponent(`Bakkerij Peeters ${tag} (Weert)`)}`)).toBe(true);
    expect(await has('organisation=nergens')).toBe(false);

    const csv = await page.get(`/crm/support/export?q=${tag}&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain(`Cluster <b>Robotica</b> ${tag}`);
    expect(csv.body).toContain(`"Bakkerij Peeters ${tag}; Drukkerij Hermans ${tag}"`);

    const english = await page.get(`/crm/support?q=${tag}&lang=en`);
    expect(english.statusCode).toBe(200);
    expect(english.body).toContain('<h1>Support records</h1>');
    expect(english.body).toContain('Cluster or connected-learning group');
  });

  it('edits a record, links and unlinks organisations and persons, and lets only an admin delete it', async () => {
    const tag = randomUUID().slice(0, 8);
    const first = await newOrganisation(app, { name: `Eerste ${tag}`, municipality: 'Leudal' });
    const second = await newOrganisation(app, { name: `Tweede ${tag}`, municipality: 'Maasgouw' });
    const worker = await newContact(app, { firstName: 'Joep', lastName: `Hendriks ${tag}`, organisations: [{ organisationId: second.id }] });
    const page = await loggedIn(Role.Organiser);
    await page.get('/crm/support/new');
    const created = await page.post('/crm/support', { kind: 'training_trajectory', title: `Lasopleiding ${tag}`, startedOn: '2025-01-15', organisationNames: `Eerste ${tag}` });
    expect(created.statusCode).toBe(303);
    const url = created.headers.location as string;
    const id = url.split('/').pop() as string;

    let show = await page.get(url);
    expect(show.body).toContain('Enige organisatie');
    expect(show.body).toContain('Arbeidsmarktoptimalisatie');
    expect(show.body).not.toContain('Traject verwijderen'); // not for organisers

    const unknown = await page.post(`${url}/organisations`, { organisationName: `Derde ${tag}` });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('id="e-organisationName"');
    expect(unknown.body).toContain(`Niet gevonden: Derde ${tag}.`);
    const linked = await page.post(`${url}/organisations`, { organisationName: `Tweede ${tag} (Maasgouw)` });
    expect(linked.statusCode).toBe(303);
    show = await page.get(url);
    expect(show.body).toContain(`Tweede ${tag} is gekoppeld.`);
    expect(show.body).toContain(`<option value="${worker.id}">Joep Hendriks ${tag} (Tweede ${tag})</option>`);

    expect((await page.post(`${url}/contacts`, { contactId: worker.id })).statusCode).toBe(303);
    show = await page.get(url);
    expect(show.body).toContain('De persoon is gekoppeld.');
    expect(show.body).toContain(`<a href="/crm/contacts/${worker.id}">Joep Hendriks ${tag}</a>`);
    expect(show.body).toContain(`aria-label="Ontkoppelen: Joep Hendriks ${tag}"`);

    expect((await page.post(`${url}/organisations/${first.id}/remove`, {})).statusCode).toBe(303);
    show = await page.get(url);
    expect(show.body).toContain('De organisatie is ontkoppeld.');
    expect(show.body).not.toContain(`href="/crm/organisations/${first.id}"`);
    // The last organisation stays: the form offers no button, and a forged post is refused with a message.
    expect((await page.post(`${url}/organisations/${second.id}/remove`, {})).statusCode).toBe(303);
    expect((await page.get(url)).body).toContain('Een traject heeft minstens één organisatie');

    const badEdit = await page.post(url, { kind: 'training_trajectory', title: `Lasopleiding ${tag}`, programmeLine: 'labour_market', startedOn: '2025-01-15', endedOn: '2024-12-31', notes: '' });
    expect(badEdit.statusCode).toBe(400);
    expect(badEdit.body).toContain('aria-invalid="true" aria-describedby="e-endedOn"');
    const edit = await page.post(url, { kind: 'training_trajectory', title: `Lasopleiding MIG ${tag}`, programmeLine: 'labour_market', startedOn: '2025-01-15', endedOn: '2025-06-30', notes: '' });
    expect(edit.statusCode).toBe(303);
    show = await page.get(url);
    expect(show.body).toContain('De wijzigingen zijn opgeslagen.');
    expect(show.body).toContain(`<h1>Lasopleiding MIG ${tag}</h1>`);
    expect(show.body).toContain('value="2025-06-30"');

    expect((await page.post(`${url}/delete`, {})).statusCode).toBe(403);
    const admin = await loggedIn(Role.Admin);
    const adminShow = await admin.get(url);
    expect(adminShow.body).toContain('Traject verwijderen');
    const deleted = await admin.post(`${url}/delete`, {});
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe('/crm/support');
    expect((await admin.get('/crm/support')).body).toContain(`Traject Lasopleiding MIG ${tag} is verwijderd.`);
    expect((await admin.get(`/crm/support/${id}`)).statusCode).toBe(404);
  });

  it('is for staff with a CRM role: anonymous visitors go to the login, forms need the token', async () => {
    const anonymous = new PageClient(app);
    const res = await anonymous.get('/crm/support');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fcrm%2Fsupport');
    const page = await loggedIn(Role.AccountManager);
    await page.get('/crm/support/new');
    expect((await page.post('/crm/support', { kind: 'cluster' }, { csrf: false })).statusCode).toBe(403);
  });
});
