import { amsterdamToUtc, utcToAmsterdam } from '@keyport/common';
import { todayInAmsterdam } from '@keyport/crm/visits';
import { randomUUID } from 'node:crypto';
import { BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { describeWithBrowserAndRedis } from '../utils/browser';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { checkPage, figure, logIn, mailHtml, mailTo, personIn } from '../utils/journey-pages';
import { JOURNEY_ADMIN, JourneyPlatform, startJourneyPlatform } from '../utils/journey-platform';

/**
 * The three journeys of the platform end to end, in one real Chromium, against a platform started for
 * this suite alone (its own PostgreSQL database, Redis queues, the worker, an SMTP sink):
 *   0. an admin adds the staff; the organiser starts this year's plan as a copy of 2018;
 *   1. the organiser creates a workshop (2 seats), a template and an invitation mailing, previews and sends it;
 *   2. entrepreneurs follow their personal links and sign up: two confirmed, one waitlisted; a confirmed one
 *      cancels through the link in their mail and the waitlisted one is promoted;
 *   3. an account manager logs a company visit with an innovation question and answers it;
 *   4. at the door the organiser checks the two with a seat in;
 *   5. the dashboard's figures and the quarterly report move by exactly that; issuing the report counts too.
 * The steps run in order and share state; every page is kept as test-artifacts/journeys-*.png and audited with axe.
 */

const TARGETS = {
  workshops: 'entrepreneurship.workshop_masterclass_participants',
  visited: 'communication.entrepreneurs_visited',
  answered: 'innovation.questions_answered',
  reports: 'communication.progress_reports',
} as const;
type TargetName = keyof typeof TARGETS;

const STAFF_PASSWORD = 'journeys-staff-password-01';
const HOUR = 3600_000;


/** This year and quarter in Amsterdam, and a moment for the event: in the future, still in this quarter. */
function calendar(now = Date.now()) {
  const [year, month] = todayInAmsterdam(new Date(now)).split('-').map(Number);
  const quarter = Math.ceil(month / 3);
  const next = quarter === 4 ? `${year + 1}-01-01` : `${year}-${String(quarter * 3 + 1).padStart(2, '0')}-01`;
  const quarterEnds = Date.parse(amsterdamToUtc(next, '00:00')!);
  // Five days ahead, or halfway to the quarter's end when that is sooner; on a whole quarter of an hour.
  const quarterHour = 15 * 60_000;
  const startsAt = Math.max(Math.ceil((now + HOUR / 2) / quarterHour) * quarterHour, Math.floor(Math.min(now + 5 * 24 * HOUR, (now + quarterEnds) / 2) / quarterHour) * quarterHour);
  return { year, quarter, starts: utcToAmsterdam(new Date(startsAt)), ends: utcToAmsterdam(new Date(startsAt + 3 * HOUR)) };
}

describeWithBrowserAndRedis('the three journeys end to end (real Chromium, a freshly started platform: own database, Redis, worker, SMTP sink)', () => {
  const started = Date.now();
  const tag = `reis${randomUUID().slice(0, 6)}`;
  const when = calendar();
  const eventTitle = `Workshop Verdienmodellen ${tag}`;
  const people = [
    { first: 'Anouk', last: `Jansen ${tag}`, org: `Jansen Techniek ${tag}`, municipality: 'Weert' },
    { first: 'Bram', last: `Peters ${tag}`, org: `Peters Bouw ${tag}`, municipality: 'Roermond' },
    { first: 'Cor', last: `Smeets ${tag}`, org: `Smeets Advies ${tag}`, municipality: 'Leudal' },
    { first: 'Dana', last: `Hendriks ${tag}`, org: `Hendriks Logistiek ${tag}`, municipality: 'Cranendonck' },
  ].map((p) => ({ ...p, name: `${p.first} ${p.last}`, email: `${p.first.toLowerCase()}.${tag}@example.nl` }));
  const [anouk, bram, cor, dana] = people;
  const staff = {
    organiser: { name: `Olga Organisator ${tag}`, email: `olga.${tag}@keyport2020.example.nl` },
    manager: { name: `Mieke Accountmanager ${tag}`, email: `mieke.${tag}@keyport2020.example.nl` },
  };

  let platform: JourneyPlatform;
  let base: string;
  let organiser: { context: BrowserContext; page: Page };
  const targetIds = {} as Record<TargetName, string>;
  const targetTitles = {} as Record<TargetName, string>;
  const before = {} as Record<TargetName, number>;
  let eventId = '';
  let eventSlug = '';
  const manageLinks: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startJourneyPlatform();
    base = platform.base;
  }, 60_000);
  afterAll(async () => {
    await organiser?.context.close();
    await platform?.stop();
    console.log(`[journeys] ${((Date.now() - started) / 1000).toFixed(1)} s, database ${platform?.database} dropped`);
  }, 60_000);

  async function dashboardFigures(page: Page): Promise<Record<TargetName, number>> {
    await page.goto(`${base}/dashboard?year=${when.year}`);
    const out = {} as Record<TargetName, number>;
    for (const name of Object.keys(TARGETS) as TargetName[]) out[name] = await figure(page, targetIds[name]);
    return out;
  }

  it('step 0: the admin adds an organiser and an account manager; the organiser starts this year’s plan as a copy of 2018', async () => {
    // The fresh database has only what the migrations bring: the 2018 plan and no plan for this year.
    const db = platform.app.get(DataSource);
    expect(await db.query(`SELECT year FROM year_plans ORDER BY year`)).toEqual([{ year: 2018 }]);

    const { context, page } = await personIn(platform.browser);
    await logIn(page, base, JOURNEY_ADMIN.email, JOURNEY_ADMIN.password);
    for (const [who, role] of [[staff.organiser, 'organiser'], [staff.manager, 'account_manager']] as const) {
      await page.goto(`${base}/admin/users/new`);
      await page.getByLabel('Naam *').fill(who.name);
      await page.getByLabel('E-mailadres *').fill(who.email);
      await page.getByLabel('Rol *').selectOption(role);
      await page.getByLabel('Wachtwoord *').fill(STAFF_PASSWORD);
      if (role === 'organiser') await checkPage(page, '00-admin-new-user');
      await page.getByRole('button', { name: 'Opslaan' }).click();
      await page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}$/);
      expect(await page.getByRole('status').first().textContent()).toContain(`Gebruiker ${who.name} is aangemaakt.`);
    }
    await page.goto(`${base}/admin/users`);
    await checkPage(page, '00-admin-users');
    await context.close();

    organiser = await personIn(platform.browser);
    const page2 = organiser.page;
    await logIn(page2, base, staff.organiser.email, STAFF_PASSWORD);
    await page2.goto(`${base}/manage/plans`);
    await checkPage(page2, '00-plans');
    await page2.locator('#f-year').fill(String(when.year));
    await page2.locator('#f-copyFrom').selectOption('2018');
    await page2.locator('#f-title').fill(`Jaarplan ${when.year}`);
    await page2.locator('#start-plan').getByRole('button').click();
    await page2.waitForURL(`${base}/manage/plans/${when.year}`);
    expect(await page2.getByRole('status').first().textContent()).toContain(`Het jaarplan ${when.year} is gestart als kopie van 2018`);
    await checkPage(page2, '00-plan-this-year');

    const rows: { id: string; key: string; title: string }[] = await db.query(
      `SELECT t.id, t.key, t.title_nl AS title FROM targets t JOIN year_plans p ON p.id = t.plan_id WHERE p.year = $1 AND t.key = ANY($2::text[])`,
      [when.year, Object.values(TARGETS)],
    );
    for (const name of Object.keys(TARGETS) as TargetName[]) {
      const row = rows.find((r) => r.key === TARGETS[name])!;
      targetIds[name] = row.id;
      targetTitles[name] = row.title;
    }
    Object.assign(before, await dashboardFigures(page2));
    await checkPage(page2, '00-dashboard-before');
  });

  it('step 1: the organiser creates a workshop with 2 seats, a template and an invitation mailing to a tagged segment, previews and sends it', async () => {
    // Four entrepreneurs who agreed to receive invitations, and one who did not, at companies with this run's tag.
    for (const p of people) {
      const org = await newOrganisation(platform.app, { name: p.org, municipality: p.municipality, type: 'company', tags: [tag] });
      await newContact(platform.app, {
        firstName: p.first, lastName: p.last, email: p.email, mailingConsent: true, consentSource: 'journeys test',
        organisations: [{ organisationId: org.id, role: 'Eigenaar' }],
      } as never);
    }
    const outsider = await newOrganisation(platform.app, { name: `Zonder Toestemming ${tag}`, municipality: 'Weert', type: 'company', tags: [tag] });
    await newContact(platform.app, { firstName: 'Eef', lastName: `Zonder ${tag}`, email: `eef.${tag}@example.nl`, mailingConsent: false, organisations: [{ organisationId: outsider.id }] } as never);

    const page = organiser.page;
    // The event, through the form: a draft first, then published.
    await page.goto(`${base}/manage/events`);
    await checkPage(page, '01-events');
    await page.goto(`${base}/manage/events/new`);
    await page.getByLabel('Titel *').fill(eventTitle);
    await page.getByLabel('Omschrijving').fill('Hoe verdient uw bedrijf over vijf jaar zijn geld? Een praktische workshop met ondernemers uit de regio.');
    await page.locator('#f-format').selectOption('workshop');
    await page.locator('#f-line-entrepreneurship').check();
    await page.locator('#f-startsDate').fill(when.starts.date);
    await page.locator('#f-startsTime').fill(when.starts.time);
    await page.locator('#f-endsDate').fill(when.ends.date);
    await page.locator('#f-endsTime').fill(when.ends.time);
    await page.locator('#f-venue').fill('Gilde Opleidingen');
    await page.locator('#f-address').fill('Bisschop Lindanussingel 1, Roermond');
    await page.locator('#f-municipality').fill('Roermond');
    await page.locator('#f-capacity').fill('2');
    await checkPage(page, '01-event-form');
    await page.getByRole('button', { name: 'Opslaan als concept' }).click();
    await page.waitForURL(/\/manage\/events\/[0-9a-f-]{36}$/);
    eventId = page.url().split('/').pop()!;
    await page.getByRole('button', { name: 'Publiceren' }).click();
    await page.waitForURL(`${base}/manage/events/${eventId}`);
    const publicLink = page.locator('.event-meta a[href^="/events/"]');
    eventSlug = (await publicLink.getAttribute('href'))!.replace('/events/', '');
    expect(await page.locator('#seats-progress').getAttribute('max')).toBe('2');
    await checkPage(page, '01-event-published');

    // The template: the personal sign-up link in the mail.
    await page.goto(`${base}/manage/mail-templates/new`);
    await page.getByLabel('Naam *').fill(`Uitnodiging workshop ${tag}`);
    await page.locator('#f-nl_html').fill('<p>Beste {{contact.firstName}},</p>\n<p>Kom naar {{event.title}} op {{event.date}}.</p>\n<p><a href="{{signUpUrl}}">Meld u aan</a></p>');
    await page.getByRole('button', { name: 'Voorbeeld bekijken' }).click();
    await page.locator('#sample-preview').waitFor();
    await checkPage(page, '01-template-preview');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.waitForURL(/\/manage\/mail-templates\/[0-9a-f-]{36}\/edit$/);

    // The mailing: the audience from filters (the tag, companies), counted live: four, one without consent.
    await page.goto(`${base}/manage/mailings/new`);
    await page.getByLabel('Naam van de mailing *').fill(`Uitnodiging ${eventTitle}`);
    await page.locator('#f-templateId').selectOption({ label: `Uitnodiging workshop ${tag}` });
    await page.locator('#f-eventId').selectOption(eventId);
    await page.locator('#f-tags').fill(tag);
    await page.getByRole('checkbox', { name: 'Bedrijf' }).check();
    await page.locator('#audience-count').getByText(`Ontvangers: ${people.length}`).waitFor();
    expect(await page.locator('#audience-count').textContent()).toContain('Geen toestemming: 1');
    await checkPage(page, '01-mailing-new');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.waitForURL(/\/manage\/mailings\/[0-9a-f-]{36}$/);

    // The preview for one recipient, then send and follow the bar to 100%.
    await page.locator('#f-preview-contact').selectOption({ label: `${bram.name} <${bram.email}> · ${bram.org}` });
    await page.getByRole('button', { name: 'Toon voorbeeld' }).click();
    await page.waitForURL(/contactId=/);
    expect(await page.locator('.preview-subject').first().textContent()).toBe(`Uitnodiging: ${eventTitle}`);
    await page.frameLocator('iframe[title="HTML-voorbeeld, Nederlands"]').getByText(`Beste ${bram.first},`).waitFor();
    await checkPage(page, '01-mailing-preview');
    await page.getByRole('button', { name: 'Nu verzenden' }).click();
    await page.waitForURL(/\/manage\/mailings\/[0-9a-f-]{36}$/);
    const deadline = Date.now() + 30_000;
    while ((await page.locator('#mailing-progress').evaluate((el) => Number((el as unknown as { value: number }).value))) < 100) {
      if (Date.now() > deadline) throw new Error(`the progress bar stayed at ${await page.locator('#mailing-progress-text').textContent()}`);
      await page.waitForTimeout(100);
    }
    await page.locator('#mailing-status').getByText('Verzonden').waitFor();
    expect(await page.locator('#mailing-progress-text').textContent()).toBe(`100% verwerkt (${people.length + 1} van ${people.length + 1})`);
    expect(await page.locator('[data-count="sent"]').textContent()).toBe(String(people.length));
    await checkPage(page, '01-mailing-sent');
  });

  it('step 2: entrepreneurs follow their personal links and sign up (two confirmed, one waitlisted); one cancels by the link in the mail, the waitlisted one is promoted', async () => {
    const { sink } = platform;
    const signUp = async (p: (typeof people)[number], expected: 'Aangemeld' | 'Op de wachtlijst', shot: string) => {
      const invitation = await mailTo(sink, p.email, `Uitnodiging: ${eventTitle}`);
      const link = /href="([^"]+\?invite=[^"]+)"/.exec(mailHtml(invitation))?.[1];
      expect(link?.startsWith(`${base}/events/${eventSlug}?invite=`)).toBe(true);
      // A fresh browser: the entrepreneur has no account and no cookies here.
      const { context, page } = await personIn(platform.browser, { width: 390, height: 844 });
      await page.goto(link!);
      expect(await page.locator('h1').textContent()).toBe(eventTitle);
      expect(await page.getByLabel('Voornaam').inputValue()).toBe(p.first);
      expect(await page.getByLabel('Achternaam').inputValue()).toBe(p.last);
      expect(await page.getByLabel('E-mailadres').inputValue()).toBe(p.email);
      expect(await page.getByLabel('Naam van uw organisatie').inputValue()).toBe(p.org);
      await page.getByLabel('Ik neem deel als').selectOption('entrepreneur');
      await checkPage(page, `02-${shot}-form`);
      const submit = page.locator('form[action$="/register"] button[type="submit"]');
      // The third finds the workshop full, and is told the sign-up is for the waiting list.
      expect(await submit.textContent()).toBe(expected === 'Aangemeld' ? 'Aanmelden' : 'Aanmelden voor de wachtlijst');
      await submit.click();
      await page.waitForURL(new RegExp(`/events/${eventSlug}/registered\\?r=`));
      expect(await page.locator('h1').textContent()).toBe(expected);
      await checkPage(page, `02-${shot}-registered`);
      await context.close();
    };
    await signUp(anouk, 'Aangemeld', 'anouk');
    await signUp(bram, 'Aangemeld', 'bram');
    await signUp(cor, 'Op de wachtlijst', 'cor-full');
    // Dana was invited too and does not come: her invitation arrived all the same.
    await mailTo(sink, dana.email, `Uitnodiging: ${eventTitle}`);

    for (const p of [anouk, bram]) {
      const confirmation = await mailTo(sink, p.email, `Aanmelding bevestigd: ${eventTitle}`);
      expect(confirmation.parsed.attachments.some((a) => a.filename === 'event.ics')).toBe(true);
      manageLinks[p.email] = (confirmation.parsed.text ?? '').match(new RegExp(`${base.replace(/\./g, '\\.')}/registrations/\\S+`))![0];
    }
    await mailTo(sink, cor.email, `Op de wachtlijst: ${eventTitle}`);

    // Bram cannot come after all: he cancels through the link in his confirmation mail.
    const { context, page } = await personIn(platform.browser, { width: 390, height: 844 });
    await page.goto(manageLinks[bram.email]);
    expect(await page.getByText(`Hallo ${bram.first},`).count()).toBe(1);
    await checkPage(page, '02-bram-registration');
    await page.getByLabel('Ja, ik meld me af').check();
    await page.getByRole('button', { name: 'Afmelden' }).click();
    await page.waitForURL(manageLinks[bram.email]);
    expect(await page.getByRole('status').first().textContent()).toContain('U bent afgemeld.');
    expect(await page.locator('.status-tag').textContent()).toBe('Afgemeld');
    await checkPage(page, '02-bram-cancelled');
    await context.close();
    await mailTo(sink, bram.email, `Afmelding ontvangen: ${eventTitle}`);

    // Cor moves up from the waiting list and is told so.
    const promoted = await mailTo(sink, cor.email, `Er is een plaats vrijgekomen: ${eventTitle}`);
    const corLink = (promoted.parsed.text ?? '').match(new RegExp(`${base.replace(/\./g, '\\.')}/registrations/\\S+`))?.[0];
    expect(corLink).toBeDefined();
    const cor2 = await personIn(platform.browser, { width: 390, height: 844 });
    await cor2.page.goto(corLink!);
    expect(await cor2.page.getByText('U bent aangemeld. Tot dan!').count()).toBe(1);
    await checkPage(cor2.page, '02-cor-promoted');
    await cor2.context.close();

    // The organiser sees the event full again: two confirmed, nobody waiting, one cancelled.
    const org = organiser.page;
    await org.goto(`${base}/manage/events/${eventId}`);
    expect(await org.locator('[data-count="confirmed"]').textContent()).toBe('2');
    expect(await org.locator('[data-count="waitlisted"]').textContent()).toBe('0');
    expect(await org.locator('[data-count="cancelled"]').textContent()).toBe('1');
    await checkPage(org, '02-event-registrations');
  });

  it('step 3: an account manager logs a company visit with an innovation question and records its answer', async () => {
    const { context, page } = await personIn(platform.browser);
    await logIn(page, base, staff.manager.email, STAFF_PASSWORD);
    await checkPage(page, '03-manager-home');
    await page.getByRole('button', { name: 'Bezoek vastleggen' }).click();
    await page.waitForURL(`${base}/crm/visits/new`);
    await page.getByLabel('Organisatie *').fill(anouk.org);
    await page.getByRole('button', { name: 'Verder' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe(`Bezoek vastleggen: ${anouk.org}`);
    expect(await page.getByLabel('Datum bezoek *', { exact: true }).inputValue()).toBe(todayInAmsterdam());
    await page.getByRole('checkbox', { name: `${anouk.name} (Eigenaar)` }).check();
    await page.getByRole('checkbox', { name: 'Innovatie', exact: true }).check();
    await page.getByLabel("Thema's").fill('smart industry, verdienmodellen');
    await page.getByLabel('Verslag').fill('Rondleiding door de werkplaats; Anouk komt ook naar de workshop verdienmodellen.');
    await page.getByLabel(/^Vraag/).fill('Kan een sensor de slijtage van onze machines voorspellen?');
    await page.getByRole('combobox', { name: /^Gesteld door/ }).selectOption({ label: anouk.name });
    await checkPage(page, '03-visit-form');
    await page.getByRole('button', { name: 'Bezoek opslaan' }).click();
    expect(await page.getByRole('status').first().textContent()).toContain(`Het bezoek aan ${anouk.org} is vastgelegd.`);
    await checkPage(page, '03-visit');

    await page.getByRole('link', { name: 'Kan een sensor de slijtage van onze machines voorspellen?' }).click();
    await page.getByLabel('Een kennisinstelling').check();
    await page.getByLabel('Welk bedrijf, welke instelling of wie').fill('Fontys Hogeschool Engineering');
    await page.getByLabel('Antwoord', { exact: true }).fill('Een afstudeerproject met trillingssensoren.');
    await checkPage(page, '03-question');
    await page.getByRole('button', { name: 'Antwoord opslaan' }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('De vraag is als beantwoord vastgelegd.');
    await checkPage(page, '03-question-answered');
    await context.close();
  });

  it('step 4: at the door the organiser finds each person by name and checks them in', async () => {
    const page = organiser.page;
    await page.goto(`${base}/manage/events/${eventId}`);
    await page.getByRole('button', { name: 'Inchecken aan de deur' }).click();
    await page.waitForURL(`${base}/manage/events/${eventId}/check-in`);
    expect(await page.locator('#check-in-summary').textContent()).toContain('0 van 2 aanwezig');
    await checkPage(page, '04-check-in');
    for (const p of [anouk, cor]) {
      await page.getByLabel('Naam, e-mail of organisatie').fill(p.last);
      await page.getByRole('button', { name: 'Zoeken' }).click();
      await page.waitForURL(/check-in\?q=/);
      await page.getByRole('button', { name: `Inchecken ${p.name}` }).click();
      await page.waitForURL(/check-in\?q=/);
      expect(await page.getByRole('status').first().textContent()).toContain(`${p.name} is ingecheckt.`);
    }
    // Bram cancelled: found, but there is nothing to check in.
    await page.getByLabel('Naam, e-mail of organisatie').fill(bram.last);
    await page.getByRole('button', { name: 'Zoeken' }).click();
    await page.waitForURL(/check-in\?q=/);
    expect(await page.getByRole('button', { name: `Inchecken ${bram.name}` }).count()).toBe(0);
    expect(await page.locator('#check-in-summary').textContent()).toContain('2 van 2 aanwezig');
    await checkPage(page, '04-checked-in');
  });

  it('step 5: the dashboard’s figures and the quarterly report move accordingly; issuing the report counts as progress communicated', async () => {
    const page = organiser.page;
    const after = await dashboardFigures(page);
    // Two people attended the workshop, one organisation was visited, one innovation question answered.
    expect(after).toEqual({ workshops: before.workshops + 2, visited: before.visited + 1, answered: before.answered + 1, reports: before.reports });
    expect(await page.locator(`#target-${targetIds.workshops} .target-meta`).textContent()).toContain('Aangemeld 2 · aanwezig 2');
    await checkPage(page, '05-dashboard-after');

    // The quarter's draft report shows the same figures.
    await page.goto(`${base}/reports/new?year=${when.year}&quarter=${when.quarter}`);
    const reported = async (name: TargetName) => {
      const row = page.locator('.report-table:not(#municipality-table) tbody tr').filter({ has: page.getByRole('rowheader').filter({ hasText: targetTitles[name] }) });
      return Number((await row.locator('td strong').textContent())!.replace(/\./g, ''));
    };
    expect(await reported('workshops')).toBe(2);
    expect(await reported('visited')).toBe(1);
    expect(await reported('answered')).toBe(1);
    await page.getByLabel('Hoogtepunten van het kwartaal').fill(`Een volle workshop verdienmodellen, met een wachtlijst.\n\nEen innovatievraag beantwoord met Fontys.`);
    await page.getByRole('button', { name: 'Concept bijwerken' }).click();
    await page.locator('#highlights').getByText('Een volle workshop verdienmodellen, met een wachtlijst.').waitFor();
    await checkPage(page, '05-report-draft');
    await page.getByRole('button', { name: `Rapportage K${when.quarter} ${when.year} uitbrengen` }).click();
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('status').first().textContent()).toContain(`De voortgangsrapportage over K${when.quarter} ${when.year} is uitgebracht.`);
    expect(await reported('workshops')).toBe(2);
    await checkPage(page, '05-report-issued');

    const final = await dashboardFigures(page);
    expect(final).toEqual({ ...after, reports: before.reports + 1 });
    await checkPage(page, '05-dashboard-final');
  });
});
