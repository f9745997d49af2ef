import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Browser, Page } from 'playwright-core';
import { describeWithBrowser, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newUser, TEST_PASSWORD } from '../utils/factories';

describeWithBrowser('CSV import pages in a real browser (Chromium, axe-core)', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ app, browser, base } = await startBrowserApp({ REDIS_URL: undefined }));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function check(page: Page, shot: string): Promise<void> {
    await screenshot(page, shot);
    expect(await seriousA11yViolations(page)).toEqual([]);
  }

  for (const viewport of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`uploads, previews and imports a file, with the progress bar following the run (${viewport.name})`, async () => {
      const manager = await newUser(app, Role.AccountManager);
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${base}/login`);
      await page.getByLabel('E-mailadres').fill(manager.email);
      await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Inloggen' }).click();
      await page.waitForURL(`${base}/`);

      await page.goto(`${base}/crm/imports`);
      await check(page, `${viewport.name}-imports`);
      // Submitting without a file: the error is next to the field.
      await page.getByRole('button', { name: 'Controleren' }).click();
      expect(await page.locator('#e-file').textContent()).toBe('Kies een bestand.');
      await check(page, `${viewport.name}-imports-error`);

      const t = randomUUID().slice(0, 8);
      // Two batches of the run (250 lines each), so the bar has something to follow. Names sort late
      // ("Zw…"), to stay out of the first page of other tests' lists in the shared test database.
      const lines = ['name;type;kvkNumber;municipality', ...Array.from({ length: 300 }, (_, i) => `Zwaluw ${t} ${i};company;;Weert`), `Zwaluw fout ${t};company;123;Weert`];
      await page.getByLabel('Wat importeert u? *').selectOption('organisations');
      await page.getByLabel('CSV-bestand *').setInputFiles({ name: `browser-${viewport.name}.csv`, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
      await page.getByRole('button', { name: 'Controleren' }).click();
      await page.waitForURL(/\/crm\/imports\/[0-9a-f-]{36}$/);
      expect(await page.getByRole('status').first().textContent()).toContain('Het bestand is gecontroleerd: 301 regels.');
      await check(page, `${viewport.name}-import-preview`);
      await page.getByLabel('Toon').selectOption('rejected');
      await page.getByRole('button', { name: 'Filteren' }).click();
      expect(await page.getByRole('row', { name: /302/ }).textContent()).toContain('KvK-nummer: moet uit 8 cijfers bestaan');

      await page.getByRole('button', { name: 'Importeren' }).click();
      // The self-hosted script follows the run and reloads the page when it is done.
      await page.locator('#import-status', { hasText: 'Klaar' }).waitFor({ timeout: 60_000 });
      expect(await page.locator('main').textContent()).toContain('De import is klaar: 300 toegevoegd, 0 dubbel, 1 afgewezen.');
      await check(page, `${viewport.name}-import-done`);
      await context.close();
    });
  }
});
