import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../utils/app';
import { newUser, TEST_PASSWORD } from '../utils/factories';

describe('CRM API: organisations and contacts', () => {
  let app: NestFastifyApplication;
  const tokens: Partial<Record<Role, string>> = {};
  const as = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });
  const kvk = () => String(30_000_000 + Math.floor(Math.random() * 60_000_000));

  beforeAll(async () => {
    app = await createTestApp();
    for (const role of [Role.Admin, Role.Organiser, Role.AccountManager]) {
      const user = await newUser(app, role);
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } });
      tokens[role] = res.json().token;
    }
  });
  afterAll(() => app.close());

  it('creates an organisation (201) with the fields of the contract and finds it with ?q=', async () => {
    const number = kvk();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/organisations',
      headers: as(Role.AccountManager),
      payload: { name: 'Hendrikx Metaalbewerking B.V.', type: 'company', kvkNumber: number, municipality: 'nederweert', tags: ['Smart Industry', ' metaal '] },
    });
    expect(res.statusCode).toBe(201);
    const org = res.json();
    expect(org).toMatchObject({ id: expect.any(String), name: 'Hendrikx Metaalbewerking B.V.', type: 'company', kvkNumber: number, municipality: 'Nederweert', inRegion: true, tags: ['smart industry', 'metaal'] });
    expect(org).not.toHaveProperty('nameKey');

    const search = await app.inject({ method: 'GET', url: '/api/v1/organisations?q=metaalbewerking', headers: as(Role.Organiser) });
    expect(search.statusCode).toBe(200);
    expect(search.json().items.map((o: { id: string }) => o.id)).toContain(org.id);
    const byKvk = await app.inject({ method: 'GET', url: `/api/v1/organisations?q=${number}`, headers: as(Role.Organiser) });
    expect(byKvk.json().items.map((o: { id: string }) => o.id)).toEqual([org.id]);
  });

  it('answers 400 listing each bad field, and writes nothing', async () => {
    const name = `Nooit Opgeslagen ${Date.now()}`;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/organisations',
      headers: as(Role.AccountManager),
      payload: { name, type: 'multinational', kvkNumber: '1234', website: 'javascript:alert(1)', sizeClass: 'huge', unknownField: 1 },
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['type', 'kvkNumber', 'website', 'sizeClass', 'unknownField']));
    expect(res.json().errors.find((e: { field: string }) => e.field === 'kvkNumber').message).toBe('kvkNumber must be 8 digits');
    const wrongTypes = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.AccountManager), payload: { name: 42, type: 'company', tags: 'x'.repeat(60) } });
    expect(wrongTypes.statusCode).toBe(400);
    const tooBig = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.AccountManager), payload: { name: 'x'.repeat(200_000), type: 'company' } });
    expect(tooBig.statusCode).toBe(400);
    const search = await app.inject({ method: 'GET', url: `/api/v1/organisations?q=${encodeURIComponent(name)}`, headers: as(Role.AccountManager) });
    expect(search.json().total).toBe(0);
    const badQuery = await app.inject({ method: 'GET', url: '/api/v1/organisations?pageSize=5000&sort=evil', headers: as(Role.AccountManager) });
    expect(badQuery.statusCode).toBe(400);
  });

  it('answers 409 for a duplicate KvK, 409 with the candidates for a likely duplicate, 404 for a missing record', async () => {
    const number = kvk();
    const first = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.AccountManager), payload: { name: `Van Dijk Bouw ${number}`, type: 'company', kvkNumber: number, municipality: 'Weert' } });
    expect(first.statusCode).toBe(201);
    const sameKvk = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.AccountManager), payload: { name: 'Ander', type: 'company', kvkNumber: number } });
    expect(sameKvk.statusCode).toBe(409);
    expect(sameKvk.json().errors[0].field).toBe('kvkNumber');
    const likely = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.AccountManager), payload: { name: `van dijk bouw ${number} bv`, type: 'company', municipality: 'WEERT' } });
    expect(likely.statusCode).toBe(409);
    expect(likely.json().duplicates).toEqual([expect.objectContaining({ id: first.json().id, reasons: ['name'] })]);
    const check = await app.inject({ method: 'GET', url: `/api/v1/organisations/duplicates?name=${encodeURIComponent(`Van Dijk Bouw ${number}`)}&municipality=weert`, headers: as(Role.AccountManager) });
    expect(check.json().map((d: { id: string }) => d.id)).toEqual([first.json().id]);
    const anyway = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.AccountManager), payload: { name: `van dijk bouw ${number} bv`, type: 'company', municipality: 'WEERT', allowDuplicate: true } });
    expect(anyway.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/api/v1/organisations/00000000-0000-4000-8000-000000000000', headers: as(Role.AccountManager) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/v1/organisations/not-a-uuid', headers: as(Role.AccountManager) })).statusCode).toBe(404);
    const email = `dup.${number}@example.nl`;
    expect((await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: as(Role.Organiser), payload: { firstName: 'A', lastName: 'B', email } })).statusCode).toBe(201);
    expect((await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: as(Role.Organiser), payload: { firstName: 'C', lastName: 'D', email: email.toUpperCase() } })).statusCode).toBe(409);
  });

  it('enforces roles: anonymous 401; staff read and write; only admins merge, erase and export personal data', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/organisations' })).statusCode).toBe(401);
    const a = (await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.Organiser), payload: { name: `Rol A ${Date.now()}`, type: 'other' } })).json();
    const b = (await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.Organiser), payload: { name: `Rol B ${Date.now()}`, type: 'other' } })).json();
    const person = (await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: as(Role.AccountManager), payload: { firstName: 'Rol', lastName: `Test ${Date.now()}`, email: `rol.${Date.now()}@example.nl`, organisations: [{ organisationId: a.id, role: 'HR' }] } })).json();
    expect(person.organisations).toEqual([expect.objectContaining({ organisationId: a.id, role: 'HR', current: true })]);
    for (const role of [Role.Organiser, Role.AccountManager]) {
      expect((await app.inject({ method: 'POST', url: `/api/v1/organisations/${a.id}/merge`, headers: as(role), payload: { mergeId: b.id } })).statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: `/api/v1/contacts/${person.id}/erase`, headers: as(role) })).statusCode).toBe(403);
      expect((await app.inject({ method: 'GET', url: `/api/v1/contacts/${person.id}/personal-data`, headers: as(role) })).statusCode).toBe(403);
    }
    const merged = await app.inject({ method: 'POST', url: `/api/v1/organisations/${a.id}/merge`, headers: as(Role.Admin), payload: { mergeId: b.id } });
    expect(merged.statusCode).toBe(200);
    const data = await app.inject({ method: 'GET', url: `/api/v1/contacts/${person.id}/personal-data`, headers: as(Role.Admin) });
    expect(data.json().contact.email).toBe(person.email);
    expect((await app.inject({ method: 'POST', url: `/api/v1/contacts/${person.id}/erase`, headers: as(Role.Admin) })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `/api/v1/contacts/${person.id}`, headers: as(Role.Organiser) })).json()).toMatchObject({ email: null, erasedAt: expect.any(String) });
  });

  it('records employment history: ending a job keeps it', async () => {
    const org = (await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.Organiser), payload: { name: `Werkgever ${Date.now()}`, type: 'company' } })).json();
    const person = (await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: as(Role.Organiser), payload: { firstName: 'Joke', lastName: `Wissel ${Date.now()}`, organisations: [{ organisationId: org.id, startedOn: '2020-01-01' }] } })).json();
    const linkId = person.organisations[0].id;
    const bad = await app.inject({ method: 'POST', url: `/api/v1/contacts/${person.id}/organisations/${linkId}/end`, headers: as(Role.Organiser), payload: { endedOn: 'yesterday' } });
    expect(bad.statusCode).toBe(400);
    const ended = await app.inject({ method: 'POST', url: `/api/v1/contacts/${person.id}/organisations/${linkId}/end`, headers: as(Role.Organiser), payload: { endedOn: '2025-12-31' } });
    expect(ended.statusCode).toBe(200);
    expect(ended.json().organisations).toEqual([expect.objectContaining({ organisationId: org.id, startedOn: '2020-01-01', endedOn: '2025-12-31', current: false })]);
  });

  it('records interests: created, updated, filtered, exported, validated', async () => {
    const stamp = String(Date.now());
    const created = await app.inject({
      method: 'POST', url: '/api/v1/contacts', headers: as(Role.Organiser),
      payload: { firstName: 'Iris', lastName: `Interesse ${stamp}`, email: `iris.${stamp}@example.nl`, interests: ['labour_market', 'innovation', 'innovation'] },
    });
    expect(created.statusCode).toBe(201);
    const person = created.json();
    expect(person).toMatchObject({ interests: ['innovation', 'labour_market'], unsubscribedAt: null, bouncedAt: null, bounceReason: null });
    const other = (await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: as(Role.Organiser), payload: { firstName: 'Otto', lastName: `Interesse ${stamp}`, email: `otto.${stamp}@example.nl` } })).json();
    expect(other.interests).toEqual([]);

    const ids = async (query: string) => (await app.inject({ method: 'GET', url: `/api/v1/contacts?q=${stamp}&${query}`, headers: as(Role.Organiser) })).json().items.map((c: { id: string }) => c.id);
    expect(await ids('interest=innovation')).toEqual([person.id]);
    expect(await ids('interest=communication')).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/v1/contacts?interest=gardening', headers: as(Role.Organiser) })).statusCode).toBe(400);

    const updated = await app.inject({ method: 'PATCH', url: `/api/v1/contacts/${person.id}`, headers: as(Role.Organiser), payload: { interests: ['communication'] } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().interests).toEqual(['communication']);
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/contacts/${person.id}`, headers: as(Role.Organiser), payload: { jobTitle: 'Directeur' } })).json().interests).toEqual(['communication']);
    expect(await ids('interest=communication')).toEqual([person.id]);
    expect(await ids('interest=innovation')).toEqual([]);
    const history = (await app.inject({ method: 'GET', url: `/api/v1/contacts/${person.id}/history`, headers: as(Role.Organiser) })).json();
    expect(history.items.map((h: { changes: object }) => h.changes)).toContainEqual(expect.objectContaining({ interests: { old: ['innovation', 'labour_market'], new: ['communication'] } }));

    for (const [method, url] of [['POST', '/api/v1/contacts'], ['PATCH', `/api/v1/contacts/${person.id}`]] as const) {
      const bad = await app.inject({ method, url, headers: as(Role.Organiser), payload: { firstName: 'Bad', lastName: `Interesse ${stamp}`, interests: ['innovation', 'gardening'] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['interests']);
    }
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/contacts/${person.id}`, headers: as(Role.Organiser), payload: { interests: 'innovation' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/api/v1/contacts/${person.id}`, headers: as(Role.Organiser) })).json().interests).toEqual(['communication']);

    const csv = await app.inject({ method: 'GET', url: `/api/v1/contacts/export?format=csv&q=${stamp}&interest=communication`, headers: as(Role.Organiser) });
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(2);
    const header = lines[0].split(/[;,]/);
    expect(header).toContain('Interesses');
    expect(lines[1]).toContain('Communicatie');
    const data = await app.inject({ method: 'GET', url: `/api/v1/contacts/${person.id}/personal-data`, headers: as(Role.Admin) });
    expect(data.json().contact.interests).toEqual(['communication']);
  });

  it('exports lists as CSV and XLSX with formula cells neutralised', async () => {
    const stamp = String(Date.now());
    const name = `=HYPERLINK("http://evil") ${stamp}`;
    await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: as(Role.Organiser), payload: { name, type: 'company', municipality: 'Roerdalen' } });
    const csv = await app.inject({ method: 'GET', url: `/api/v1/organisations/export?format=csv&q=${encodeURIComponent(stamp)}`, headers: as(Role.Organiser) });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")`);
    const xlsx = await app.inject({ method: 'GET', url: '/api/v1/contacts/export?format=xlsx', headers: as(Role.Organiser) });
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });
});
