import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser } from 'playwright-core';
import { describeWithBrowser, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';

describeWithBrowser('support record pages in a real browser (Chromium, axe-core)', () => {
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

  for (const viewport of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`an account manager records support for an organisation with plain forms and without serious accessibility faults (${viewport.name})`, async () => {
      const manager = await newUser(app, Role.AccountManager);
      const org = await newOrganisation(app, { name: `Linssen Mechatronica ${viewport.name}`, municipality: 'Nederweert' });
      const partner = await newOrganisation(app, { name: `Campus Partner ${viewport.name}`, municipality: 'Cranendonck' });
      await newContact(app, { firstName: 'Rik', lastName: `Linssen ${viewport.name}`, organisations: [{ organisationId: org.id }] });
      // The pages ship no script; JavaScript stays on only because axe-core runs in the page.
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const check = async (shot: string) => {
        await screenshot(page, `support-${viewport.name}-${shot}`);
        expect(await seriousA11yViolations(page)).toEqual([]);
      };

      await page.goto(`${base}/login`);
      await page.getByLabel('E-mailadres').fill(manager.email);
      await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Inloggen' }).click();

      await page.goto(`${base}/crm/support/new?organisationId=${org.id}`);
      expect(await page.getByLabel(`Linssen Mechatronica ${viewport.name} (Nederweert)`).isChecked()).toBe(true);
      await check('new');
      await page.getByRole('button', { name: 'Opslaan' }).click();
      expect(await page.locator('#e-kind').textContent()).toContain('Kies een van de mogelijkheden.');
      expect(await page.locator('#e-title').textContent()).toContain('Dit veld is verplicht.');
      await check('new-errors');

      await page.getByLabel('Soort *').selectOption('innovation_trajectory');
      await page.getByLabel('Titel *').fill(`Predictive maintenance ${viewport.name}`);
      await page.getByLabel('Startdatum *').fill('2025-02-03');
      await page.getByLabel('Organisatie 1').fill(`Campus Partner ${viewport.name} (Cranendonck)`);
      await page.getByLabel(new RegExp(`Rik Linssen ${viewport.name}`)).check();
      await page.getByRole('button', { name: 'Opslaan' }).click();
      expect(await page.getByRole('status').textContent()).toContain(`Traject Predictive maintenance ${viewport.name} is opgeslagen.`);
      expect(await page.getByRole('link', { name: `Campus Partner ${viewport.name}` }).count()).toBe(1);
      await check('show');

      await page.goto(`${base}/crm/support?organisationId=${partner.id}`);
      expect(await page.getByRole('link', { name: `Predictive maintenance ${viewport.name}` }).count()).toBe(1);
      await check('list');
      await context.close();
    });
  }
});
