import { todayInAmsterdam } from '@keyport/crm/visits';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser, Page } from 'playwright-core';
import { describeWithBrowser, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';

function day(days: number): string {
  const [y, m, d] = todayInAmsterdam().split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

describeWithBrowser('company visits in a real browser (Chromium, axe-core, no JavaScript)', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  let auditor: Page;

  beforeAll(async () => {
    ({ app, browser, base } = await startBrowserApp());
  });
  afterEach(async () => {
    await auditor?.context().close();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /**
   * No serious or critical WCAG 2.1 A/AA violation on what the person sees now; a screenshot kept.
   * axe-core is a script, and the person's browser runs none: the very HTML they got is audited in a
   * second tab of the same size and origin (same stylesheets) that does allow scripts.
   */
  async function check(page: Page, shot: string): Promise<void> {
    await screenshot(page, shot);
    const html = await page.content();
    const url = `${base}/__a11y-snapshot`;
    await auditor.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await auditor.goto(url);
    expect(await seriousA11yViolations(auditor)).toEqual([]);
    await auditor.unroute(url);
  }

  for (const viewport of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`an account manager logs a visit with an innovation question and a follow-up and sees it on their home page (${viewport.name})`, async () => {
      const stamp = `${viewport.name} ${Date.now().toString(36)}`;
      const manager = await newUser(app, Role.AccountManager, { name: `Mieke ${viewport.name}` });
      const org = await newOrganisation(app, { name: `Jansen Techniek ${stamp}`, municipality: 'Weert' });
      await newContact(app, { firstName: 'Anouk', lastName: `Jansen ${stamp}`, organisations: [{ organisationId: org.id, role: 'Directeur' }] });
      // Forms must work without JavaScript: the whole journey runs with it switched off.
      const context = await browser.newContext({ viewport, javaScriptEnabled: false });
      auditor = await (await browser.newContext({ viewport })).newPage();
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const shot = (name: string) => `${viewport.name}-visits-${name}`;

      await page.goto(`${base}/login`);
      await page.getByLabel('E-mailadres').fill(manager.email);
      await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Inloggen' }).click();
      await page.waitForURL(`${base}/`);
      await expect(page.getByRole('heading', { name: 'Mijn open acties' }).isVisible()).resolves.toBe(true);
      expect(await page.getByText('U heeft geen open acties.').isVisible()).toBe(true);
      await check(page, shot('home-empty'));

      // Step 1: find the organisation by (part of) its name.
      await page.getByRole('button', { name: 'Bezoek vastleggen' }).click();
      await page.waitForURL(`${base}/crm/visits/new`);
      await check(page, shot('choose'));
      await page.getByLabel('Organisatie *').fill(org.name);
      await page.getByRole('button', { name: 'Verder' }).click();
      await expect(page.locator('h1').textContent()).resolves.toBe(`Bezoek vastleggen: ${org.name}`);
      await check(page, shot('form'));

      // A date in the future and half a follow-up: errors next to the fields, nothing saved.
      await page.getByLabel('Datum bezoek *', { exact: true }).fill(day(3));
      await page.getByLabel('Uiterste datum').fill(day(-1));
      await page.getByRole('button', { name: 'Bezoek opslaan' }).click();
      expect(await page.locator('#e-visitedOn').textContent()).toBe('Deze datum mag niet in de toekomst liggen.');
      expect(await page.locator('#e-followUpDescription').textContent()).toBe('Dit veld is verplicht.');
      expect(await page.locator('#f-visitedOn').getAttribute('aria-invalid')).toBe('true');
      await check(page, shot('form-errors'));

      // (An error is part of its field's label, so the label now reads on after the name.)
      await page.getByLabel(/^Datum bezoek \*/).fill(day(-1));
      await page.getByRole('checkbox', { name: `Anouk Jansen ${stamp} (Directeur)` }).check();
      await page.getByRole('checkbox', { name: 'Innovatie', exact: true }).check();
      await page.getByLabel("Thema's").fill('smart industry, sensoring');
      await page.getByLabel('Verslag').fill('Rondleiding door de productiehal; interesse in <predictive maintenance>.');
      await page.getByLabel(/^Vraag/).fill('Kan sensoring onze stilstand voorspellen?');
      await page.getByRole('combobox', { name: /^Gesteld door/ }).selectOption({ label: `Anouk Jansen ${stamp}` });
      await page.getByLabel(/^Actie\b/).fill('Lector sensortechniek van Fontys introduceren');
      expect(await page.getByRole('combobox', { name: /^Uitvoerder/ }).inputValue()).toBe(manager.id);
      await page.getByRole('button', { name: 'Bezoek opslaan' }).click();

      // Saved (POST/redirect/GET) with a message, on the visit's own page.
      expect(await page.getByRole('status').textContent()).toContain(`Het bezoek aan ${org.name} is vastgelegd.`);
      expect(await page.locator('h1').textContent()).toBe(`Bezoek aan ${org.name}`);
      expect(await page.getByText('interesse in <predictive maintenance>.').isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: 'Kan sensoring onze stilstand voorspellen?' }).isVisible()).toBe(true);
      await check(page, shot('visit'));

      // The home page: the follow-up among my open actions, overdue in words; the visit among my recent visits.
      await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Start' }).click();
      const actions = page.locator('#my-open-actions');
      const row = actions.getByRole('row', { name: /Lector sensortechniek van Fontys introduceren/ });
      expect(await row.textContent()).toContain('Te laat');
      expect(await row.getByRole('link', { name: org.name }).getAttribute('href')).toBe(`/crm/organisations/${org.id}`);
      const visits = page.locator('#my-recent-visits');
      expect(await visits.getByRole('link', { name: new RegExp(org.name) }).count()).toBe(1);
      await check(page, shot('home'));

      // The question is answered on its own page.
      await visits.getByRole('link', { name: new RegExp(org.name) }).click();
      await page.getByRole('link', { name: 'Kan sensoring onze stilstand voorspellen?' }).click();
      await check(page, shot('question'));
      await page.getByLabel('Een kennisinstelling').check();
      await page.getByLabel('Welk bedrijf, welke instelling of wie').fill('Fontys Hogeschool Engineering');
      await page.getByLabel('Antwoord', { exact: true }).fill('Een afstudeerproject met trillingssensoren.');
      await page.getByRole('button', { name: 'Antwoord opslaan' }).click();
      expect(await page.getByRole('status').textContent()).toContain('De vraag is als beantwoord vastgelegd.');
      await check(page, shot('question-answered'));

      // The lists, filtered to this organisation's municipality and programme line.
      await page.goto(`${base}/crm/visits?municipality=Weert&programmeLine=innovation&q=${encodeURIComponent(stamp)}`);
      expect(await page.getByRole('link', { name: org.name }).count()).toBe(1);
      await check(page, shot('visits-list'));
      await page.goto(`${base}/crm/questions?status=answered&q=${encodeURIComponent(stamp)}`);
      expect(await page.getByRole('link', { name: 'Kan sensoring onze stilstand voorspellen?' }).isVisible()).toBe(true);
      await check(page, shot('questions-list'));
      await page.goto(`${base}/crm/follow-ups?status=overdue&assigneeId=${manager.id}`);
      expect(await page.getByRole('link', { name: 'Lector sensortechniek van Fontys introduceren' }).isVisible()).toBe(true);
      await check(page, shot('follow-ups-list'));

      // Done from the home page: it leaves my open actions.
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'Afgerond – Lector sensortechniek van Fontys introduceren' }).click();
      await page.waitForURL(`${base}/`);
      expect(await page.getByRole('status').textContent()).toContain('Actie afgerond: Lector sensortechniek van Fontys introduceren');
      expect(await page.getByText('U heeft geen open acties.').isVisible()).toBe(true);
      await check(page, shot('home-done'));

      await page.goto(`${base}/?lang=en`);
      expect(await page.getByRole('heading', { name: 'My recent visits' }).isVisible()).toBe(true);
      await check(page, shot('home-en'));
      await context.close();
    }, 120_000);
  }
});
