import { ConflictError } from '@keyport/common';
import { PlansService, PlanView, TargetsService } from '@keyport/targets';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';
import { insertEvents, insertRegistrations, insertRows, newGenEvent, GenRegistration } from '../utils/target-factories';

const WORKSHOPS = 'entrepreneurship.workshop_masterclass_participants';
const PUPILS = 'labour_market.vmbo_pupils_meet_employers';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A plan for a random far-future year of its own (the database is shared with other test files). */
export async function planForFreshYear(app: NestFastifyApplication): Promise<PlanView> {
  for (;;) {
    const year = 3000 + Math.floor(Math.random() * 6000);
    try {
      return await app.get(PlansService).createPlan('system', { year, copyFrom: 2018 });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}

const rowsOf = (html: string, tableClass: string): number => {
  const table = html.split(`class="${tableClass}"`)[1]?.split('</table>')[0] ?? '';
  return (table.split('<tbody>')[1] ?? '').split('<tr').length - 1;
};
const unescape = (html: string): string => html.replace(/&#x3D;/g, '=').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
const attr = (html: string, id: string, name: string): string | undefined => new RegExp(`id="${id}"[^>]*?${name}="([^"]*)"`).exec(html)?.[1] ?? new RegExp(`${name}="([^"]*)"[^>]*?id="${id}"`).exec(html)?.[1];

describe('targets dashboard, drill-down and quarterly report pages', () => {
  let app: NestFastifyApplication;
  let plan: PlanView;
  let year: number;
  let workshops: string;
  let pupils: string;
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    app = await createTestApp();
    const db = app.get(DataSource);
    plan = await planForFreshYear(app);
    year = plan.year;
    workshops = plan.targets.find((t) => t.key === WORKSHOPS)!.id;
    pupils = plan.targets.find((t) => t.key === PUPILS)!.id;

    // Organisations in two funding municipalities and one outside the region.
    const orgs = [
      await newOrganisation(app, { name: `Weerter Bouw ${tag}`, municipality: 'Weert' }),
      await newOrganisation(app, { name: `Roermondse Zaak ${tag}`, municipality: 'Roermond' }),
      await newOrganisation(app, { name: `Eindhovense Partner ${tag}`, municipality: 'Eindhoven' }),
    ];
    const school = await newOrganisation(app, { name: `Vmbo College ${tag}`, municipality: 'Leudal', type: 'education' });
    // 62 people: 55 come to the masterclass in Q1; 5 of them and 2 others to the workshop in Q2.
    const people = Array.from({ length: 65 }, (_, i) => ({ id: randomUUID(), first_name: `Deelnemer${String(i).padStart(2, '0')}`, last_name: `Doel ${tag}`, email: `d${i}.${tag}@example.nl` }));
    await insertRows(db, 'contacts', { id: 'uuid', first_name: 'text', last_name: 'text', email: 'text' }, people);
    const masterclass = newGenEvent({ title: `Masterclass Strategie ${tag}`, format: 'masterclass', programmeLines: ['entrepreneurship'], startsAt: new Date(`${year}-02-10T08:00:00Z`), municipality: 'Roermond' });
    const workshop = newGenEvent({ title: `Workshop Financiering ${tag}`, format: 'workshop', programmeLines: ['entrepreneurship'], startsAt: new Date(`${year}-05-12T08:00:00Z`), municipality: 'Weert' });
    const meetup = newGenEvent({ title: `Kennismaking werkgevers ${tag}`, format: 'employer_meetup', programmeLines: ['labour_market'], startsAt: new Date(`${year}-03-03T09:00:00Z`), municipality: 'Leudal' });
    await insertEvents(db, [masterclass, workshop, meetup]);
    const reg = (eventId: string, i: number, status: string): GenRegistration => ({ id: randomUUID(), eventId, contactId: people[i].id, organisationId: orgs[i % 3].id, participantType: 'entrepreneur', status });
    const registrations: GenRegistration[] = [
      ...Array.from({ length: 55 }, (_, i) => reg(masterclass.id, i, 'attended')),
      reg(masterclass.id, 55, 'no_show'), reg(masterclass.id, 56, 'no_show'), reg(masterclass.id, 57, 'confirmed'),
      ...[0, 1, 2, 3, 4, 60, 61].map((i) => reg(workshop.id, i, 'attended')),
      reg(workshop.id, 62, 'no_show'),
    ];
    await insertRegistrations(db, registrations, new Map([masterclass, workshop].map((e) => [e.id, e])));
    await insertRows(
      db, 'group_attendances',
      { id: 'uuid', event_id: 'uuid', organisation_id: 'uuid', label: 'text', headcount: 'integer', participant_type: 'text', education_level: 'text' },
      [
        { id: randomUUID(), event_id: meetup.id, organisation_id: school.id, label: `Klas 3A ${tag}`, headcount: 34, participant_type: 'pupil', education_level: 'vmbo' },
        { id: randomUUID(), event_id: meetup.id, organisation_id: school.id, label: `Klas 3B ${tag}`, headcount: 26, participant_type: 'pupil', education_level: 'vmbo' },
      ],
    );
  });
  afterAll(() => app?.close());

  async function loggedIn(role: Role): Promise<PageClient> {
    const user = await newUser(app, role, { name: `Doelen ${role}` });
    const page = new PageClient(app);
    expect((await page.login(user.email, TEST_PASSWORD)).statusCode).toBe(303);
    return page;
  }

  it('renders the dashboard for every staff role, with the menu item; anonymous visitors are sent to the login', async () => {
    for (const role of [Role.Admin, Role.Organiser, Role.AccountManager]) {
      const page = await loggedIn(role);
      const res = await page.get(`/dashboard?year=${year}`);
      expect([role, res.statusCode]).toEqual([role, 200]);
      expect(res.body).toContain('<a href="/dashboard" aria-current="page">Doelen</a>');
      expect(attr(res.body, `figure-${workshops}`, 'data-value')).toBe('57');
      expect(attr(res.body, `figure-${pupils}`, 'data-value')).toBe('60');
      // Every figure links to its drill-down, in the period shown.
      expect(unescape(res.body)).toContain(`href="/dashboard/targets/${workshops}?year=${year}"`);
      // Pace in words, beside the colour; registered and no-show beside attendance.
      expect(res.body).toMatch(/class="pace-badge pace-[a-z_]+">[^<]+</);
      expect(res.body).toContain('Aangemeld 61 · aanwezig 57 · niet gekomen 3');
      // A manual figure with a baseline shows it.
      expect(res.body).toContain('Beginstand: 16.900');
      expect((await page.get('/dashboard')).statusCode).toBe(200);
      expect((await page.get('/reports')).statusCode).toBe(200);
    }
    const english = await (await loggedIn(Role.Organiser)).get(`/dashboard?year=${year}&lang=en`);
    expect(english.body).toContain('<a href="/dashboard" aria-current="page">Dashboard</a>');
    expect(english.body).toContain('Registered 61 · attended 57 · no-show 3');

    const anonymous = new PageClient(app);
    for (const url of ['/dashboard', `/dashboard/targets/${workshops}`, '/reports', '/reports/new']) {
      const res = await anonymous.get(url);
      expect([url, res.statusCode]).toEqual([url, 303]);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    const chart = await app.inject({ method: 'GET', url: '/assets/vendor/chart.umd.min.js' });
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toContain('application/javascript');
    expect(chart.body).toContain('Chart.js v4');
  });

  it('switches year and quarter with a plain GET form', async () => {
    const page = await loggedIn(Role.AccountManager);
    const whole = await page.get(`/dashboard?year=${year}`);
    expect(whole.body).toContain('<form method="get" action="/dashboard"');
    expect(whole.body).toContain(`<option value="${year}" selected>${year}</option>`);
    expect(whole.body).toContain('<option value="">Heel het jaar</option>');
    const q1 = await page.get(`/dashboard?year=${year}&quarter=1`);
    expect(q1.statusCode).toBe(200);
    expect(q1.body).toContain('<option value="1" selected>Kwartaal 1</option>');
    expect(attr(q1.body, `figure-${workshops}`, 'data-value')).toBe('55');
    expect(attr(q1.body, `figure-${pupils}`, 'data-value')).toBe('60');
    expect(unescape(q1.body)).toContain(`href="/dashboard/targets/${workshops}?year=${year}&quarter=1"`);
    const q2 = await page.get(`/dashboard?year=${year}&quarter=2`);
    expect(attr(q2.body, `figure-${workshops}`, 'data-value')).toBe('7');
    expect(attr(q2.body, `figure-${pupils}`, 'data-value')).toBe('0');
    // An empty quarter (the form's "whole year") is the whole year.
    expect(attr((await page.get(`/dashboard?year=${year}&quarter=`)).body, `figure-${workshops}`, 'data-value')).toBe('57');
    expect((await page.get(`/dashboard?year=${year}&quarter=5`)).statusCode).toBe(400);
    expect((await page.get('/dashboard?year=9500')).statusCode).toBe(404);
    // The past year of the seed plan shows the full-year pace.
    const seed = await page.get('/dashboard?year=2018');
    expect(seed.statusCode).toBe(200);
    expect(seed.body).toContain('Deze periode is voorbij');
  });

  it('drills down to exactly the list counted: its length is the figure, paged, and exported whole as CSV and XLSX', async () => {
    const page = await loggedIn(Role.Organiser);
    const res = await page.get(`/dashboard/targets/${workshops}?year=${year}`);
    expect(res.statusCode).toBe(200);
    expect(attr(res.body, 'drill-check', 'data-rows')).toBe('57');
    expect(attr(res.body, 'drill-check', 'data-figure')).toBe('57');
    expect(res.body).toContain('Regels in deze lijst: 57 · cijfer: 57');
    expect(rowsOf(res.body, 'drill-table')).toBe(50);
    expect(res.body).toMatch(/<a href="\/crm\/contacts\/[0-9a-f-]{36}">Deelnemer00 Doel /);
    expect(res.body).toMatch(/<a href="\/crm\/organisations\/[0-9a-f-]{36}">Weerter Bouw /);
    // The breakdown per municipality adds up to the figure (each person in the municipality of the organisation they came for).
    expect(res.body).toContain('<td id="breakdown-total">57</td>');
    expect(res.body).toMatch(/<th scope="row">Weert<\/th><td>20<\/td>/);
    expect(res.body).toMatch(/<th scope="row">Roermond<\/th><td>19<\/td>/);
    expect(res.body).toMatch(/<th scope="row">Buiten de regio of onbekend<\/th><td>18<\/td>/);
    expect(res.body).toMatch(/<th scope="row">Cranendonck<\/th><td>0<\/td>/);
    // The chart's data table is always in the page: twelve months, cumulative.
    expect(rowsOf(res.body, 'chart-data')).toBe(12);
    expect(res.body).toContain(`data-month="${year}-02" `);
    expect(res.body).toContain('<canvas id="target-chart" role="img"');
    expect(res.body).toContain('<script src="/assets/vendor/chart.umd.min.js" defer></script>');
    const second = await page.get(`/dashboard/targets/${workshops}?year=${year}&page=2`);
    expect(rowsOf(second.body, 'drill-table')).toBe(7);
    expect(second.body).toContain('Pagina 2 van 2');

    const quarter = await page.get(`/dashboard/targets/${workshops}?year=${year}&quarter=2`);
    expect(attr(quarter.body, 'drill-check', 'data-rows')).toBe('7');
    expect(rowsOf(quarter.body, 'chart-data')).toBe(3);

    // A headcount: the counts add up to the figure, and both are printed.
    const groups = await page.get(`/dashboard/targets/${pupils}?year=${year}`);
    expect(groups.body).toContain('Regels in deze lijst: 2 · opgeteld aantal: 60 · cijfer: 60');
    expect(groups.body).toMatch(/<a href="\/manage\/events\/[0-9a-f-]{36}">Kennismaking werkgevers /);

    const csv = await page.get(`/dashboard/targets/${workshops}/export?format=csv&year=${year}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="doel-entrepreneurship.workshop_masterclass_participants-${year}-\\d{4}-\\d{2}-\\d{2}.csv"$`));
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('Soort,Id,Naam,Gemeente,Organisatie,Bijeenkomst,Geteld vanaf,Telt voor,Onderliggende records,Link');
    expect(lines).toHaveLength(1 + 57);
    expect(lines[1]).toMatch(/^Persoon,[0-9a-f-]{36},Deelnemer00 Doel [^,]+,(Weert|Roermond|Buiten de regio of onbekend),/);
    expect(lines[1]).toMatch(/\/crm\/contacts\/[0-9a-f-]{36}$/);

    const xlsx = await page.get(`/dashboard/targets/${workshops}/export?format=xlsx&year=${year}&quarter=1`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe(XLSX);
    expect(xlsx.headers['content-disposition']).toMatch(/-q1-\d{4}-\d{2}-\d{2}\.xlsx"$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as never);
    const sheet = book.worksheets[0];
    expect(sheet.rowCount).toBe(1 + 55);
    expect(sheet.getRow(1).getCell(1).value).toBe('Soort');

    expect((await page.get(`/dashboard/targets/${randomUUID()}`)).statusCode).toBe(404);
    expect((await page.get(`/dashboard/targets/${workshops}/export?format=pdf`)).statusCode).toBe(400);
  });

  it('issues the quarterly report once (a second time is a 409 shown on the draft); it prints and downloads as XLSX', async () => {
    const organiser = await loggedIn(Role.Organiser);
    const draft = await organiser.get(`/reports/new?year=${year}&quarter=1`);
    expect(draft.statusCode).toBe(200);
    expect(draft.body).toContain(`Concept voortgangsrapportage K1 ${year}`);
    expect(draft.body).toContain(`Masterclass Strategie ${tag}`);
    expect(draft.body).not.toContain(`Workshop Financiering ${tag}`);
    expect(draft.body).toContain(`Rapportage K1 ${year} uitbrengen`);

    const highlights = `Drie masterclasses vol.\n\n=Veel nieuwe gezichten uit Weert ${tag}`;
    const preview = await organiser.post('/reports', { year: String(year), quarter: '1', highlights, action: 'preview' });
    expect(preview.statusCode).toBe(200);
    expect(unescape(preview.body)).toContain(`<div class="highlights" id="highlights">Drie masterclasses vol.\n\n=Veel nieuwe gezichten uit Weert ${tag}</div>`);

    const issued = await organiser.post('/reports', { year: String(year), quarter: '1', highlights, action: 'issue' });
    expect(issued.statusCode).toBe(303);
    const url = String(issued.headers.location);
    expect(url).toMatch(/^\/reports\/[0-9a-f-]{36}$/);
    const id = url.split('/').pop()!;
    const report = await organiser.get(url);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain(`De voortgangsrapportage over K1 ${year} is uitgebracht.`);
    expect(report.body).toContain(`<h1 id="report-title" class="report-title">Voortgangsrapportage K1 ${year}</h1>`);
    expect(report.body).toContain('Veel nieuwe gezichten');
    expect(report.body).toContain('id="municipality-table"');
    expect(report.body).toContain(`Masterclass Strategie ${tag}`);
    expect(report.body).toContain(`href="/reports/${id}.xlsx"`);
    expect(report.body).toContain('<link rel="stylesheet" href="/assets/targets-pages.css">');
    // The targets table with figures and pace: the masterclass's 55 in Q1.
    expect(unescape(report.body)).toMatch(new RegExp(`href="/dashboard/targets/${workshops}\\?year=${year}&quarter=1">[^<]+</a></th>\\s*<td>50</td>\\s*<td><strong>55</strong></td>`));

    // Once per quarter: the second time is a 409, shown on the draft with a link to the issued one.
    await organiser.get(`/reports/new?year=${year}&quarter=1`);
    const again = await organiser.post('/reports', { year: String(year), quarter: '1', highlights: 'Nog eens', action: 'issue' });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain(`De rapportage over K1 ${year} is al uitgebracht`);
    expect(again.body).toContain(`<a href="/reports/${id}">`);
    expect(again.body).toContain('Nog eens</textarea>');

    const list = await organiser.get('/reports');
    expect(list.body).toContain(`<a href="/reports/${id}">Voortgangsrapportage K1 ${year}</a>`);

    const xlsx = await organiser.get(`/reports/${id}.xlsx`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe(XLSX);
    expect(xlsx.headers['content-disposition']).toBe(`attachment; filename="voortgangsrapportage-${year}-q1.xlsx"`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as never);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Targets', 'Municipalities', 'Events', 'Highlights']);
    const targets = book.getWorksheet('Targets')!;
    const row = targets.getRows(2, targets.rowCount - 1)!.find((r) => r.getCell(2).value === WORKSHOPS)!;
    expect(row.getCell(5).value).toBe(55);
    expect(book.getWorksheet('Targets')!.rowCount).toBe(1 + plan.targets.length);
    const events = book.getWorksheet('Events')!;
    expect(events.getRows(2, events.rowCount - 1)!.map((r) => r.getCell(2).value)).toContain(`Masterclass Strategie ${tag}`);
    const municipalities = book.getWorksheet('Municipalities')!;
    expect(municipalities.getRow(1).values).toEqual([undefined, 'Doel', 'Leudal', 'Maasgouw', 'Nederweert', 'Roerdalen', 'Roermond', 'Weert', 'Cranendonck', 'Buiten de regio of onbekend', 'Totaal']);
    // A cell that would be a formula in a spreadsheet is kept as text.
    expect(book.getWorksheet('Highlights')!.getRow(4).getCell(1).value).toBe(`'=Veel nieuwe gezichten uit Weert ${tag}`);

    // An issued report counts toward "progress communicated 4 times a year", in the period it was issued.
    const communication = plan.targets.find((t) => t.metric === 'progress_reports')!;
    const today = new Date().toISOString().slice(0, 10);
    const counted = await app.get(TargetsService).drillDown(communication.id, { from: today, to: today });
    expect(counted.map((i) => i.id)).toContain(id);

    // Account managers read reports, but do not issue them.
    const manager = await loggedIn(Role.AccountManager);
    expect((await manager.get(url)).statusCode).toBe(200);
    expect((await manager.get('/reports')).body).not.toContain('href="/reports/new"');
    expect((await manager.get(`/reports/new?year=${year}&quarter=2`)).statusCode).toBe(403);
    expect((await manager.post('/reports', { year: String(year), quarter: '2', highlights: 'x', action: 'issue' })).statusCode).toBe(403);
    expect((await organiser.get(`/reports/${randomUUID()}`)).statusCode).toBe(404);
    expect((await organiser.get(`/reports/${randomUUID()}.xlsx`)).statusCode).toBe(404);
  });
});
