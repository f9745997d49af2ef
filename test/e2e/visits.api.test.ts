import { todayInAmsterdam } from '@keyport/crm/visits';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import ExcelJS from 'exceljs';
import { BODY_LIMIT_BYTES } from '../../apps/api/src/setup-app';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';

const MISSING = '00000000-0000-4000-8000-00000000abcd';

function day(days: number): string {
  const [y, m, d] = todayInAmsterdam().split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

async function xlsxRows(body: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  workbook.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('visits, innovation questions and follow-ups API', () => {
  let app: NestFastifyApplication;
  const tokens: Partial<Record<Role, string>> = {};
  const ids: Partial<Record<Role, string>> = {};
  const as = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });
  const fieldsOf = (res: { json(): { errors?: { field: string }[] } }) => (res.json().errors ?? []).map((e) => e.field);

  beforeAll(async () => {
    app = await createTestApp();
    for (const role of [Role.Admin, Role.Organiser, Role.AccountManager]) {
      const user = await newUser(app, role);
      ids[role] = user.id;
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } });
      tokens[role] = res.json().token;
    }
  });
  afterAll(() => app.close());

  it('answers 401 to anonymous callers on every route', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/visits'],
      ['POST', '/api/v1/visits'],
      ['GET', `/api/v1/visits/${MISSING}`],
      ['GET', '/api/v1/innovation-questions?format=csv'],
      ['POST', `/api/v1/innovation-questions/${MISSING}/answer`],
      ['GET', '/api/v1/follow-ups'],
      ['POST', `/api/v1/follow-ups/${MISSING}/done`],
    ] as const) {
      const res = await app.inject({ method, url, payload: method === 'POST' ? {} : undefined });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 401 });
    }
  });

  it('lets account managers, organisers and admins log a visit with a question and a follow-up, answer, reopen and finish them', async () => {
    for (const role of [Role.AccountManager, Role.Organiser, Role.Admin]) {
      const org = await newOrganisation(app, { municipality: 'Leudal' });
      const contact = await newContact(app, { organisations: [{ organisationId: org.id }] });
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/visits',
        headers: as(role),
        payload: {
          organisationId: org.id,
          visitedOn: day(0),
          contactIds: [contact.id],
          programmeLines: ['innovation'],
          themes: 'Biobased, Circulair',
          notes: 'Gesprek met de directie',
          questions: [{ question: 'Welke restroom kan hergebruikt worden?', contactId: contact.id }],
          followUps: [{ description: 'Rondetafel Biobased uitnodigen', dueOn: day(7) }],
        },
      });
      expect(created.statusCode).toBe(201);
      const visit = created.json();
      expect(visit).toMatchObject({
        organisationId: org.id,
        visitedOn: day(0),
        accountManagerId: ids[role],
        themes: ['biobased', 'circulair'],
        contacts: [{ id: contact.id }],
        questions: [{ status: 'open', raisedOn: day(0) }],
        followUps: [{ description: 'Rondetafel Biobased uitnodigen', assigneeId: ids[role], dueOn: day(7), done: false, overdue: false }],
      });

      const patched = await app.inject({ method: 'PATCH', url: `/api/v1/visits/${visit.id}`, headers: as(role), payload: { notes: null, programmeLines: ['innovation', 'communication'] } });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ notes: null, programmeLines: ['innovation', 'communication'] });
      expect((await app.inject({ method: 'GET', url: `/api/v1/visits/${visit.id}`, headers: as(role) })).json().id).toBe(visit.id);

      const questionId = visit.questions[0].id;
      const answered = await app.inject({
        method: 'POST',
        url: `/api/v1/innovation-questions/${questionId}/answer`,
        headers: as(role),
        payload: { answeredBy: 'knowledge_institute', answeredByName: 'Gilde Opleidingen', answer: 'Proef met de opleiding procestechniek' },
      });
      expect(answered.statusCode).toBe(200);
      expect(answered.json()).toMatchObject({ status: 'answered', answeredBy: 'knowledge_institute', answeredOn: day(0) });
      const reopened = await app.inject({ method: 'POST', url: `/api/v1/innovation-questions/${questionId}/reopen`, headers: as(role) });
      expect(reopened.json()).toMatchObject({ status: 'open', answer: null });

      const question = await app.inject({ method: 'POST', url: '/api/v1/innovation-questions', headers: as(role), payload: { organisationId: org.id, question: 'Losse vraag' } });
      expect(question.statusCode).toBe(201);
      expect(question.json()).toMatchObject({ raisedOn: day(0), visitId: null });
      const renamed = await app.inject({ method: 'PATCH', url: `/api/v1/innovation-questions/${question.json().id}`, headers: as(role), payload: { question: 'Losse vraag, scherper' } });
      expect(renamed.json().question).toBe('Losse vraag, scherper');

      const followUpId = visit.followUps[0].id;
      const done = await app.inject({ method: 'POST', url: `/api/v1/follow-ups/${followUpId}/done`, headers: as(role) });
      expect(done.statusCode).toBe(200);
      expect(done.json()).toMatchObject({ done: true, doneAt: expect.any(String) });
      const undone = await app.inject({ method: 'POST', url: `/api/v1/follow-ups/${followUpId}/undone`, headers: as(role) });
      expect(undone.json()).toMatchObject({ done: false, doneAt: null });
      const moved = await app.inject({ method: 'PATCH', url: `/api/v1/follow-ups/${followUpId}`, headers: as(role), payload: { dueOn: null, assigneeId: ids[Role.Organiser] } });
      expect(moved.json()).toMatchObject({ dueOn: null, assigneeId: ids[Role.Organiser] });
      const extra = await app.inject({ method: 'POST', url: '/api/v1/follow-ups', headers: as(role), payload: { organisationId: org.id, description: 'Nabellen' } });
      expect(extra.statusCode).toBe(201);
      expect(extra.json().assigneeId).toBe(ids[role]);
    }
  });

  it('refuses bad input with 400 naming each field, refuses unknown fields, and writes nothing', async () => {
    const org = await newOrganisation(app);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/visits',
      headers: as(Role.AccountManager),
      payload: {
        organisationId: 'not-an-id',
        visitedOn: '2018-02-30',
        contactIds: ['nope'],
        programmeLines: ['space_travel'],
        notes: 'x'.repeat(10_001),
        questions: [{ question: '', colour: 'red' }],
        followUps: [{ description: 'Bellen', dueOn: 'tomorrow' }],
        visitor: 'me',
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toEqual(
      expect.arrayContaining(['organisationId', 'visitedOn', 'contactIds', 'programmeLines', 'notes', 'questions.0.question', 'questions.0.colour', 'followUps.0.dueOn', 'visitor']),
    );
    expect(bad.json().errors.every((e: { message: string }) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);

    const future = await app.inject({ method: 'POST', url: '/api/v1/visits', headers: as(Role.AccountManager), payload: { organisationId: org.id, visitedOn: day(1) } });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors).toEqual([{ field: 'visitedOn', message: 'visitedOn must not be in the future' }]);

    const strangers = await app.inject({
      method: 'POST',
      url: '/api/v1/visits',
      headers: as(Role.AccountManager),
      payload: { organisationId: org.id, visitedOn: day(0), followUps: [{ description: 'Bellen', assigneeId: MISSING }] },
    });
    expect(strangers.statusCode).toBe(400);
    expect(fieldsOf(strangers)).toEqual(['followUps.0.assigneeId']);
    const none = await app.inject({ method: 'GET', url: `/api/v1/visits?organisationId=${org.id}`, headers: as(Role.AccountManager) });
    expect(none.json().total).toBe(0);

    const huge = await app.inject({
      method: 'POST',
      url: '/api/v1/visits',
      headers: { ...as(Role.AccountManager), 'content-type': 'application/json' },
      payload: JSON.stringify({ organisationId: org.id, visitedOn: day(0), notes: 'x'.repeat(1024 * 1024) }),
    });
    // Refused either way: above the server's body limit as too large, below it by the field's own limit.
    if (1024 * 1024 > BODY_LIMIT_BYTES) expect(huge.statusCode).toBe(413);
    else expect({ status: huge.statusCode, fields: fieldsOf(huge) }).toEqual({ status: 400, fields: ['notes'] });
    expect(huge.body).not.toMatch(/at .*\.js/);
    const hugeQuestion = await app.inject({
      method: 'POST',
      url: '/api/v1/innovation-questions',
      headers: as(Role.AccountManager),
      payload: { organisationId: org.id, question: 'x'.repeat(2001) },
    });
    expect(fieldsOf(hugeQuestion)).toEqual(['question']);

    const answer = await app.inject({ method: 'POST', url: `/api/v1/innovation-questions/${MISSING}/answer`, headers: as(Role.Organiser), payload: { answeredBy: 'a friend' } });
    expect(answer.statusCode).toBe(400);
    expect(fieldsOf(answer)).toEqual(['answeredBy']);
    const query = await app.inject({ method: 'GET', url: '/api/v1/follow-ups?status=later&from=01-01-2018&colour=red', headers: as(Role.Organiser) });
    expect(query.statusCode).toBe(400);
    expect(fieldsOf(query)).toEqual(expect.arrayContaining(['status', 'from', 'colour']));
  });

  it('answers 404 for what does not exist', async () => {
    for (const [method, url, payload] of [
      ['GET', `/api/v1/visits/${MISSING}`],
      ['GET', '/api/v1/visits/not-a-uuid'],
      ['PATCH', `/api/v1/visits/${MISSING}`, { notes: 'x' }],
      ['GET', `/api/v1/innovation-questions/${MISSING}`],
      ['POST', `/api/v1/innovation-questions/${MISSING}/answer`, { answeredBy: 'keyport' }],
      ['POST', `/api/v1/innovation-questions/${MISSING}/reopen`],
      ['GET', `/api/v1/follow-ups/${MISSING}`],
      ['POST', `/api/v1/follow-ups/${MISSING}/done`],
      ['PATCH', `/api/v1/follow-ups/${MISSING}`, { description: 'x' }],
    ] as [string, string, object?][]) {
      const res = await app.inject({ method: method as 'GET', url, headers: as(Role.AccountManager), payload });
      expect({ url, method, status: res.statusCode }).toEqual({ url, method, status: 404 });
      expect(res.json()).toMatchObject({ statusCode: 404, message: expect.stringMatching(/not found/) });
    }
  });

  it('exports visits, questions and follow-ups as CSV and XLSX with every matching row', async () => {
    const theme = `export${Date.now().toString(36)}`;
    const org = await newOrganisation(app, { name: `Export Techniek ${theme}`, municipality: 'Maasgouw' });
    for (const [d, notes] of [[-2, '=HYPERLINK("http://evil")'], [-1, 'Tweede bezoek, met "aanhalingstekens"']] as const) {
      await app.inject({
        method: 'POST',
        url: '/api/v1/visits',
        headers: as(Role.AccountManager),
        payload: { organisationId: org.id, visitedOn: day(d), themes: [theme], notes, questions: [{ question: `Vraag ${d}` }], followUps: [{ description: `Actie ${d}`, dueOn: day(d) }] },
      });
    }

    const csv = await app.inject({ method: 'GET', url: `/api/v1/visits?format=csv&theme=${theme}`, headers: as(Role.Organiser) });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="visits-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Datum bezoek,Organisatie,Gemeente,Accountmanager,/);
    expect(lines[1]).toContain(`${day(-1)},Export Techniek ${theme},Maasgouw`);
    expect(lines[1]).toContain('"Tweede bezoek, met ""aanhalingstekens"""');
    expect(lines[2]).toContain(`"'=HYPERLINK(""http://evil"")"`);

    const xlsx = await app.inject({ method: 'GET', url: `/api/v1/visits?format=xlsx&theme=${theme}&sort=visitedOn&dir=asc`, headers: as(Role.AccountManager) });
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const rows = await xlsxRows(xlsx.rawPayload);
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([[day(-2), org.name], [day(-1), org.name]]);

    const questions = await app.inject({ method: 'GET', url: `/api/v1/innovation-questions?format=csv&organisationId=${org.id}`, headers: as(Role.Admin) });
    expect(questions.headers['content-type']).toContain('text/csv');
    const qLines = questions.body.trim().split('\r\n');
    expect(qLines).toHaveLength(3);
    expect(qLines[1]).toContain('Vraag -1');
    expect(qLines[1]).toContain(',Open,');

    const followUps = await app.inject({ method: 'GET', url: `/api/v1/follow-ups?format=xlsx&organisationId=${org.id}&status=overdue`, headers: as(Role.Admin) });
    expect(followUps.headers['content-type']).toContain('spreadsheetml');
    const fRows = await xlsxRows(followUps.rawPayload);
    expect(fRows.map((r) => [r[0], r[3], r[5]])).toEqual([
      ['Uiterste datum', 'Actie', 'Status'],
      [day(-2), 'Actie -2', 'Te laat'],
      [day(-1), 'Actie -1', 'Te laat'],
    ]);

    const json = await app.inject({ method: 'GET', url: `/api/v1/follow-ups?organisationId=${org.id}&pageSize=1&page=2`, headers: as(Role.Admin) });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ total: 2, page: 2, pageSize: 1, pages: 2, items: [{ description: 'Actie -1' }] });
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/docs-json' })).json();
    for (const path of ['/api/v1/visits', '/api/v1/visits/{id}', '/api/v1/innovation-questions/{id}/answer', '/api/v1/innovation-questions/{id}/reopen', '/api/v1/follow-ups/{id}/done', '/api/v1/follow-ups/{id}/undone']) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(doc.paths['/api/v1/visits'].post.tags).toEqual(['visits']);
    expect(doc.paths['/api/v1/visits'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.components.schemas.CreateVisitDto.required).toEqual(expect.arrayContaining(['organisationId', 'visitedOn']));
  });
});
