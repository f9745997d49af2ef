import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { BODY_LIMIT_BYTES } from '../../apps/api/src/setup-app';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';

const URL = '/api/v1/support-records';

describe('support records API', () => {
  let app: NestFastifyApplication;
  let auth: Record<Role, { authorization: string }>;

  async function tokenFor(email: string): Promise<string> {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    return res.json().token;
  }

  beforeAll(async () => {
    app = await createTestApp();
    const entries = await Promise.all(
      [Role.Admin, Role.Organiser, Role.AccountManager].map(async (role) => [role, { authorization: `Bearer ${await tokenFor((await newUser(app, role)).email)}` }] as const),
    );
    auth = Object.fromEntries(entries) as typeof auth;
  });
  afterAll(() => app.close());

  const fieldsOf = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);

  it('refuses bad input with 400 naming each field and reason, and writes nothing', async () => {
    const org = await newOrganisation(app);
    const headers = auth[Role.AccountManager];
    const bad = await app.inject({
      method: 'POST',
      url: URL,
      headers,
      payload: { kind: 'coffee_meeting', title: '   ', programmeLine: 'sales', startedOn: '2025-02-30', endedOn: 'soon', notes: 'x'.repeat(10_001), organisationIds: [], contactIds: ['nope'], extra: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad.json())).toEqual(expect.arrayContaining(['kind', 'title', 'programmeLine', 'startedOn', 'endedOn', 'notes', 'organisationIds', 'contactIds', 'extra']));
    expect(bad.json().errors.find((e: { field: string }) => e.field === 'kind').message).toContain('kind must be one of the following values');
    expect(bad.json().errors.find((e: { field: string }) => e.field === 'extra').message).toBe('property extra should not exist');

    const backwards = await app.inject({ method: 'POST', url: URL, headers, payload: { kind: 'cluster', title: 'Achterstevoren', startedOn: '2025-05-01', endedOn: '2025-04-01', organisationIds: [org.id] } });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().errors).toMatchObject([{ field: 'endedOn', message: 'endedOn must not be before startedOn' }]);

    const unknownOrg = await app.inject({ method: 'POST', url: URL, headers, payload: { kind: 'cluster', title: 'Onbekend', startedOn: '2025-05-01', organisationIds: [randomUUID()] } });
    expect(unknownOrg.statusCode).toBe(400);
    expect(fieldsOf(unknownOrg.json())).toEqual(['organisationIds']);

    const long = await app.inject({ method: 'POST', url: URL, headers, payload: { kind: 'cluster', title: 'x'.repeat(301), startedOn: '2025-05-01', organisationIds: [org.id] } });
    expect(long.statusCode).toBe(400);
    expect(fieldsOf(long.json())).toEqual(['title']);

    // A 1 MB title is named as too long; a body beyond the server's limit is refused before it is read.
    const huge = await app.inject({
      method: 'POST',
      url: URL,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'cluster', title: 'x'.repeat(1024 * 1024), startedOn: '2025-05-01', organisationIds: [org.id] }),
    });
    expect(huge.statusCode).toBe(400);
    expect(huge.json().errors).toEqual([{ field: 'title', message: 'title must be shorter than or equal to 300 characters' }]);
    const flood = await app.inject({
      method: 'POST',
      url: URL,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'cluster', title: 'x'.repeat(BODY_LIMIT_BYTES + 1), startedOn: '2025-05-01', organisationIds: [org.id] }),
    });
    expect(flood.statusCode).toBe(413);
    expect(flood.body).not.toMatch(/at .*\.js/);

    const list = await app.inject({ method: 'GET', url: `${URL}?organisationId=${org.id}`, headers });
    expect(list.json().total).toBe(0);

    const badQuery = await app.inject({ method: 'GET', url: `${URL}?kind=party&from=yesterday&sort=colour`, headers });
    expect(badQuery.statusCode).toBe(400);
    expect(fieldsOf(badQuery.json())).toEqual(expect.arrayContaining(['kind', 'from', 'sort']));
  });

  it('answers 404 for a record, organisation or contact that does not exist', async () => {
    const headers = auth[Role.Organiser];
    const org = await newOrganisation(app);
    const created = await app.inject({ method: 'POST', url: URL, headers, payload: { kind: 'cluster', title: 'Bestaat', startedOn: '2025-01-01', organisationIds: [org.id] } });
    const id = created.json().id;
    for (const [method, url] of [
      ['GET', `${URL}/${randomUUID()}`],
      ['GET', `${URL}/not-a-uuid`],
      ['PATCH', `${URL}/${randomUUID()}`],
      ['POST', `${URL}/${id}/organisations/${randomUUID()}`],
      ['DELETE', `${URL}/${id}/organisations/${randomUUID()}`],
      ['POST', `${URL}/${id}/contacts/${randomUUID()}`],
      ['DELETE', `${URL}/${id}/contacts/${randomUUID()}`],
    ] as const) {
      const res = await app.inject({ method, url, headers, ...(method === 'PATCH' ? { payload: { title: 'x' } } : {}) });
      expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 404 });
    }
    const gone = await app.inject({ method: 'DELETE', url: `${URL}/${randomUUID()}`, headers: auth[Role.Admin] });
    expect(gone.statusCode).toBe(404);
  });

  it('lets account managers and organisers read and write, only admins delete, nobody anonymous', async () => {
    const org = await newOrganisation(app);
    const other = await newOrganisation(app);
    const person = await newContact(app, { organisations: [{ organisationId: org.id }] });
    const body = { kind: 'funding_support', title: 'MIT-haalbaarheid', startedOn: '2025-04-01', organisationIds: [org.id], contactIds: [person.id] };

    expect((await app.inject({ method: 'GET', url: URL })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: URL, payload: body })).statusCode).toBe(401);

    const created = await app.inject({ method: 'POST', url: URL, headers: auth[Role.AccountManager], payload: body });
    expect(created.statusCode).toBe(201);
    const record = created.json();
    expect(record).toMatchObject({ kind: 'funding_support', programmeLine: 'innovation', startedOn: '2025-04-01', endedOn: null, contactCount: 1 });
    expect(record.contacts).toEqual([expect.objectContaining({ id: person.id, email: person.email })]);
    expect((await app.inject({ method: 'DELETE', url: `${URL}/${record.id}` })).statusCode).toBe(401);

    const patched = await app.inject({ method: 'PATCH', url: `${URL}/${record.id}`, headers: auth[Role.Organiser], payload: { endedOn: '2025-12-31', notes: 'Aanvraag ingediend' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ endedOn: '2025-12-31', notes: 'Aanvraag ingediend' });
    const noOrgs = await app.inject({ method: 'PATCH', url: `${URL}/${record.id}`, headers: auth[Role.Organiser], payload: { organisationIds: [other.id] } });
    expect(noOrgs.statusCode).toBe(400);
    expect(fieldsOf(noOrgs.json())).toEqual(['organisationIds']);

    const linked = await app.inject({ method: 'POST', url: `${URL}/${record.id}/organisations/${other.id}`, headers: auth[Role.AccountManager] });
    expect(linked.statusCode).toBe(200);
    expect(linked.json().organisations.map((o: { id: string }) => o.id).sort()).toEqual([org.id, other.id].sort());
    expect((await app.inject({ method: 'DELETE', url: `${URL}/${record.id}/organisations/${org.id}`, headers: auth[Role.AccountManager] })).statusCode).toBe(200);
    const last = await app.inject({ method: 'DELETE', url: `${URL}/${record.id}/organisations/${other.id}`, headers: auth[Role.AccountManager] });
    expect(last.statusCode).toBe(409);
    const unlinked = await app.inject({ method: 'DELETE', url: `${URL}/${record.id}/contacts/${person.id}`, headers: auth[Role.Organiser] });
    expect(unlinked.json().contacts).toEqual([]);
    expect((await app.inject({ method: 'POST', url: `${URL}/${record.id}/contacts/${person.id}`, headers: auth[Role.Organiser] })).json().contactCount).toBe(1);

    for (const role of [Role.AccountManager, Role.Organiser]) {
      expect((await app.inject({ method: 'DELETE', url: `${URL}/${record.id}`, headers: auth[role] })).statusCode).toBe(403);
    }
    expect((await app.inject({ method: 'GET', url: `${URL}/${record.id}`, headers: auth[Role.AccountManager] })).statusCode).toBe(200);
    const deleted = await app.inject({ method: 'DELETE', url: `${URL}/${record.id}`, headers: auth[Role.Admin] });
    expect(deleted.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `${URL}/${record.id}`, headers: auth[Role.Admin] })).statusCode).toBe(404);
  });

  it('lists a page as JSON and exports every match as CSV and XLSX, one row per record', async () => {
    const tag = randomUUID().slice(0, 8);
    const a = await newOrganisation(app, { name: `Alfa ${tag}`, municipality: 'Nederweert' });
    const b = await newOrganisation(app, { name: `Beta ${tag}`, municipality: 'Maasgouw' });
    const headers = auth[Role.Organiser];
    for (const [title, kind, organisationIds, notes] of [
      [`Cluster ${tag}`, 'cluster', [a.id, b.id], '=HYPERLINK("https://example.com")'],
      [`Opleiding ${tag}`, 'training_trajectory', [a.id], undefined],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: URL, headers, payload: { kind, title, startedOn: '2025-06-01', organisationIds, notes } });
      expect(res.statusCode).toBe(201);
    }

    const page = await app.inject({ method: 'GET', url: `${URL}?q=${tag}&kind=cluster`, headers });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({ total: 1, page: 1, pages: 1 });
    expect(page.json().items[0].organisations.map((o: { name: string }) => o.name)).toEqual([`Alfa ${tag}`, `Beta ${tag}`]);

    const csv = await app.inject({ method: 'GET', url: `${URL}?q=${tag}&format=csv&sort=title`, headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="trajecten-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('ID,Titel,Soort,Programmalijn,Startdatum,Einddatum,Organisaties,Gemeenten,Aantal organisaties,Aantal personen,Notities');
    expect(lines[1]).toContain(`,Cluster ${tag},Cluster of connected learning groep,Innovatie,2025-06-01,,"Alfa ${tag}; Beta ${tag}","Nederweert; Maasgouw",2,0,"'=HYPERLINK(""https://example.com"")"`);
    expect(lines[2]).toMatch(new RegExp(`,Opleiding ${tag},Scholings- of opleidingstraject,Arbeidsmarktoptimalisatie,2025-06-01,,Alfa ${tag},Nederweert,1,0,$`));

    const english = await app.inject({ method: 'GET', url: `${URL}?q=${tag}&format=csv&lang=en`, headers });
    expect(english.body).toContain('ID,Title,Kind,Programme line,Start date,End date,Organisations');
    expect(english.body).toContain('Training trajectory');

    const xlsx = await app.inject({ method: 'GET', url: `${URL}?q=${tag}&format=xlsx&sort=title`, headers });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0];
    expect(sheet.rowCount).toBe(3);
    expect(sheet.getRow(1).getCell(2).value).toBe('Titel');
    expect(sheet.getRow(2).getCell(2).value).toBe(`Cluster ${tag}`);
    expect(sheet.getRow(2).getCell(7).value).toBe(`Alfa ${tag}; Beta ${tag}`);
    // Notes starting with "=" are neutralised: text, never a formula.
    expect(sheet.getRow(2).getCell(11).value).toBe(`'=HYPERLINK("https://example.com")`);
    expect(sheet.getRow(3).getCell(2).value).toBe(`Opleiding ${tag}`);
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/docs-json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([URL, `${URL}/{id}`, `${URL}/{id}/organisations/{organisationId}`, `${URL}/{id}/contacts/{contactId}`]),
    );
    expect(doc.paths[URL].post.tags).toEqual(['support-records']);
    expect(doc.paths[URL].post.security).toEqual([{ bearer: [] }]);
    expect(doc.components.schemas.CreateSupportRecordDto.properties.kind.enum).toContain('strategy_plan_support');
  });
});
