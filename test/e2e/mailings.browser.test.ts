import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Browser, Page } from 'playwright-core';
import { describeWithBrowser, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { SmtpSink } from '../utils/smtp-sink';

const RECIPIENTS = 15;

describeWithBrowser('invitation mailings in a real browser (Chromium, axe-core, a real SMTP sink)', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // Five messages a second: fifteen recipients take about three seconds, so the bar is seen moving.
    ({ app, browser, base } = await startBrowserApp({ REDIS_URL: undefined, SMTP_URL: sink.url, MAIL_RATE_PER_SECOND: '5' }));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sink?.stop();
  });

  async function check(page: Page, shot: string): Promise<void> {
    await screenshot(page, `mailings-${shot}`);
    expect(await seriousA11yViolations(page)).toEqual([]);
  }

  for (const viewport of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`an organiser builds an audience, writes a template, previews, sends and watches the progress bar reach 100% (${viewport.name})`, async () => {
      const tag = `br${viewport.name}${randomUUID().slice(0, 6)}`;
      const organiser = await newUser(app, Role.Organiser);
      const org = await newOrganisation(app, { name: `Brouwerij ${tag}`, tags: [tag], municipality: 'Roermond', type: 'company' });
      const other = await newOrganisation(app, { name: `Elders ${tag}`, tags: [tag], municipality: 'Eindhoven', type: 'company' });
      const emails: string[] = [];
      for (let i = 0; i < RECIPIENTS; i++) {
        const email = `gast${i}.${tag}@example.nl`;
        emails.push(email);
        await newContact(app, { firstName: `Gast${String(i).padStart(2, '0')}`, lastName: `Brouwer ${tag}`, email, mailingConsent: true, consentSource: 'test', organisations: [{ organisationId: org.id }] } as never);
      }
      await newContact(app, { firstName: 'Zonder', lastName: `Toestemming ${tag}`, email: `zonder.${tag}@example.nl`, mailingConsent: false, organisations: [{ organisationId: org.id }] } as never);
      await newContact(app, { firstName: 'Buiten', lastName: `Regio ${tag}`, email: `buiten.${tag}@example.nl`, mailingConsent: true, consentSource: 'test', organisations: [{ organisationId: other.id }] } as never);
      const event = await newEvent(app, { title: `Proeverij ${tag}` });

      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${base}/login`);
      await page.getByLabel('E-mailadres').fill(organiser.email);
      await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Inloggen' }).click();
      await page.waitForURL(`${base}/`);

      // The mailings section is in the menu.
      await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mailings' }).click();
      await page.waitForURL(`${base}/manage/mailings`);
      await check(page, `${viewport.name}-list`);

      // A template: a mistake is shown with its part and line before saving, then the sample preview.
      await page.goto(`${base}/manage/mail-templates/new`);
      await check(page, `${viewport.name}-template-new`);
      await page.getByLabel('Naam *').fill(`Proeverij-uitnodiging ${tag}`);
      const nlHtml = page.locator('#f-nl_html');
      await nlHtml.fill('<p>Beste {{contact.firstName}},</p>\n<p>Kom naar {{event.title}} op {{event.date}}.</p>\n<p><a href="{{signUpUrl}}">Aanmelden</a> {{contact.voornaam}}</p>');
      await page.getByRole('button', { name: 'Voorbeeld bekijken' }).click();
      expect(await page.locator('#e-nl_html').textContent()).toBe('onbekende variabele of helper "voornaam" op regel 3');
      expect(await page.locator('#template-errors').textContent()).toContain('Nederlands · HTML');
      await check(page, `${viewport.name}-template-error`);
      await nlHtml.fill('<p>Beste {{contact.firstName}},</p>\n<p>Kom naar {{event.title}} op {{event.date}}.</p>\n<p><a href="{{signUpUrl}}">Aanmelden</a></p>');
      await page.getByRole('button', { name: 'Voorbeeld bekijken' }).click();
      await page.locator('#sample-preview').waitFor();
      expect(await page.locator('#sample-preview .preview-subject').first().textContent()).toBe('Uitnodiging: Ontbijtsessie Smart Industry');
      // The sample's HTML in a sandboxed frame, styles and all.
      await page.frameLocator('#sample-preview iframe[title="HTML-voorbeeld, Engels"]').getByText('Dear Anna,').waitFor();
      await check(page, `${viewport.name}-template-preview`);
      await page.getByRole('button', { name: 'Opslaan' }).click();
      await page.waitForURL(/\/manage\/mail-templates\/[0-9a-f-]{36}\/edit$/);
      expect(await page.getByRole('status').first().textContent()).toContain(`Sjabloon Proeverij-uitnodiging ${tag} is aangemaakt.`);

      // The mailing: template, event, and an audience built from filters with a live count.
      await page.goto(`${base}/manage/mailings/new`);
      await page.getByLabel('Naam van de mailing *').fill(`Proeverij ${tag}`);
      await page.locator('#f-templateId').selectOption({ label: `Proeverij-uitnodiging ${tag}` });
      await page.locator('#f-eventId').selectOption(event.id);
      await page.locator('#f-tags').fill(tag);
      await page.getByRole('checkbox', { name: 'Bedrijf' }).check();
      // Everyone with the tag first: sixteen with consent, one without.
      await page.locator('#audience-count').getByText('Ontvangers: 16').waitFor();
      expect(await page.locator('#audience-count').textContent()).toContain('Geen toestemming: 1');
      await page.getByRole('checkbox', { name: 'Roermond' }).check();
      await page.locator('#audience-count').getByText(`Ontvangers: ${RECIPIENTS}`).waitFor();
      expect(await page.locator('#audience-count').textContent()).toContain(`Gast00 Brouwer ${tag}`);
      await check(page, `${viewport.name}-mailing-new`);
      // The count button works the same without the script (a plain form post).
      await page.getByRole('button', { name: 'Tellen' }).click();
      await page.waitForURL(`${base}/manage/mailings#count-title`);
      expect(await page.locator('#audience-count').textContent()).toContain(`Ontvangers: ${RECIPIENTS}`);
      expect(await page.getByRole('checkbox', { name: 'Roermond' }).isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Opslaan' }).click();
      await page.waitForURL(/\/manage\/mailings\/[0-9a-f-]{36}$/);
      expect(await page.getByRole('status').first().textContent()).toContain(`Mailing Proeverij ${tag} is aangemaakt.`);

      // The preview, for a chosen recipient, in both languages.
      await page.locator('#f-preview-contact').selectOption({ label: `Gast03 Brouwer ${tag} <gast3.${tag}@example.nl> · Brouwerij ${tag}` });
      await page.getByRole('button', { name: 'Toon voorbeeld' }).click();
      await page.waitForURL(/contactId=/);
      const subjects = await page.locator('.preview-subject').allTextContents();
      expect(subjects).toEqual([`Uitnodiging: Proeverij ${tag}`, `Invitation: Proeverij ${tag}`]);
      const frame = page.frameLocator('iframe[title="HTML-voorbeeld, Nederlands"]');
      await frame.getByText('Beste Gast03,').waitFor();
      await check(page, `${viewport.name}-mailing-draft`);

      // Send, and follow the bar: it moves, then reaches 100%.
      await page.getByRole('button', { name: 'Nu verzenden' }).click();
      await page.waitForURL(/\/manage\/mailings\/[0-9a-f-]{36}$/);
      expect(await page.getByRole('status').first().textContent()).toContain('De mailing wordt verzonden.');
      const seen: number[] = [];
      const deadline = Date.now() + 30_000;
      for (;;) {
        const value = await page.locator('#mailing-progress').evaluate((el) => Number((el as unknown as { value: number }).value));
        if (!seen.length || seen[seen.length - 1] !== value) seen.push(value);
        if (value >= 100 || Date.now() > deadline) break;
        await page.waitForTimeout(100);
      }
      expect(seen[seen.length - 1]).toBe(100);
      expect(seen.some((v) => v < 100)).toBe(true);
      await page.locator('#mailing-status').getByText('Verzonden').waitFor();
      // The actions were for a mailing being sent: the page says so (and the reload shows the new ones).
      await page.locator('#status-changed').waitFor();
      expect(await page.getByRole('button', { name: 'Pauzeren' }).isDisabled()).toBe(true);
      // The one without consent is in the audience's rows too, skipped.
      expect(await page.locator('#mailing-progress-text').textContent()).toBe(`100% verwerkt (${RECIPIENTS + 1} van ${RECIPIENTS + 1})`);
      expect(await page.locator('[data-count="skipped"]').textContent()).toBe('1');
      expect(await page.locator('[data-count="sent"]').textContent()).toBe(String(RECIPIENTS));
      await check(page, `${viewport.name}-mailing-sent`);

      // Every recipient got exactly one message, with the personal sign-up link and the unsubscribe headers.
      for (const email of emails) expect(sink.to(email)).toHaveLength(1);
      const mail = sink.to(emails[0])[0];
      expect(mail.parsed.subject).toBe(`Uitnodiging: Proeverij ${tag}`);
      expect(String(mail.parsed.html).replace(/&#x3D;/g, '=')).toContain(`/events/${event.slug}?invite=`);
      expect(mail.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
      expect(sink.to(`zonder.${tag}@example.nl`)).toHaveLength(0);

      // The recipients table after a reload, and the other pages of the section.
      await page.reload();
      expect(await page.getByRole('button', { name: 'Pauzeren' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Uitnodigen wie zich nog niet aanmeldde' }).isEnabled()).toBe(true);
      expect(await page.locator('.recipients-table tbody tr').count()).toBe(RECIPIENTS + 1);
      expect(await page.locator('.recipients-table').textContent()).toContain('Geen toestemming');
      await check(page, `${viewport.name}-mailing-recipients`);
      for (const [path, shot] of [['/manage/segments/new', 'segment-new'], ['/manage/mail-templates', 'templates'], ['/manage/mailings/bounces', 'bounces']] as const) {
        await page.goto(`${base}${path}`);
        await check(page, `${viewport.name}-${shot}`);
      }
      await context.close();
    });
  }
});
