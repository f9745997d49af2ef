import { PlansService, TargetsService } from '@keyport/targets';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';
import { unusedYear } from '../utils/target-factories';

const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

describe('year plan pages', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  const years = new Set<number>();

  function freshYear(): number {
    let y = unusedYear();
    while (years.has(y)) y = unusedYear();
    years.add(y);
    return y;
  }

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
  });
  afterAll(() => app.close());

  async function loggedIn(role: Role): Promise<PageClient> {
    const user = await newUser(app, role);
    const page = new PageClient(app);
    expect((await page.login(user.email, TEST_PASSWORD)).statusCode).toBe(303);
    return page;
  }

  /** An empty plan of a far-future year, made through the service. */
  async function emptyPlan(): Promise<number> {
    const year = freshYear();
    await app.get(PlansService).createPlan('system', { year });
    return year;
  }

  it('renders the plans for an organiser (with the menu item), in Dutch and English; 403 for an account manager; the login for anonymous visitors', async () => {
    const organiser = await loggedIn(Role.Organiser);
    const urls = ['/manage/plans', '/manage/plans/2018', '/manage/plans/2018/targets/new'];
    for (const url of urls) {
      const res = await organiser.get(url);
      expect([url, res.statusCode]).toEqual([url, 200]);
      expect(res.body).toContain('<a href="/manage/plans" aria-current="page">Jaarplannen</a>');
      expect(res.body).toContain('<input type="hidden" name="_csrf"');
    }
    const plan = unescape((await organiser.get('/manage/plans/2018')).body);
    // Grouped by programme line, each target with its number, metric, filters in words and current figure.
    for (const line of ['Innovatie', 'Ondernemerschap', 'Arbeidsmarktoptimalisatie', 'Communicatie', 'Projectontwikkeling']) expect(plan).toContain(`>${line}</h2>`);
    expect(plan).toContain('Unieke organisaties aanwezig');
    expect(plan).toContain("Tags / thema's: innovation");
    expect(plan).toContain('Soort ondersteuning: Innovatietraject');
    expect(plan).toContain('beginstand 16.900');
    expect(plan).toMatch(/aangemeld \d+, niet gekomen \d+/);
    expect(plan).toMatch(/<strong>[\d.]+<\/strong> \/ 200/);
    expect(plan).toContain('<progress value=');
    expect(plan).not.toContain('id="delete-plan"');
    const english = (await organiser.get('/manage/plans/2018?lang=en')).body;
    expect(english).toContain('Distinct organisations attending');
    expect(english).toContain('baseline 16,900');
    expect((await organiser.get('/manage/plans?lang=en')).body).toContain('Start a year plan');

    const admin = await loggedIn(Role.Admin);
    expect((await admin.get('/manage/plans/2018')).body).toContain('id="delete-plan"');

    const manager = await loggedIn(Role.AccountManager);
    expect((await manager.get('/')).body).not.toContain('href="/manage/plans"');
    for (const url of urls) expect([url, (await manager.get(url)).statusCode]).toEqual([url, 403]);
    expect((await manager.post('/manage/plans', { year: String(freshYear()), copyFrom: '2018' })).statusCode).toBe(403);

    const anonymous = new PageClient(app);
    const res = await anonymous.get('/manage/plans');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fmanage%2Fplans');
    expect((await organiser.post('/manage/plans', { year: String(freshYear()) }, { csrf: false })).statusCode).toBe(403);
    expect((await organiser.get(`/manage/plans/${freshYear()}`)).statusCode).toBe(404);
  });

  it('starts a plan as a copy of another year in one action, and shows what went wrong next to the field', async () => {
    const page = await loggedIn(Role.Organiser);
    const list = await page.get('/manage/plans');
    // Proposed: a year without a plan, as a copy of a plan before it.
    const proposed = /id="f-year" name="year" type="number"[^>]* value="(\d+)"/.exec(list.body)?.[1];
    expect(Number(proposed)).toBeGreaterThanOrEqual(new Date().getUTCFullYear() - 1);
    expect(list.body).toMatch(/<option value="\d+" selected>Een kopie van \d+<\/option>/);

    const year = freshYear();
    const created = await page.post('/manage/plans', { year: String(year), copyFrom: '2018', title: `Jaarplan ${year}` });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe(`/manage/plans/${year}`);
    const shown = unescape((await page.get(`/manage/plans/${year}`)).body);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM targets t JOIN year_plans p ON p.id = t.plan_id WHERE p.year = 2018`);
    expect(shown).toContain(`Het jaarplan ${year} is gestart als kopie van 2018, met ${n} doelstellingen.`);
    expect(shown).toContain(`<h1>Jaarplan ${year}</h1>`);
    expect(shown).toContain('Unieke organisaties aanwezig');
    expect((await page.get('/manage/plans')).body).toContain(`<a href="/manage/plans/${year}">${year}</a>`);

    await page.get('/manage/plans');
    const twice = await page.post('/manage/plans', { year: String(year), copyFrom: '2018' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('id="e-year" class="field-error">Voor dit jaar is al een plan.</small>');
    expect(twice.body).toContain('aria-invalid="true" aria-describedby="e-year"');

    const other = freshYear();
    const noSource = await page.post('/manage/plans', { year: String(other), copyFrom: String(freshYear()) });
    expect(noSource.statusCode).toBe(400);
    expect(noSource.body).toContain('id="e-copyFrom" class="field-error">Voor dat jaar is geen plan om te kopiëren.</small>');
    const badYear = await page.post('/manage/plans', { year: 'volgend jaar', copyFrom: '' });
    expect(badYear.statusCode).toBe(400);
    expect(badYear.body).toContain('id="e-year" class="field-error">Vul een jaar in van 2000 tot 9999.</small>');
    expect(badYear.body).toContain('value="volgend jaar"');
    expect(await db.query(`SELECT 1 FROM year_plans WHERE year = $1`, [other])).toHaveLength(0);

    // An empty plan.
    const empty = freshYear();
    const emptyRes = await page.post('/manage/plans', { year: String(empty), copyFrom: '' });
    expect(emptyRes.headers.location).toBe(`/manage/plans/${empty}`);
    expect(unescape((await page.get(`/manage/plans/${empty}`)).body)).toContain(`Het jaarplan ${empty} is gestart.`);
  });

  it('adds a target with the filters of its metric, shows validation errors next to the fields, edits and deletes it', async () => {
    const year = await emptyPlan();
    const page = await loggedIn(Role.Organiser);
    const form = await page.get(`/manage/plans/${year}/targets/new?line=labour_market`);
    expect(form.body).toContain('<option value="labour_market" selected>');
    // The default metric's filters, and no others.
    expect(form.body).toContain('id="f-formats"');
    expect(form.body).toContain('id="f-participantTypes"');
    expect(form.body).not.toContain('id="f-supportKinds"');
    expect(form.body).not.toContain('name="manualAggregate"');

    const url = `/manage/plans/${year}/targets`;
    const bad = await page.post(url, { title: ' ', target: 'veel', programmeLine: 'labour_market', metric: 'organisations_attending', shownMetric: 'organisations_attending', formats: 'masterclass', action: 'save' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="error-summary"');
    expect(bad.body).toContain('<small id="e-title" class="field-error">Dit veld is verplicht.</small>');
    expect(bad.body).toContain('<small id="e-target" class="field-error">Vul een geheel getal in van 1 tot 10.000.000.</small>');
    expect(bad.body).toContain('value="veel"');
    expect(bad.body).toMatch(/name="formats" value="masterclass" checked/);

    // Choosing another metric first shows its own fields.
    const switched = await page.post(url, { title: 'Clusters', target: '50', programmeLine: 'innovation', metric: 'organisations_supported', shownMetric: 'organisations_attending', formats: 'masterclass', action: 'save' });
    expect(switched.statusCode).toBe(200);
    expect(unescape(switched.body)).toContain('De telling is nu “Unieke organisaties met ondersteuning”');
    expect(switched.body).toContain('id="f-supportKinds"');
    expect(switched.body).not.toContain('id="f-formats"');
    expect(switched.body).toContain('name="shownMetric" value="organisations_supported"');

    const noKinds = await page.post(url, { title: 'Clusters', target: '50', programmeLine: 'innovation', metric: 'organisations_supported', shownMetric: 'organisations_supported', action: 'save' });
    expect(noKinds.statusCode).toBe(400);
    expect(noKinds.body).toContain('<small id="e-supportKinds" class="field-error">Kies welke soorten ondersteuning tellen.</small>');
    expect(noKinds.body).toContain('<a href="#f-supportKinds">Soort ondersteuning</a>');
    expect(await db.query(`SELECT 1 FROM targets t JOIN year_plans p ON p.id = t.plan_id WHERE p.year = $1`, [year])).toHaveLength(0);

    const saved = await page.post(url, {
      title: 'Bedrijven in clusters', titleEn: 'Companies in clusters', target: '50', programmeLine: 'innovation', metric: 'organisations_supported', shownMetric: 'organisations_supported',
      supportKinds: 'cluster', municipalities: 'Weert', inRegion: '', action: 'save',
    });
    expect(saved.statusCode).toBe(303);
    const [row] = await db.query(`SELECT t.id, t.target_value, t.metric, t.filters FROM targets t JOIN year_plans p ON p.id = t.plan_id WHERE p.year = $1`, [year]);
    expect(row).toMatchObject({ target_value: 50, metric: 'organisations_supported', filters: { supportKinds: ['cluster'], municipalities: ['Weert'] } });
    expect(saved.headers.location).toBe(`/manage/plans/${year}#target-${row.id}`);
    const plan = unescape((await page.get(`/manage/plans/${year}`)).body);
    expect(plan).toContain('Doelstelling toegevoegd: Bedrijven in clusters');
    expect(plan).toContain('Soort ondersteuning: Cluster');
    expect(plan).toContain('Gemeente: Weert');
    expect((await page.get(`/manage/plans/${year}?lang=en`)).body).toContain('Companies in clusters');
    await page.get(`/manage/plans/${year}?lang=nl`);

    const edit = await page.get(`/manage/plans/${year}/targets/${row.id}/edit`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toMatch(/name="supportKinds" value="cluster" checked/);
    expect(edit.body).toContain('value="50"');
    const editBad = await page.post(`/manage/plans/${year}/targets/${row.id}`, {
      title: 'Bedrijven in clusters', target: '0', programmeLine: 'innovation', metric: 'organisations_supported', shownMetric: 'organisations_supported', supportKinds: 'cluster', key: 'Niet Goed', action: 'save',
    });
    expect(editBad.statusCode).toBe(400);
    expect(editBad.body).toContain('id="e-target"');
    expect(editBad.body).toContain('<small id="e-key" class="field-error">');
    const edited = await page.post(`/manage/plans/${year}/targets/${row.id}`, {
      title: 'Bedrijven in clusters', target: '75', programmeLine: 'innovation', metric: 'organisations_supported', shownMetric: 'organisations_supported', supportKinds: 'cluster', action: 'save',
    });
    expect(edited.statusCode).toBe(303);
    const after = await app.get(TargetsService).get(row.id);
    expect(after).toMatchObject({ target: 75, titleEn: null, filters: { supportKinds: ['cluster'] } });
    expect(unescape((await page.get(`/manage/plans/${year}`)).body)).toContain('Doelstelling opgeslagen: Bedrijven in clusters');

    // A target of another year's plan is not found under this one.
    expect((await page.get(`/manage/plans/2018/targets/${row.id}/edit`)).statusCode).toBe(404);

    await page.get(`/manage/plans/${year}/targets/${row.id}/edit`);
    const deleted = await page.post(`/manage/plans/${year}/targets/${row.id}/delete`, {});
    expect(deleted.statusCode).toBe(303);
    expect(await db.query(`SELECT 1 FROM targets WHERE id = $1`, [row.id])).toHaveLength(0);
  });

  it('enters manual figures with a date, a value and a note, shows the baseline, lists and deletes them', async () => {
    const year = await emptyPlan();
    const page = await loggedIn(Role.Organiser);
    await page.get(`/manage/plans/${year}/targets/new?line=communication`);
    const switched = await page.post(`/manage/plans/${year}/targets`, { title: 'Websitebezoekers', target: '18020', programmeLine: 'communication', metric: 'manual', shownMetric: 'organisations_attending', action: 'metric' });
    expect(switched.statusCode).toBe(200);
    expect(switched.body).toContain('name="manualAggregate"');
    expect(switched.body).toContain('name="baseline"');
    expect(switched.body).toContain('Deze telling heeft geen filters.');
    const created = await page.post(`/manage/plans/${year}/targets`, {
      title: 'Websitebezoekers', target: '18020', programmeLine: 'communication', metric: 'manual', shownMetric: 'manual', manualAggregate: 'latest', baseline: '16900', action: 'save',
    });
    expect(created.statusCode).toBe(303);
    const [target] = await db.query(`SELECT t.id FROM targets t JOIN year_plans p ON p.id = t.plan_id WHERE p.year = $1`, [year]);
    const planPage = await page.get(`/manage/plans/${year}`);
    expect(planPage.body).toContain(`href="/manage/plans/${year}/targets/${target.id}/figures"`);

    const url = `/manage/plans/${year}/targets/${target.id}/figures`;
    const figures = await page.get(url);
    expect(figures.statusCode).toBe(200);
    expect(figures.body).toContain('<dd>16.900</dd>');
    expect(figures.body).toContain('Nog geen cijfers ingevoerd.');
    expect(figures.body).toMatch(/id="f-recordedOn" name="recordedOn" type="date" value="\d{4}-\d{2}-\d{2}"/);

    const bad = await page.post(url, { recordedOn: `${year}-02-30`, value: 'veel', note: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('<small id="e-value" class="field-error">Vul een geheel getal in van 0 of meer.</small>');
    const badDay = await page.post(url, { recordedOn: `${year}-02-30`, value: '17100', note: '' });
    expect(badDay.statusCode).toBe(400);
    expect(badDay.body).toContain('<small id="e-recordedOn" class="field-error">Vul een geldige datum in.</small>');
    expect(badDay.body).toContain('value="17100"');

    const added = await page.post(url, { recordedOn: `${year}-03-31`, value: '17100', note: 'Google Analytics Q1' });
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe(url);
    const listed = await page.get(url);
    expect(listed.body).toContain('Cijfer 17100 van');
    expect(listed.body).toContain('Google Analytics Q1');
    expect(listed.body).toContain('<td>17.100</td>');
    expect(listed.body).toContain('<dd><strong>17.100</strong>');
    expect((await page.get(`/manage/plans/${year}`)).body).toContain('beginstand 16.900');

    const [figure] = await db.query(`SELECT id FROM manual_figures WHERE target_id = $1`, [target.id]);
    expect((await page.post(`${url}/${figure.id}/delete`, {})).statusCode).toBe(303);
    expect(await db.query(`SELECT 1 FROM manual_figures WHERE target_id = $1`, [target.id])).toHaveLength(0);
    expect((await page.get(url)).body).toContain('Cijfer verwijderd.');

    // A counted target takes no figures by hand.
    const counted = await app.get(TargetsService).create('system', year, { programmeLine: 'innovation', title: 'Vragen', target: 5, metric: 'questions_answered' });
    expect((await page.get(`/manage/plans/${year}/targets/${counted.id}/figures`)).statusCode).toBe(404);
  });

  it('lets an admin (only) delete a plan, after ticking the confirmation', async () => {
    const year = await emptyPlan();
    const organiser = await loggedIn(Role.Organiser);
    await organiser.get(`/manage/plans/${year}`);
    expect((await organiser.post(`/manage/plans/${year}/delete`, { confirm: 'yes' })).statusCode).toBe(403);

    const admin = await loggedIn(Role.Admin);
    await admin.get(`/manage/plans/${year}`);
    const unconfirmed = await admin.post(`/manage/plans/${year}/delete`, {});
    expect(unconfirmed.statusCode).toBe(303);
    expect(unconfirmed.headers.location).toBe(`/manage/plans/${year}#delete-plan`);
    expect(await db.query(`SELECT 1 FROM year_plans WHERE year = $1`, [year])).toHaveLength(1);
    const deleted = await admin.post(`/manage/plans/${year}/delete`, { confirm: 'yes' });
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe('/manage/plans');
    expect(await db.query(`SELECT 1 FROM year_plans WHERE year = $1`, [year])).toHaveLength(0);
    expect((await admin.get('/manage/plans')).body).toContain(`Het jaarplan ${year} is verwijderd.`);
  });
});
