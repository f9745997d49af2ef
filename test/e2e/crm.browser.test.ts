import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser } from 'playwright-core';
import { describeWithBrowser, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';

describeWithBrowser('CRM pages in a real browser (Chromium, axe-core)', () => {
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
    it(`an admin finds, creates, reads and merges organisations and people without serious accessibility faults (${viewport.name})`, async () => {
      const admin = await newUser(app, Role.Admin);
      const existing = await newOrganisation(app, { name: `Peeters Installatietechniek ${viewport.name}`, municipality: 'Roermond', tags: ['installatie'] });
      const person = await newContact(app, { firstName: 'Ilse', lastName: `Peeters ${viewport.name}`, organisations: [{ organisationId: existing.id, role: 'Directeur' }] });
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const check = async (shot: string) => {
        await screenshot(page, `crm-${viewport.name}-${shot}`);
        expect(await seriousA11yViolations(page)).toEqual([]);
      };

      await page.goto(`${base}/login`);
      await page.getByLabel('E-mailadres').fill(admin.email);
      await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Inloggen' }).click();

      await page.goto(`${base}/crm/organisations?q=${encodeURIComponent('Peeters Installatie')}`);
      await check('organisations');
      await page.getByRole('button', { name: 'Nieuwe organisatie' }).click();
      await page.getByLabel('Naam *').fill(`Peeters Installatietechniek ${viewport.name} BV`);
      await page.getByLabel('Gemeente').fill('roermond');
      await page.getByRole('button', { name: 'Opslaan' }).click();
      expect(await page.getByRole('alert').textContent()).toContain('Deze organisatie bestaat misschien al');
      await check('organisation-duplicate');
      await page.getByLabel('Toch opslaan: het is een andere organisatie').check();
      await page.getByRole('button', { name: 'Opslaan' }).click();
      expect(await page.getByRole('status').textContent()).toContain('is aangemaakt');
      await check('organisation');

      await page.getByRole('link', { name: 'Samenvoegen' }).click();
      await page.getByLabel(new RegExp(`Peeters Installatietechniek ${viewport.name} \\(Roermond\\)`)).check();
      await check('organisation-merge');
      await page.getByRole('button', { name: 'Samenvoegen' }).click();
      expect(await page.getByRole('status').textContent()).toContain('is samengevoegd met deze organisatie');
      await page.getByRole('link', { name: `Ilse Peeters ${viewport.name}` }).click();
      expect(await page.locator('h1').textContent()).toContain(person.lastName);
      await check('contact');
      await context.close();
    });
  }
});
