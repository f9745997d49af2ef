import { ConflictError } from '@keyport/common';
import { EventsService, RegistrationsService } from '@keyport/events';
import { PlansService, PlanView, ProgressReportsService } from '@keyport/targets';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser, Page } from 'playwright-core';
import { describeWithBrowser, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';

const WORKSHOPS = 'entrepreneurship.workshop_masterclass_participants';

async function planForFreshYear(app: NestFastifyApplication): Promise<PlanView> {
  for (;;) {
    const year = 3000 + Math.floor(Math.random() * 6000);
    try {
      return await app.get(PlansService).createPlan('system', { year, copyFrom: 2018 });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}

describeWithBrowser('targets dashboard in a real browser (Chromium, axe-core)', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ app, browser, base } = await startBrowserApp());
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function check(page: Page, shot: string): Promise<void> {
    await screenshot(page, `targets-${shot}`);
    expect(await seriousA11yViolations(page)).toEqual([]);
  }

  async function login(page: Page, email: string): Promise<void> {
    await page.goto(`${base}/login`);
    await page.getByLabel('E-mailadres').fill(email);
    await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.waitForURL(`${base}/`);
  }

  it('an organiser checks someone in at a masterclass and sees the target figure go up; dashboard, drill-down and report have no serious accessibility faults', async () => {
    const stamp = Date.now().toString(36);
    const plan = await planForFreshYear(app);
    const year = plan.year;
    const target = plan.targets.find((t) => t.key === WORKSHOPS)!;
    const organiser = await newUser(app, Role.Organiser, { name: 'Olga Doelen' });
    const event = await newEvent(app, {
      title: `Masterclass Verdienmodellen ${stamp}`,
      format: 'masterclass',
      programmeLines: ['entrepreneurship'],
      startsAt: `${year}-04-14T07:30:00Z`,
      endsAt: `${year}-04-14T10:00:00Z`,
      capacity: 30,
    });
    const registrations = app.get(RegistrationsService);
    const ids: Record<string, string> = {};
    for (const [first, last, org] of [['Anouk', `Jansen ${stamp}`, 'Jansen Techniek'], ['Bram', `Peters ${stamp}`, 'Peters Bouw'], ['Cor', `Smeets ${stamp}`, 'Smeets Advies']]) {
      const result = await registrations.register({ id: event.id }, { firstName: first, lastName: last, email: `${first.toLowerCase()}.${stamp}@example.nl`, organisationName: org }, { source: 'staff' });
      ids[first] = result.id;
    }
    // Bram came already: the figure starts at 1.
    const actor = { id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email };
    await registrations.checkIn(actor, ids.Bram);

    // Console errors (a script failing, a refused inline style under the CSP); the browser's own favicon request aside.
    const errors: string[] = [];
    const keep = (text: string) => { if (!text.includes('/favicon.ico')) errors.push(text); };
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => { if (m.type() === 'error') keep(`${m.text()} ${m.location().url}`); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await login(page, organiser.email);

    // The dashboard is in the menu; the year is switched with the form.
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Doelen' }).click();
    await page.waitForURL(/\/dashboard/);
    await page.locator('#f-year').selectOption(String(year));
    await page.getByRole('button', { name: 'Tonen' }).click();
    await page.waitForURL(new RegExp(`/dashboard\\?year=${year}`));
    const figure = page.locator(`#figure-${target.id}`);
    const before = Number(await figure.textContent());
    expect(before).toBe(1);
    expect(await page.locator(`#target-${target.id} .pace-badge`).textContent()).toBeTruthy();
    await check(page, 'desktop-dashboard');

    // The figure opens its drill-down: the list counted, the chart (drawn by Chart.js) and its table.
    await page.locator(`#target-${target.id} .figure-link`).click();
    await page.waitForURL(new RegExp(`/dashboard/targets/${target.id}\\?year=${year}`));
    expect(await page.locator('#drill-check').textContent()).toContain('Regels in deze lijst: 1 · cijfer: 1');
    await page.locator('#target-chart-box').waitFor({ state: 'visible' });
    expect(await page.locator('#target-chart').evaluate((c) => (c as unknown as { width: number }).width)).toBeGreaterThan(100);
    expect(await page.locator('#target-chart-data tbody tr').count()).toBe(12);
    await check(page, 'desktop-drill-down');

    // At the door: the event's check-in page, a search, one click.
    await page.goto(`${base}/manage/events/${event.id}/check-in`);
    await page.getByLabel('Naam, e-mail of organisatie').fill(`Jansen ${stamp}`);
    await page.getByRole('button', { name: 'Zoeken' }).click();
    await page.waitForURL(/check-in\?q=/);
    await page.getByRole('button', { name: `Inchecken Anouk Jansen ${stamp}` }).click();
    await page.waitForURL(/check-in\?q=/);
    expect(await page.getByRole('status').first().textContent()).toContain(`Anouk Jansen ${stamp} is ingecheckt.`);

    // Back on the dashboard: one higher.
    await page.goto(`${base}/dashboard?year=${year}`);
    expect(Number(await page.locator(`#figure-${target.id}`).textContent())).toBe(before + 1);
    await page.locator(`#target-${target.id} .figure-link`).click();
    expect(await page.locator('#drill-check').textContent()).toContain('Regels in deze lijst: 2 · cijfer: 2');
    expect(await page.getByRole('link', { name: `Anouk Jansen ${stamp}` }).count()).toBe(1);
    expect(await page.getByRole('link', { name: `Cor Smeets ${stamp}` }).count()).toBe(0);

    // The masterclass is over: marked held, Cor (registered, not come) is a no-show.
    await app.get(EventsService).markHeld(actor, event.id);
    await page.goto(`${base}/dashboard?year=${year}`);
    expect(await page.locator(`#target-${target.id} .target-meta`).textContent()).toContain('Aangemeld 3 · aanwezig 2 · niet gekomen 1');

    // The quarterly report: a draft with highlights, issued once, printable.
    await page.goto(`${base}/reports/new?year=${year}&quarter=2`);
    await page.getByLabel('Hoogtepunten van het kwartaal').fill(`Twee masterclasses over verdienmodellen.\n\nNieuwe deelnemers uit Weert.`);
    await page.getByRole('button', { name: 'Concept bijwerken' }).click();
    await page.locator('#highlights').getByText('Twee masterclasses over verdienmodellen.').waitFor();
    expect(await page.locator('#events-held').textContent()).toContain(`Masterclass Verdienmodellen ${stamp}`);
    await check(page, 'desktop-report-draft');
    await page.getByRole('button', { name: `Rapportage K2 ${year} uitbrengen` }).click();
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('status').first().textContent()).toContain(`De voortgangsrapportage over K2 ${year} is uitgebracht.`);
    expect(await page.getByRole('button', { name: 'Afdrukken' }).isVisible()).toBe(true);
    await check(page, 'desktop-report');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: 'Download als Excel (XLSX)' }).isVisible()).toBe(false);
    expect(await page.locator('#report-title').isVisible()).toBe(true);
    await screenshot(page, 'targets-desktop-report-print');
    await page.emulateMedia({ media: 'screen' });

    // Issuing the same quarter again is refused, and said so on the draft.
    await page.goto(`${base}/reports/new?year=${year}&quarter=2`);
    expect(await page.locator('#report-conflict').textContent()).toContain(`De rapportage over K2 ${year} is al uitgebracht`);
    expect(await page.getByRole('button', { name: `Rapportage K2 ${year} uitbrengen` }).count()).toBe(0);
    await page.goto(`${base}/reports`);
    await check(page, 'desktop-report-list');
    expect(errors).toEqual([]);
    await context.close();

  }, 120_000);

  it('the dashboard, a drill-down and the report fit a phone and have no serious accessibility faults', async () => {
    const stamp = Date.now().toString(36);
    const plan = await planForFreshYear(app);
    const year = plan.year;
    const target = plan.targets.find((t) => t.key === WORKSHOPS)!;
    const organiser = await newUser(app, Role.Organiser, { name: 'Otto Telefoon' });
    const actor = { id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email };
    const event = await newEvent(app, {
      title: `Workshop Marketing ${stamp}`, format: 'workshop', programmeLines: ['entrepreneurship'],
      startsAt: `${year}-05-20T07:30:00Z`, endsAt: `${year}-05-20T10:00:00Z`, capacity: 30,
    });
    const registrations = app.get(RegistrationsService);
    for (const [first, org] of [['Daan', 'Daan Design'], ['Eva', 'Eva Export']]) {
      const r = await registrations.register({ id: event.id }, { firstName: first, lastName: `Workshop ${stamp}`, email: `${first.toLowerCase()}.${stamp}@example.nl`, organisationName: org }, { source: 'staff' });
      await registrations.checkIn(actor, r.id);
    }
    await app.get(EventsService).markHeld(actor, event.id);
    const report = await app.get(ProgressReportsService).issue(actor, { year, quarter: 2, highlights: `Een volle workshop.\n\nVeel vragen over marketing.` });

    const errors: string[] = [];
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => { if (m.type() === 'error' && !m.location().url.includes('/favicon.ico')) errors.push(`${m.text()} ${m.location().url}`); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await login(page, organiser.email);
    const fits = async () => {
      const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391 && !e.closest('.table-wrap')).slice(0, 8).map((e) => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + e.outerHTML.slice(0, 80) + ' IN ' + e.parentElement.parentElement.outerHTML.slice(0, 120))`);
      expect(wide).toEqual([]);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    };

    await page.goto(`${base}/dashboard?year=${year}&quarter=2`);
    expect(await page.locator(`#figure-${target.id}`).textContent()).toBe('2');
    await fits();
    await check(page, 'phone-dashboard');
    await page.locator(`#target-${target.id} .figure-link`).tap();
    await page.waitForURL(new RegExp(`/dashboard/targets/${target.id}`));
    await page.locator('#target-chart-box').waitFor({ state: 'visible' });
    expect(await page.locator('#drill-check').textContent()).toContain('Regels in deze lijst: 2 · cijfer: 2');
    await fits();
    await check(page, 'phone-drill-down');
    await page.goto(`${base}/reports/new?year=${year}&quarter=3`);
    await fits();
    await check(page, 'phone-report-draft');
    await page.goto(`${base}/reports/${report.id}`);
    expect(await page.locator('#highlights').textContent()).toContain('Veel vragen over marketing.');
    expect(await page.locator('#events-held').textContent()).toContain(`Workshop Marketing ${stamp}`);
    await fits();
    await check(page, 'phone-report');
    expect(errors).toEqual([]);
    await phone.close();
  }, 120_000);
});
