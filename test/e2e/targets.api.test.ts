import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { generateDataset, unusedYear } from '../utils/target-factories';

type Headers = { authorization: string };
/** The fields named in a 400/409 body, each once (a field may break several rules). */
const fieldsOf = (body: { errors?: { field: string }[] }) => [...new Set((body.errors ?? []).map((e) => e.field))].sort();

describe('targets API', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let auth: Record<Role, Headers>;
  const years = new Set<number>();

  /** A far-future year no other test (or earlier case here) uses. */
  function freshYear(): number {
    let y = unusedYear();
    while (years.has(y) || years.has(y + 1) || years.has(y - 1)) y = unusedYear();
    years.add(y);
    return y;
  }

  async function tokenFor(email: string): Promise<string> {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    return res.json().token;
  }

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers?: Headers, payload?: unknown) =>
    app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload !== undefined ? { payload: payload as object } : {}) });

  async function newPlan(year = freshYear(), copyFrom?: number) {
    const res = await call('POST', '/api/v1/plans', auth[Role.Organiser], { year, ...(copyFrom ? { copyFrom } : {}) });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  async function newTarget(year: number, body: Record<string, unknown>) {
    const res = await call('POST', `/api/v1/plans/${year}/targets`, auth[Role.Organiser], { programmeLine: 'innovation', title: 'Doel', target: 10, ...body });
    expect([res.statusCode, res.json()]).toEqual([201, expect.anything()]);
    return res.json();
  }

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    const entries = await Promise.all(
      [Role.Admin, Role.Organiser, Role.AccountManager].map(async (role) => [role, { authorization: `Bearer ${await tokenFor((await newUser(app, role)).email)}` }] as const),
    );
    auth = Object.fromEntries(entries) as typeof auth;
  });
  afterAll(() => app.close());

  it('starts a plan as a copy of 2018 (201), refuses a second plan for the year (409) and bad input (400 with the field); admins alone delete plans', async () => {
    const year = freshYear();
    const body = { year, copyFrom: 2018 };
    expect((await call('POST', '/api/v1/plans', undefined, body)).statusCode).toBe(401);
    expect((await call('POST', '/api/v1/plans', auth[Role.AccountManager], body)).statusCode).toBe(403);

    const source = (await call('GET', '/api/v1/plans/2018', auth[Role.AccountManager])).json();
    expect(source.targets.length).toBeGreaterThan(30);
    const created = await call('POST', '/api/v1/plans', auth[Role.Organiser], body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ year, copiedFromYear: 2018, targetCount: source.targets.length });
    expect(created.json().targets.map((t: { title: string; metric: string; target: number }) => [t.title, t.metric, t.target])).toEqual(
      source.targets.map((t: { title: string; metric: string; target: number }) => [t.title, t.metric, t.target]),
    );
    expect(created.json().targets[0].id).not.toBe(source.targets[0].id);

    const again = await call('POST', '/api/v1/plans', auth[Role.Admin], body);
    expect(again.statusCode).toBe(409);
    expect(fieldsOf(again.json())).toEqual(['year']);

    const other = freshYear();
    const noSource = await call('POST', '/api/v1/plans', auth[Role.Organiser], { year: other, copyFrom: freshYear() });
    expect(noSource.statusCode).toBe(400);
    expect(fieldsOf(noSource.json())).toEqual(['copyFrom']);
    for (const bad of [{ year: 'soon' }, { year: 1999 }, { year: 10000 }, {}]) {
      const res = await call('POST', '/api/v1/plans', auth[Role.Organiser], bad);
      expect([bad, res.statusCode, fieldsOf(res.json())]).toEqual([bad, 400, ['year']]);
    }
    const unknown = await call('POST', '/api/v1/plans', auth[Role.Organiser], { year: other, colour: 'red' });
    expect([unknown.statusCode, fieldsOf(unknown.json())]).toEqual([400, ['colour']]);
    // Nothing was written by the refused requests.
    expect((await call('GET', `/api/v1/plans/${other}`, auth[Role.Organiser])).statusCode).toBe(404);

    const list = await call('GET', '/api/v1/plans', auth[Role.AccountManager]);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual(expect.arrayContaining([expect.objectContaining({ year, copiedFromYear: 2018 }), expect.objectContaining({ year: 2018 })]));
    expect((await call('GET', '/api/v1/plans')).statusCode).toBe(401);
    expect((await call('GET', `/api/v1/plans/${year}`, auth[Role.AccountManager])).json().targets).toHaveLength(source.targets.length);
    expect((await call('GET', '/api/v1/plans/abc', auth[Role.AccountManager])).statusCode).toBe(404);

    expect((await call('DELETE', `/api/v1/plans/${year}`, auth[Role.Organiser])).statusCode).toBe(403);
    expect((await call('DELETE', `/api/v1/plans/${year}`, auth[Role.AccountManager])).statusCode).toBe(403);
    expect((await call('DELETE', `/api/v1/plans/${year}`, auth[Role.Admin])).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/plans/${year}`, auth[Role.Admin])).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/plans/${year}`, auth[Role.Admin])).statusCode).toBe(404);
    // The copied plan's source is untouched.
    expect((await call('GET', '/api/v1/plans/2018', auth[Role.Admin])).json().targets).toHaveLength(source.targets.length);
  });

  it('lists the targets of 2018 with figure, pace and the figures shown beside; for a quarter or a range; 400 for a bad period', async () => {
    const res = await call('GET', '/api/v1/targets?year=2018', auth[Role.AccountManager]);
    expect(res.statusCode).toBe(200);
    const list = res.json();
    expect(list.length).toBeGreaterThan(30);
    for (const t of list) {
      expect(t).toEqual(expect.objectContaining({ id: expect.any(String), programmeLine: expect.any(String), title: expect.any(String), target: expect.any(Number), metric: expect.any(String), items: expect.any(Number) }));
      expect('value' in t).toBe(true);
      expect(t.pace).toEqual(expect.objectContaining({ expected: expect.any(Number), status: expect.any(String) }));
      expect(t.period).toMatchObject({ kind: 'year', label: '2018', start: '2018-01-01', end: '2019-01-01' });
    }
    const attendance = list.find((t: { metric: string }) => t.metric === 'organisations_attending');
    expect(attendance.attendance).toEqual({ registered: expect.any(Number), attended: expect.any(Number), noShow: expect.any(Number) });
    expect(list.find((t: { baseline: number | null }) => t.baseline === 16900)).toMatchObject({ metric: 'manual', target: 18020 });
    expect(list.find((t: { metric: string }) => t.metric === 'events_held').attendance).toBeNull();

    const quarter = await call('GET', '/api/v1/targets?year=2018&quarter=2', auth[Role.Organiser]);
    expect(quarter.statusCode).toBe(200);
    expect(quarter.json()[0].period).toMatchObject({ kind: 'quarter', label: 'Q2 2018', start: '2018-04-01', end: '2018-07-01' });
    const range = await call('GET', '/api/v1/targets?year=2018&from=2018-01-15&to=2018-02-14', auth[Role.Organiser]);
    expect(range.json()[0].period).toMatchObject({ kind: 'range', start: '2018-01-15', end: '2018-02-15' });

    for (const [query, fields] of [
      ['', ['year']],
      ['?year=2018&quarter=5', ['quarter']],
      ['?year=twenty', ['year']],
      ['?year=2018&from=2018-02-30&to=2018-03-01', ['from']],
      ['?year=2018&from=2018-03-01&to=2018-02-01', ['to']],
      ['?year=2018&colour=red', ['colour']],
    ] as const) {
      const bad = await call('GET', `/api/v1/targets${query}`, auth[Role.Organiser]);
      expect([query, bad.statusCode, fieldsOf(bad.json())]).toEqual([query, 400, fields]);
    }
    expect((await call('GET', `/api/v1/targets?year=${freshYear()}`, auth[Role.Organiser])).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/targets?year=2018')).statusCode).toBe(401);

    const one = await call('GET', `/api/v1/targets/${attendance.id}?year=2018&quarter=1`, auth[Role.AccountManager]);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: attendance.id, period: { label: 'Q1 2018' } });
    expect((await call('GET', `/api/v1/targets/${randomUUID()}`, auth[Role.AccountManager])).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/targets/nope', auth[Role.AccountManager])).statusCode).toBe(404);
  });

  it('drills down to exactly the counted records: the list is as long as the figure, as JSON pages, CSV and XLSX; the municipalities add up; month by month', async () => {
    const year = freshYear();
    await generateDataset(db, year, 4242);
    await newPlan(year);
    const organisations = await newTarget(year, { metric: 'organisations_attending', title: 'Organisaties bij bijeenkomsten' });
    const persons = await newTarget(year, { metric: 'persons_attending', title: 'Personen bij workshops', filters: { formats: ['workshop', 'masterclass', 'theme_meeting', 'breakfast_session'] }, programmeLine: 'entrepreneurship' });
    const groups = await newTarget(year, { metric: 'group_headcount', title: 'Studenten', filters: { participantTypes: ['student'], includePersons: true }, target: 500, programmeLine: 'labour_market' });
    const events = await newTarget(year, { metric: 'events_held', title: 'Bijeenkomsten', programmeLine: 'communication' });

    for (const target of [organisations, persons, events]) {
      const figure = (await call('GET', `/api/v1/targets/${target.id}`, auth[Role.AccountManager])).json();
      expect(figure.value).toBeGreaterThan(0);
      const page = await call('GET', `/api/v1/targets/${target.id}/items?year=${year}&pageSize=200`, auth[Role.AccountManager]);
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect([target.metric, body.total, body.items.length, body.value]).toEqual([target.metric, figure.value, Math.min(200, figure.value), figure.value]);
      expect(body.total).toBe(figure.items);
      expect(new Set(body.items.map((i: { id: string }) => i.id)).size).toBe(body.items.length);

      const csv = await call('GET', `/api/v1/targets/${target.id}/items?year=${year}&format=csv`, auth[Role.AccountManager]);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toMatch(/attachment; filename="target-items-.*\.csv"/);
      const lines = csv.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
      expect(lines).toHaveLength(figure.value + 1);
      expect(lines[0]).toBe('Soort,Naam,Gemeente,Eerst geteld op,Telt mee voor,Organisatie,Aantal registraties,Id');

      const xlsx = await call('GET', `/api/v1/targets/${target.id}/items?year=${year}&format=xlsx&lang=en`, auth[Role.AccountManager]);
      expect(xlsx.statusCode).toBe(200);
      expect(xlsx.headers['content-type']).toContain('spreadsheetml');
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const sheet = book.worksheets[0];
      expect(sheet.actualRowCount).toBe(figure.value + 1);
      expect(sheet.getRow(1).getCell(1).value).toBe('Kind');

      const breakdown = (await call('GET', `/api/v1/targets/${target.id}/breakdown`, auth[Role.AccountManager])).json();
      expect(breakdown.map((m: { municipality: string }) => m.municipality)).toEqual(['Leudal', 'Maasgouw', 'Nederweert', 'Roerdalen', 'Roermond', 'Weert', 'Cranendonck', 'outside']);
      expect(breakdown.reduce((s: number, m: { value: number }) => s + m.value, 0)).toBe(figure.value);
      const monthly = (await call('GET', `/api/v1/targets/${target.id}/monthly`, auth[Role.AccountManager])).json();
      expect(monthly).toHaveLength(12);
      expect(monthly[0].month).toBe(`${year}-01`);
      expect(monthly[11].value).toBe(figure.value);
    }

    // Paging through the list gives every item once.
    const figure = (await call('GET', `/api/v1/targets/${organisations.id}?year=${year}&quarter=2`, auth[Role.Organiser])).json();
    const seen: string[] = [];
    for (let p = 1; ; p++) {
      const page = (await call('GET', `/api/v1/targets/${organisations.id}/items?year=${year}&quarter=2&page=${p}&pageSize=7`, auth[Role.Organiser])).json();
      expect(page).toMatchObject({ page: p, pageSize: 7, total: figure.value, period: { label: `Q2 ${year}` } });
      seen.push(...page.items.map((i: { id: string }) => i.id));
      if (p >= page.pages) break;
    }
    expect(new Set(seen).size).toBe(figure.value);
    expect(seen).toHaveLength(figure.value);

    // A headcount: one row per group (and person), the counts add up to the figure.
    const headcount = (await call('GET', `/api/v1/targets/${groups.id}`, auth[Role.Organiser])).json();
    const rows = (await call('GET', `/api/v1/targets/${groups.id}/items?pageSize=200`, auth[Role.Organiser])).json();
    expect(rows.total).toBe(headcount.items);
    expect(rows.items.reduce((s: number, i: { count: number }) => s + i.count, 0)).toBe(headcount.value);
    expect(headcount.attendance).toEqual({ registered: expect.any(Number), attended: expect.any(Number), noShow: expect.any(Number) });

    const bad = await call('GET', `/api/v1/targets/${organisations.id}/items?format=pdf&pageSize=1000`, auth[Role.Organiser]);
    expect([bad.statusCode, fieldsOf(bad.json())]).toEqual([400, ['format', 'pageSize']]);
    expect((await call('GET', `/api/v1/targets/${randomUUID()}/items?format=csv`, auth[Role.Organiser])).statusCode).toBe(404);

    const listed = (await call('GET', `/api/v1/targets?year=${year}`, auth[Role.AccountManager])).json();
    expect(listed.map((t: { id: string }) => t.id).sort()).toEqual([organisations.id, persons.id, groups.id, events.id].sort());
  });

  it('adds, changes and removes targets, checking the metric and the filters that apply to it (400 with field and reason)', async () => {
    const { year } = await newPlan();
    const url = `/api/v1/plans/${year}/targets`;
    const base = { programmeLine: 'innovation', title: 'Bedrijven in clusters', target: 50 };

    const noKinds = await call('POST', url, auth[Role.Organiser], { ...base, metric: 'organisations_supported' });
    expect([noKinds.statusCode, fieldsOf(noKinds.json())]).toEqual([400, ['filters.supportKinds']]);
    const wrongFilter = await call('POST', url, auth[Role.Organiser], { ...base, metric: 'organisations_supported', filters: { supportKinds: ['cluster'], formats: ['masterclass'] } });
    expect(wrongFilter.statusCode).toBe(400);
    expect(wrongFilter.json().errors).toEqual([expect.objectContaining({ field: 'filters.formats', message: 'formats does not apply to the metric organisations_supported' })]);
    const badValues = await call('POST', url, auth[Role.Organiser], { ...base, metric: 'persons_attending', filters: { formats: ['picnic'], municipalities: ['Atlantis'], inRegion: 'yes' } });
    expect([badValues.statusCode, fieldsOf(badValues.json())]).toEqual([400, ['filters.formats', 'filters.inRegion', 'filters.municipalities']]);
    const badFields = await call('POST', url, auth[Role.Organiser], { programmeLine: 'sales', title: ' ', target: 0, metric: 'vibes' });
    expect([badFields.statusCode, fieldsOf(badFields.json())]).toEqual([400, ['metric', 'programmeLine', 'target', 'title']]);
    const manualWithout = await call('POST', url, auth[Role.Organiser], { ...base, metric: 'manual' });
    expect([manualWithout.statusCode, fieldsOf(manualWithout.json())]).toEqual([400, ['manualAggregate']]);
    const baselineNotManual = await call('POST', url, auth[Role.Organiser], { ...base, metric: 'questions_answered', baseline: 3 });
    expect([baselineNotManual.statusCode, fieldsOf(baselineNotManual.json())]).toEqual([400, ['baseline']]);
    expect((await call('POST', `/api/v1/plans/${freshYear()}/targets`, auth[Role.Organiser], { ...base, metric: 'questions_answered' })).statusCode).toBe(404);
    expect((await call('POST', url, auth[Role.AccountManager], { ...base, metric: 'questions_answered' })).statusCode).toBe(403);
    expect((await call('POST', url, undefined, { ...base, metric: 'questions_answered' })).statusCode).toBe(401);
    expect((await call('GET', `/api/v1/plans/${year}`, auth[Role.Organiser])).json().targets).toHaveLength(0);

    const created = await call('POST', url, auth[Role.Organiser], { ...base, metric: 'organisations_supported', filters: { supportKinds: ['cluster'], municipalities: ['weert'] }, key: 'innovation.clusters' });
    expect(created.statusCode).toBe(201);
    const target = created.json();
    expect(target).toMatchObject({ year, metric: 'organisations_supported', filters: { supportKinds: ['cluster'], municipalities: ['Weert'] }, key: 'innovation.clusters', position: 0 });
    const sameKey = await call('POST', url, auth[Role.Admin], { ...base, metric: 'questions_answered', key: 'innovation.clusters' });
    expect([sameKey.statusCode, fieldsOf(sameKey.json())]).toEqual([409, ['key']]);

    const patched = await call('PATCH', `/api/v1/targets/${target.id}`, auth[Role.Organiser], { target: 60, titleEn: 'Companies in clusters' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ target: 60, titleEn: 'Companies in clusters', metric: 'organisations_supported', filters: { supportKinds: ['cluster'] } });
    // A new metric: the old filters no longer apply, unless replaced.
    const stale = await call('PATCH', `/api/v1/targets/${target.id}`, auth[Role.Organiser], { metric: 'events_held' });
    expect([stale.statusCode, fieldsOf(stale.json())]).toEqual([400, ['filters.supportKinds']]);
    const moved = await call('PATCH', `/api/v1/targets/${target.id}`, auth[Role.Organiser], { metric: 'events_held', filters: { formats: ['round_table'] }, programmeLine: 'communication' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ metric: 'events_held', filters: { formats: ['round_table'] }, programmeLine: 'communication' });
    const badPatch = await call('PATCH', `/api/v1/targets/${target.id}`, auth[Role.Organiser], { target: -1, shoeSize: 44 });
    expect([badPatch.statusCode, fieldsOf(badPatch.json())]).toEqual([400, ['shoeSize', 'target']]);
    expect((await call('PATCH', `/api/v1/targets/${target.id}`, auth[Role.AccountManager], { target: 5 })).statusCode).toBe(403);
    expect((await call('PATCH', `/api/v1/targets/${randomUUID()}`, auth[Role.Organiser], { target: 5 })).statusCode).toBe(404);

    expect((await call('DELETE', `/api/v1/targets/${target.id}`, auth[Role.AccountManager])).statusCode).toBe(403);
    expect((await call('DELETE', `/api/v1/targets/${target.id}`, auth[Role.Organiser])).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/targets/${target.id}`, auth[Role.Organiser])).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/targets/${target.id}`, auth[Role.Organiser])).statusCode).toBe(404);
  });

  it('takes manual figures: entered with a date and a note, listed, removed; the figure is the latest entry with the baseline beside', async () => {
    const { year } = await newPlan();
    const visits = await newTarget(year, { programmeLine: 'communication', title: 'Websitebezoekers', target: 18020, metric: 'manual', manualAggregate: 'latest', baseline: 16900 });
    const counted = await newTarget(year, { metric: 'questions_answered' });
    const url = `/api/v1/targets/${visits.id}/figures`;

    expect((await call('POST', url, auth[Role.AccountManager], { recordedOn: `${year}-03-31`, value: 17100 })).statusCode).toBe(403);
    const bad = await call('POST', url, auth[Role.Organiser], { recordedOn: 'June', value: -1, note: 'x'.repeat(2001) });
    expect([bad.statusCode, fieldsOf(bad.json())]).toEqual([400, ['note', 'recordedOn', 'value']]);
    const noSuchDay = await call('POST', url, auth[Role.Organiser], { recordedOn: `${year}-02-30`, value: 17000 });
    expect([noSuchDay.statusCode, fieldsOf(noSuchDay.json())]).toEqual([400, ['recordedOn']]);
    const notManual = await call('POST', `/api/v1/targets/${counted.id}/figures`, auth[Role.Organiser], { recordedOn: `${year}-03-31`, value: 3 });
    expect(notManual.statusCode).toBe(409);

    const first = await call('POST', url, auth[Role.Organiser], { recordedOn: `${year}-03-31`, value: 17100, note: 'Google Analytics Q1' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ targetId: visits.id, recordedOn: `${year}-03-31`, value: 17100, note: 'Google Analytics Q1' });
    const second = (await call('POST', url, auth[Role.Admin], { recordedOn: `${year}-06-30`, value: 17600 })).json();

    const list = await call('GET', url, auth[Role.AccountManager]);
    expect(list.statusCode).toBe(200);
    expect(list.json().map((f: { value: number }) => f.value)).toEqual([17600, 17100]);
    const figure = (await call('GET', `/api/v1/targets/${visits.id}`, auth[Role.AccountManager])).json();
    expect(figure).toMatchObject({ value: 17600, baseline: 16900, target: 18020, metric: 'manual', manualAggregate: 'latest' });
    expect((await call('GET', `/api/v1/targets/${visits.id}?year=${year}&quarter=1`, auth[Role.AccountManager])).json().value).toBe(17100);
    const items = (await call('GET', `/api/v1/targets/${visits.id}/items`, auth[Role.AccountManager])).json();
    expect(items.items).toEqual([expect.objectContaining({ kind: 'manual_figure', id: second.id, count: 17600 })]);
    expect((await call('GET', `/api/v1/targets/${visits.id}/breakdown`, auth[Role.AccountManager])).json()).toEqual([]);

    expect((await call('DELETE', `${url}/${second.id}`, auth[Role.AccountManager])).statusCode).toBe(403);
    expect((await call('DELETE', `${url}/${second.id}`, auth[Role.Organiser])).statusCode).toBe(204);
    expect((await call('DELETE', `${url}/${second.id}`, auth[Role.Organiser])).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/targets/${counted.id}/figures/${first.json().id}`, auth[Role.Organiser])).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/targets/${visits.id}`, auth[Role.AccountManager])).json().value).toBe(17100);
    expect((await call('GET', `/api/v1/targets/${randomUUID()}/figures`, auth[Role.AccountManager])).statusCode).toBe(404);
  });

  it('issues a quarterly progress report once (409 after), archives it and counts it towards the communication target', async () => {
    const { year } = await newPlan();
    const reportsTarget = await newTarget(year, { programmeLine: 'communication', title: 'Voortgang 4 keer per jaar', target: 4, metric: 'progress_reports' });
    const body = { year, quarter: 1, highlights: 'Drie ontbijtsessies, 42 bedrijven bezocht.' };

    expect((await call('POST', '/api/v1/reports', auth[Role.AccountManager], body)).statusCode).toBe(403);
    const bad = await call('POST', '/api/v1/reports', auth[Role.Organiser], { year, quarter: 5 });
    expect([bad.statusCode, fieldsOf(bad.json())]).toEqual([400, ['quarter']]);
    const noPlan = await call('POST', '/api/v1/reports', auth[Role.Organiser], { year: freshYear(), quarter: 1 });
    expect([noPlan.statusCode, fieldsOf(noPlan.json())]).toEqual([400, ['year']]);

    const issued = await call('POST', '/api/v1/reports', auth[Role.Organiser], body);
    expect(issued.statusCode).toBe(201);
    const report = issued.json();
    expect(report).toMatchObject({ year, quarter: 1, highlights: body.highlights, issuedAt: expect.any(String) });
    expect(report.snapshot.period).toMatchObject({ label: `Q1 ${year}` });
    expect(report.snapshot.targets.map((t: { id: string }) => t.id)).toEqual([reportsTarget.id]);

    const again = await call('POST', '/api/v1/reports', auth[Role.Admin], body);
    expect([again.statusCode, fieldsOf(again.json())]).toEqual([409, ['quarter']]);

    const archive = await call('GET', `/api/v1/reports?year=${year}`, auth[Role.AccountManager]);
    expect(archive.statusCode).toBe(200);
    expect(archive.json().map((r: { id: string }) => r.id)).toEqual([report.id]);
    expect((await call('GET', `/api/v1/reports/${report.id}`, auth[Role.AccountManager])).json()).toMatchObject({ id: report.id, quarter: 1 });
    expect((await call('GET', `/api/v1/reports/${randomUUID()}`, auth[Role.AccountManager])).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/reports?year=nope', auth[Role.AccountManager])).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/reports')).statusCode).toBe(401);
    // Issued now (not in the far-future year): it counts in the period it was issued.
    const issuedYear = Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Amsterdam', year: 'numeric' }).format(new Date()));
    const items = (await call('GET', `/api/v1/targets/${reportsTarget.id}/items?year=${issuedYear}`, auth[Role.AccountManager])).json();
    expect(items.items.map((i: { id: string }) => i.id)).toContain(report.id);
  });

  it('documents every route in OpenAPI, with Bearer authentication and the export formats', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/docs-json' })).json();
    const expected: [string, string[]][] = [
      ['/api/v1/plans', ['get', 'post']],
      ['/api/v1/plans/{year}', ['get', 'delete']],
      ['/api/v1/plans/{year}/targets', ['post']],
      ['/api/v1/targets', ['get']],
      ['/api/v1/targets/{id}', ['get', 'patch', 'delete']],
      ['/api/v1/targets/{id}/items', ['get']],
      ['/api/v1/targets/{id}/breakdown', ['get']],
      ['/api/v1/targets/{id}/monthly', ['get']],
      ['/api/v1/targets/{id}/figures', ['get', 'post']],
      ['/api/v1/targets/{id}/figures/{figureId}', ['delete']],
      ['/api/v1/reports', ['get', 'post']],
      ['/api/v1/reports/{id}', ['get']],
    ];
    for (const [path, methods] of expected) {
      expect([path, Object.keys(doc.paths[path] ?? {}).sort()]).toEqual([path, [...methods].sort()]);
      for (const m of methods) expect([path, m, doc.paths[path][m].security]).toEqual([path, m, [{ bearer: [] }]]);
    }
    expect(doc.paths['/api/v1/plans'].post.responses).toEqual(expect.objectContaining({ '201': expect.anything(), '400': expect.anything(), '409': expect.anything() }));
    expect(Object.keys(doc.paths['/api/v1/targets/{id}/items'].get.responses['200'].content)).toEqual(
      expect.arrayContaining(['application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']),
    );
    expect(doc.paths['/api/v1/targets'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['year', 'quarter', 'from', 'to']));
    expect(doc.components.schemas.TargetFigureDoc.properties).toEqual(expect.objectContaining({ value: expect.anything(), pace: expect.anything(), attendance: expect.anything() }));
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/manage/plans'))).toBe(false);
  });
});
