import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newUser, TEST_PASSWORD } from '../utils/factories';

describeWithBrowser('staff pages in a real browser (Chromium, axe-core)', () => {
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

  async function visit(page: Page, path: string, shot: string): Promise<void> {
    const res = await page.goto(`${base}${path}`);
    expect(res?.status()).toBeLessThan(500);
    await screenshot(page, shot);
    expect(await seriousA11yViolations(page)).toEqual([]);
  }

  for (const viewport of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`lets an admin log in, manage users and read the mailbox without serious accessibility faults (${viewport.name})`, async () => {
      const admin = await newUser(app, Role.Admin, { name: `Anne ${viewport.name}` });
      const context: BrowserContext = await browser.newContext({ viewport, javaScriptEnabled: true });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);

      await visit(page, '/login', `${viewport.name}-login`);
      await page.getByLabel('E-mailadres').fill(admin.email);
      await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Inloggen' }).click();
      await page.waitForURL(`${base}/`);
      expect(await page.getByRole('status').textContent()).toContain(`Welkom, Anne ${viewport.name}`);
      await visit(page, '/', `${viewport.name}-home`);

      await visit(page, '/admin/users/new', `${viewport.name}-user-new`);
      await page.getByRole('button', { name: 'Opslaan' }).click();
      expect(await page.locator('#e-email').textContent()).toContain('Vul een geldig e-mailadres in.');
      await screenshot(page, `${viewport.name}-user-new-errors`);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.getByLabel('Naam *').fill(`Ruud ${viewport.name}`);
      await page.getByLabel('E-mailadres *').fill(`ruud.${viewport.name}@example.nl`);
      await page.getByLabel('Rol *').selectOption('organiser');
      await page.getByLabel('Wachtwoord *').fill('a-long-enough-password');
      await page.getByRole('button', { name: 'Opslaan' }).click();
      expect(await page.getByRole('status').textContent()).toContain(`Gebruiker Ruud ${viewport.name} is aangemaakt.`);
      await visit(page, '/admin/users', `${viewport.name}-users`);

      // The welcome mail went through the in-process queue into the local mailbox.
      await visit(page, '/admin/mail', `${viewport.name}-mailbox`);
      for (let i = 0; i < 50 && !(await page.getByText(`ruud.${viewport.name}@example.nl`).count()); i++) {
        await new Promise((r) => setTimeout(r, 100));
        await page.reload();
      }
      await page.getByRole('row', { name: new RegExp(`ruud\\.${viewport.name}@example\\.nl`) }).getByRole('link').click();
      expect(await page.locator('h1').textContent()).toBe('Uw account voor het Keyport-platform');
      expect(await page.locator('.mail-text').textContent()).toContain('met de rol Organisator');
      await screenshot(page, `${viewport.name}-mail-message`);
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.goto(`${base}/?lang=en`);
      expect(await page.locator('h1').textContent()).toContain('Welcome');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await context.close();
    });
  }
});
