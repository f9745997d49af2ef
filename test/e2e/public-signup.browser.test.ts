import { freePort } from '@keyport/database';
import { RegistrationsService } from '@keyport/events';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp } from '../utils/app';
import { describeWithBrowser, launchBrowser, screenshot, seriousA11yViolations } from '../utils/browser';
import { newEvent } from '../utils/event-factories';
import { SmtpSink } from '../utils/smtp-sink';

describeWithBrowser('public sign-up in a real browser (Chromium without JavaScript, axe-core, a real SMTP sink)', () => {
  let app: NestFastifyApplication;
  let sink: SmtpSink;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // The links in the mails must point at this very server: its address is known before it starts.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await createTestApp({ SMTP_URL: sink.url, APP_URL: base });
    await app.listen({ port, host: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sink?.stop();
  });

  async function mailsTo(email: string, count: number) {
    const deadline = Date.now() + 20_000;
    const mine = () => sink.received.filter((m) => m.to.includes(email));
    while (mine().length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) to ${email}, got ${mine().length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return mine();
  }

  for (const viewport of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`an entrepreneur signs up on the public page, receives the mail at the local SMTP sink with the .ics, follows the link and cancels (${viewport.name})`, async () => {
      const event = await newEvent(app, {
        title: `Ontbijtsessie Smart Industry ${viewport.name} ${Date.now()}`,
        description: 'Hoe zetten MKB-bedrijven in Midden-Limburg robots en sensoren slim in?\n\nMet ontbijt vanaf 07:30.',
        venue: 'Gilde Opleidingen',
        address: 'Bisschop Lindanussingel 1, Roermond',
        municipality: 'Roermond',
        startsAt: new Date(Date.now() + 26 * 3600_000).toISOString(),
        endsAt: new Date(Date.now() + 28 * 3600_000).toISOString(),
        capacity: 30,
        questions: [
          { label: 'Dieetwensen', kind: 'text' },
          { label: 'Neemt u een collega mee?', kind: 'yes_no', required: true },
        ],
      });
      const email = `ondernemer.${viewport.name}.${Date.now()}@example.nl`;

      // The journey runs without JavaScript; axe needs script, so it checks the same pages in a second context.
      const journey: BrowserContext = await browser.newContext({ viewport, javaScriptEnabled: false });
      const audit: BrowserContext = await browser.newContext({ viewport, javaScriptEnabled: true });
      const page = await journey.newPage();
      const checker = await audit.newPage();
      page.setDefaultTimeout(10_000);
      checker.setDefaultTimeout(10_000);
      const accessible = async (url: string, prepare?: (p: Page) => Promise<void>) => {
        const res = await checker.goto(url.startsWith('http') ? url : `${base}${url}`);
        expect(res?.status()).toBeLessThan(500);
        if (prepare) await prepare(checker);
        expect(await seriousA11yViolations(checker)).toEqual([]);
      };
      const shot = (name: string) => screenshot(page, `public-${viewport.name}-${name}`);

      // The list, reached from the public header.
      await page.goto(`${base}/privacy`);
      await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Evenementen' }).click();
      await page.waitForURL(`${base}/events`);
      expect(await page.locator('h1').textContent()).toBe('Evenementen');
      await shot('events');
      await accessible('/events');
      await accessible('/privacy');

      // The event page, through the filter (a plain GET form).
      await page.getByLabel('Programmalijn').selectOption('innovation');
      await page.getByLabel('Soort bijeenkomst').selectOption('breakfast_session');
      await page.getByRole('button', { name: 'Toon evenementen' }).click();
      await page.waitForURL(/programmeLine=innovation/);
      await page.getByRole('link', { name: event.title }).click();
      await page.waitForURL(`${base}/events/${event.slug}`);
      expect(await page.locator('h1').textContent()).toBe(event.title);
      expect(await page.getByLabel(/Ja, stuur mij uitnodigingen/).isChecked()).toBe(false);
      await shot('event');
      await accessible(`/events/${event.slug}`);

      // Sent empty: errors at the top (linked) and next to each field.
      const submit = page.getByRole('button', { name: 'Aanmelden', exact: true });
      await submit.click();
      await page.waitForURL(`${base}/events/${event.slug}/register`);
      const summary = page.getByRole('alert');
      expect(await summary.textContent()).toContain('velden zijn nog niet goed ingevuld');
      expect(await page.locator('#e-firstName').textContent()).toBe('Vul uw voornaam in.');
      expect(await page.locator('#f-email').getAttribute('aria-invalid')).toBe('true');
      await shot('event-errors');
      await accessible(`/events/${event.slug}`, async (p) => {
        await p.getByRole('button', { name: 'Aanmelden', exact: true }).click();
        await p.getByRole('alert').waitFor();
      });

      // Filled in properly: POST, redirect, the result.
      await page.getByLabel('Voornaam').fill('Anouk');
      await page.getByLabel('Achternaam').fill('Janssen');
      await page.getByLabel('E-mailadres').fill(email);
      await page.getByLabel('Ik neem deel als').selectOption('entrepreneur');
      await page.getByLabel('Naam van uw organisatie').fill('Janssen Techniek B.V.');
      await page.getByLabel('Gemeente van uw organisatie').fill('Weert');
      await page.getByLabel('Dieetwensen').fill('Vegetarisch');
      await page.getByRole('group', { name: /Neemt u een collega mee/ }).getByRole('radio', { name: 'Nee' }).check();
      await page.getByRole('button', { name: 'Aanmelden', exact: true }).click();
      await page.waitForURL(new RegExp(`/events/${event.slug}/registered\\?r=`));
      expect(await page.locator('h1').textContent()).toBe('Aangemeld');
      expect(await page.getByRole('status').first().textContent()).toContain(`U bent aangemeld voor ${event.title}`);
      await shot('registered');
      await accessible(page.url());

      // The mail at the SMTP sink: the calendar file, and the link back to this server.
      const [confirmation] = await mailsTo(email, 1);
      expect(confirmation.parsed.subject).toBe(`Aanmelding bevestigd: ${event.title}`);
      const ics = confirmation.parsed.attachments.find((a) => a.filename === 'event.ics');
      expect(ics?.contentType).toBe('text/calendar');
      expect(ics?.content.toString()).toContain('BEGIN:VEVENT');
      expect(ics?.content.toString()).toContain(`SUMMARY:${event.title}`);
      const link = (confirmation.parsed.text ?? '').match(new RegExp(`${base.replace(/[.]/g, '\\.')}/registrations/\\S+`))?.[0];
      expect(link).toBeDefined();

      // Follow the link, and cancel: first without the tick, then with it.
      await page.goto(link!);
      expect(await page.locator('h1').textContent()).toBe('Uw aanmelding');
      expect(await page.getByText('Hallo Anouk,').count()).toBe(1);
      expect(await page.getByText('Janssen').count()).toBe(0);
      await shot('registration');
      await accessible(link!);
      await page.getByRole('button', { name: 'Afmelden' }).click();
      expect(await page.locator('#e-confirm').textContent()).toBe('Vink aan dat u zich wilt afmelden.');
      await accessible(link!, async (p) => {
        await p.getByRole('button', { name: 'Afmelden' }).click();
        await p.locator('#e-confirm').waitFor();
      });
      await page.getByLabel('Ja, ik meld me af').check();
      await page.getByRole('button', { name: 'Afmelden' }).click();
      await page.waitForURL(link!);
      expect(await page.getByRole('status').textContent()).toContain('U bent afgemeld.');
      expect(await page.locator('.status-tag').textContent()).toBe('Afgemeld');
      await shot('cancelled');
      await accessible(link!);

      const mails = await mailsTo(email, 2);
      expect(mails[1].parsed.subject).toBe(`Afmelding ontvangen: ${event.title}`);
      const reg = await app.get(RegistrationsService).fromManageToken(link!.split('/registrations/')[1]);
      expect(reg.status).toBe('cancelled');

      // English, on request; and a tampered link is a page, not a crash.
      await accessible('/events?lang=en');
      await accessible(`/events/${event.slug}`);
      expect(await checker.locator('html').getAttribute('lang')).toBe('en');
      const tampered = await page.goto(`${link}x`);
      expect(tampered?.status()).toBe(404);
      await accessible(`${link}x`);

      await journey.close();
      await audit.close();
    });
  }
});
