import { ContactsService } from '@keyport/crm';
import { EventView, RegistrationsService } from '@keyport/events';
import { MailTransport } from '@keyport/mail';
import { MailingSender, MailingsService, MailingView, SubscriptionsService } from '@keyport/mailings';
import { JobQueue } from '@keyport/queue';
import { Actor } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newEvent } from '../utils/event-factories';
import { TEST_PASSWORD } from '../utils/factories';
import {
  addPerson, Audience, countsByAddress, duplicates, INVITATION, mailsOf, newAudience, newOrganiser, newTemplate, NEWSLETTER, recipientsOf, sleep, startMailingWorker,
  unescapeHtml, waitForMailingStatus, waitUntil,
} from '../utils/mailing-fixtures';
import { describeWithRedis, testRedisUrl } from '../utils/services';
import { ReceivedMail, SmtpSink } from '../utils/smtp-sink';

type Refusal = { code: number; message: string } | undefined;

/** The raw header block with folded lines joined, so a header can be matched whole. */
const headerBlock = (mail: ReceivedMail) => mail.raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
const pathOf = (url: string) => new URL(url).pathname;

describeWithRedis('invitation mailings: BullMQ on Redis, two workers, a real SMTP sink', () => {
  const prefix = `mailings-${process.pid}-${Date.now()}`;
  /** Per-address refusal rules of the sink (by the address's attempt number); addresses are unique per test. */
  const rules = new Map<string, (attemptTo: number) => Refusal>();
  /** Per-address hooks the sink awaits before answering: a test can hold a message in flight. */
  const holds = new Map<string, () => Promise<void>>();
  let sink: SmtpSink;
  let api: NestFastifyApplication;
  let workers: INestApplicationContext[] = [];
  let actor: Actor;
  let token: string;
  let mailings: MailingsService;
  let subscriptions: SubscriptionsService;
  let ds: DataSource;

  const env = () => ({ REDIS_URL: testRedisUrl(), SMTP_URL: sink.url, QUEUE_PREFIX: prefix, MAIL_RATE_PER_SECOND: '50' });
  const bearer = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    sink = await new SmtpSink({ refuse: (_n, to, attemptTo) => rules.get(to[0])?.(attemptTo), onMessage: ({ to }) => holds.get(to[0])?.() }).start();
    api = await createTestApp(env());
    // Two workers on the same Redis and prefix, as `--scale worker=2` runs them: every test below has both.
    workers = [await startMailingWorker(env()), await startMailingWorker(env())];
    actor = await newOrganiser(api);
    token = (await api.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: actor.email, password: TEST_PASSWORD } })).json().token;
    mailings = api.get(MailingsService);
    subscriptions = api.get(SubscriptionsService);
    ds = api.get(DataSource);
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
    await sink?.stop();
  });

  async function createMailing(audience: Audience | string, options: { event?: EventView | null; templateId?: string } = {}): Promise<MailingView> {
    const tag = typeof audience === 'string' ? audience : audience.tag;
    const templateId = options.templateId ?? (await newTemplate(api, actor, options.event === null ? NEWSLETTER : undefined)).id;
    const event = options.event === undefined ? await newEvent(api) : options.event;
    return mailings.create(actor, { name: `Mailing ${tag}`, templateId, eventId: event?.id, filters: { tags: [tag] } });
  }

  async function sendAndFinish(id: string, timeoutMs = 30_000): Promise<MailingView> {
    await mailings.send(actor, id);
    return waitForMailingStatus(api, id, 'sent', timeoutMs);
  }

  /** Waits until no recipient of the mailing is in flight (claimed by a worker). */
  const settled = (id: string) =>
    waitUntil(`no recipient of ${id} in flight`, async () => {
      const [row] = await ds.query(`SELECT count(*)::int AS n FROM mailing_recipients WHERE mailing_id = $1 AND status = 'sending'`, [id]);
      return row.n === 0;
    });

  const unsubscribeToken = (contactId: string) => pathOf(subscriptions.unsubscribeUrl(contactId, randomUUID())).split('/').pop()!;

  it('reaches every eligible recipient exactly once, skips the excluded with the reason, and carries the headers, links, both parts and the right language', async () => {
    const event = await newEvent(api, { title: 'Ontbijtsessie Waterstof' });
    const audience = await newAudience(api, 6, { language: (i) => (i < 4 ? 'nl' : 'en') });
    const { organisation } = audience;
    const noConsent = await addPerson(api, organisation, { consent: false });
    const unsubscribed = await addPerson(api, organisation);
    expect(await subscriptions.unsubscribe(unsubscribeToken(unsubscribed.id), 'page')).toBe(true);
    const bounced = await addPerson(api, organisation);
    await subscriptions.recordBounces([{ email: bounced.email!, kind: 'hard', reason: '550 5.1.1 user unknown' }], 'staff');
    // Working at two organisations of the audience: still one person, one mail.
    const secondOrganisation = await newOrganisation(api, { tags: [audience.tag] });
    const twoJobs = await newContact(api, {
      email: `twee.banen.${randomUUID().slice(0, 8)}@example.nl`, mailingConsent: true, consentSource: 'test', language: 'nl',
      organisations: [{ organisationId: organisation.id }, { organisationId: secondOrganisation.id }],
    });
    const eligible = [...audience.contacts, twoJobs];

    const mailing = await createMailing(audience, { event });
    const preview = await mailings.audience(mailing.id);
    expect(preview).toMatchObject({ matched: 10, eligible: 7, excluded: { no_consent: 1, unsubscribed: 1, bounced: 1, total: 3 } });

    const done = await sendAndFinish(mailing.id);
    expect(done.counts).toEqual({ total: 10, queued: 0, sent: 7, failed: 0, bounced: 0, skipped: 3 });
    expect(done.skippedBy).toEqual({ no_consent: 1, unsubscribed: 1, bounced: 1 });
    expect(done.progress).toBe(100);

    const rows = await recipientsOf(api, mailing.id);
    expect(rows.get(noConsent.email!)).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(rows.get(unsubscribed.email!)).toMatchObject({ status: 'skipped', reason: 'unsubscribed' });
    expect(rows.get(bounced.email!)).toMatchObject({ status: 'skipped', reason: 'bounced' });
    for (const c of eligible) expect(rows.get(c.email!)).toMatchObject({ status: 'sent', attempts: 1, smtpResponse: expect.stringMatching(/^250/), sentAt: expect.any(Date) });

    await sleep(1_000); // nothing more arrives
    const counts = countsByAddress(sink, mailing.id);
    expect([...counts.keys()].sort()).toEqual(eligible.map((c) => c.email!).sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const c of [noConsent, unsubscribed, bounced]) expect(sink.to(c.email!)).toHaveLength(0);

    for (const contact of eligible) {
      const [mail] = sink.to(contact.email!);
      const english = contact.language === 'en';
      expect(mail.parsed.subject).toBe(english ? 'Invitation: Ontbijtsessie Waterstof' : 'Uitnodiging: Ontbijtsessie Waterstof');
      const headers = headerBlock(mail);
      const unsubscribe = headers.match(/^List-Unsubscribe: <([^>]+)>$/im)?.[1];
      expect(unsubscribe).toMatch(/^http:\/\/localhost:\d+\/unsubscribe\/[\w-]+\.[\w-]+$/);
      expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/im);
      // HTML and text parts, each with the unsubscribe link and the personal sign-up link.
      expect(mail.parsed.html).toBeTruthy();
      expect(mail.parsed.text).toBeTruthy();
      const html = unescapeHtml(mail.parsed.html as string);
      expect(html).toContain(`href="${unsubscribe}"`);
      expect(mail.parsed.text).toContain(unsubscribe);
      const signUp = mail.parsed.text!.match(/(http:\/\/\S+\/events\/[^\s?]+\?invite=\S+)/)?.[1];
      expect(signUp).toBeDefined();
      expect(signUp).toContain(`/events/${event.slug}?invite=`);
      expect(html).toContain(`href="${signUp}"`);
      // The link is personal: it fills in the form for this contact (and no one else).
      const invite = await subscriptions.invite(new URL(signUp!).searchParams.get('invite')!);
      expect(invite).toMatchObject({ contactId: contact.id, mailingId: mailing.id, email: contact.email });
      expect(mail.parsed.text).toContain(english ? `Dear ${contact.firstName}` : `Beste ${contact.firstName}`);
      expect(html).toContain(`<html lang="${english ? 'en' : 'nl'}">`);
    }
  });

  it('sends one mail to an address two contacts share', async () => {
    const audience = await newAudience(api, 2);
    const shared = audience.contacts[0];
    // The CRM refuses a second active contact with an address in use (also in other letter case) ...
    await expect(newContact(api, { email: shared.email!.toUpperCase(), organisations: [{ organisationId: audience.organisation.id }] })).rejects.toThrow(/already|belongs/);
    // ... so two contacts with one address exist only in older data. Simulated in one transaction: the unique
    // index is dropped, a second contact with the address (in capitals, with consent) added, the mailing started,
    // then the copy is merged away and the index restored; no other session ever sees the index missing.
    const mailing = await createMailing(audience, { event: null });
    await ds.transaction(async (m) => {
      await m.query(`DROP INDEX contacts_email_key`);
      const [copy] = await m.query(
        `INSERT INTO contacts (first_name, last_name, email, language, mailing_consent, consent_at, consent_source, created_at)
         VALUES ('Dubbel', 'Adres', $1, 'en', true, now(), 'test', now() + interval '1 second') RETURNING id`,
        [shared.email!.toUpperCase()],
      );
      await m.query(`INSERT INTO contact_organisations (contact_id, organisation_id) VALUES ($1, $2)`, [copy.id, audience.organisation.id]);
      const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM contacts WHERE lower(email) = $1 AND merged_into_id IS NULL`, [shared.email]);
      expect(n).toBe(2);
      await mailings.start(m, mailing.id);
      await m.query(`UPDATE contacts SET merged_into_id = $2 WHERE id = $1`, [copy.id, shared.id]);
      await m.query(`CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email)) WHERE email IS NOT NULL AND merged_into_id IS NULL`);
    });
    const done = await waitForMailingStatus(api, mailing.id, 'sent');
    expect(done.counts).toMatchObject({ total: 2, sent: 2 });
    await sleep(500);
    // Whichever of the two records was chosen, the address got one message (in any letter case).
    expect(sink.received.filter((m) => m.to.some((to) => to.toLowerCase() === shared.email))).toHaveLength(1);
    expect(mailsOf(sink, mailing.id)).toHaveLength(2);
  });

  it('ends with every recipient sent when the SMTP server answers 451 to a third of the attempts, without duplicates', async () => {
    const audience = await newAudience(api, 30);
    let attempts = 0;
    for (const c of audience.contacts) rules.set(c.email!, () => (++attempts % 3 === 0 ? { code: 451, message: '4.7.1 Try again later' } : undefined));
    const mailing = await createMailing(audience);
    const done = await sendAndFinish(mailing.id, 90_000);
    expect(done.counts).toMatchObject({ total: 30, sent: 30, failed: 0, queued: 0 });
    await sleep(500);
    expect(duplicates(sink, mailing.id)).toEqual([]);
    expect(mailsOf(sink, mailing.id)).toHaveLength(30);
    const refused = audience.contacts.reduce((n, c) => n + sink.refusedTo(c.email!), 0);
    expect(refused).toBeGreaterThanOrEqual(10);
    const rows = [...(await recipientsOf(api, mailing.id)).values()];
    const retried = rows.filter((r) => r.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.attempts).toBe(sink.attemptsTo(r.email));
  }, 120_000);

  it('marks a 550 failed with the answer after one attempt, and a 550 5.1.1 bounced and excluded from the next mailing', async () => {
    const audience = await newAudience(api, 3);
    const [rejected, unknown, fine] = audience.contacts;
    rules.set(rejected.email!, () => ({ code: 550, message: '5.7.1 rejected' }));
    rules.set(unknown.email!, () => ({ code: 550, message: '5.1.1 user unknown' }));
    const first = await createMailing(audience);
    const done = await sendAndFinish(first.id);
    expect(done.counts).toMatchObject({ total: 3, sent: 1, failed: 1, bounced: 1, queued: 0 });
    const rows = await recipientsOf(api, first.id);
    expect(rows.get(rejected.email!)).toMatchObject({ status: 'failed', attempts: 1, smtpResponse: '550 5.7.1 rejected' });
    expect(rows.get(unknown.email!)).toMatchObject({ status: 'bounced', attempts: 1, smtpResponse: '550 5.1.1 user unknown' });
    expect(rows.get(fine.email!)).toMatchObject({ status: 'sent' });
    await sleep(3_000); // longer than the first retry's back-off (2 s): a retry would have come by now
    expect(sink.attemptsTo(rejected.email!)).toBe(1);
    expect(sink.attemptsTo(unknown.email!)).toBe(1);
    const [contact] = await ds.query(`SELECT bounced_at, bounce_reason FROM contacts WHERE id = $1`, [unknown.id]);
    expect(contact.bounced_at).toBeInstanceOf(Date);
    expect(contact.bounce_reason).toContain('5.1.1');

    rules.delete(rejected.email!);
    const next = await createMailing(audience);
    expect((await mailings.audience(next.id)).excluded).toMatchObject({ bounced: 1 });
    const nextDone = await sendAndFinish(next.id);
    expect(nextDone.counts).toMatchObject({ total: 3, sent: 2, skipped: 1 });
    expect((await recipientsOf(api, next.id)).get(unknown.email!)).toMatchObject({ status: 'skipped', reason: 'bounced' });
    expect(sink.attemptsTo(unknown.email!)).toBe(1);
  });

  it('unsubscribes with the one-click POST; later mailings skip the person, transactional mail still comes, the page offers re-subscribe', async () => {
    const event = await newEvent(api, { capacity: 50 });
    const audience = await newAudience(api, 3);
    const [leaver] = audience.contacts;
    const first = await createMailing(audience, { event });
    await sendAndFinish(first.id);
    const [mail] = await sink.waitForTo(leaver.email!);
    const url = headerBlock(mail).match(/^List-Unsubscribe: <([^>]+)>$/im)![1];

    // RFC 8058: a POST with List-Unsubscribe=One-Click, no confirmation page, no cookie, no CSRF token.
    const oneClick = await api.inject({ method: 'POST', url: pathOf(url), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(oneClick.statusCode).toBe(200);
    const [row] = await ds.query(`SELECT unsubscribed_at, mailing_consent FROM contacts WHERE id = $1`, [leaver.id]);
    expect(row.unsubscribed_at).toBeInstanceOf(Date);
    expect(row.mailing_consent).toBe(false);
    // A second click changes nothing and still answers 200.
    expect((await api.inject({ method: 'POST', url: pathOf(url), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })).statusCode).toBe(200);

    const second = await createMailing(audience, { event });
    const secondDone = await sendAndFinish(second.id);
    expect(secondDone.counts).toMatchObject({ total: 3, sent: 2, skipped: 1 });
    expect(secondDone.skippedBy).toEqual({ unsubscribed: 1 });
    expect((await recipientsOf(api, second.id)).get(leaver.email!)).toMatchObject({ status: 'skipped', reason: 'unsubscribed' });
    expect(sink.to(leaver.email!)).toHaveLength(1);

    // Transactional mail is not a mailing: the confirmation of a sign-up still reaches them.
    const registration = await api.get(RegistrationsService).register({ id: event.id }, { firstName: leaver.firstName, lastName: leaver.lastName, email: leaver.email! }, { source: 'public' });
    expect(registration.status).toBe('confirmed');
    const mails = await sink.waitForTo(leaver.email!, 2);
    expect(mails[1].parsed.subject).toMatch(/^Aanmelding bevestigd/);

    // The link's page shows the state and offers to subscribe again; that makes them eligible again.
    const page = await api.inject({ method: 'GET', url: pathOf(url) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="action" value="resubscribe"');
    const resubscribe = await api.inject({ method: 'POST', url: pathOf(url), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=resubscribe' });
    expect([302, 303]).toContain(resubscribe.statusCode);
    const after = await api.inject({ method: 'GET', url: pathOf(url) });
    expect(after.body).toContain('name="action" value="unsubscribe"');
    const third = await createMailing(audience, { event });
    expect((await mailings.audience(third.id)).eligible).toBe(3);
    await sendAndFinish(third.id);
    expect(countsByAddress(sink, third.id).get(leaver.email!)).toBe(1);

    // A tampered token is not a link of ours.
    const tampered = pathOf(url).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await api.inject({ method: 'GET', url: tampered })).statusCode).toBe(404);
    expect((await api.inject({ method: 'POST', url: tampered, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })).statusCode).toBe(404);
    expect((await api.inject({ method: 'POST', url: tampered, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=unsubscribe' })).statusCode).toBe(404);
    const [still] = await ds.query(`SELECT unsubscribed_at FROM contacts WHERE id = $1`, [leaver.id]);
    expect(still.unsubscribed_at).toBeNull();
  });

  it('catches template errors at preview (400 with the field and line) and at send (nothing queued)', async () => {
    const previewOf = (nl: { subject: string; html: string; text: string }, en: { subject: string; html: string; text: string }) =>
      api.inject({ method: 'POST', url: '/api/v1/mail-templates/preview', headers: bearer(), payload: { nl, en } });
    // A syntax error (a block never closed) ...
    const syntax = await previewOf(
      { subject: 'Hallo', html: '<p>Beste {{contact.firstName}},</p>\n<p>{{#if event.title}}welkom</p>', text: 'Beste {{contact.firstName}}' },
      { subject: 'Hello', html: '<p>Hi</p>', text: 'Dear {{contact.firstName}}' },
    );
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().errors).toEqual([{ field: 'nl.html', message: expect.stringMatching(/^syntax error on line 2: Expecting .*got EOF$/) }]);
    // ... and a variable no mailing has, in two parts at once.
    const unknown = await previewOf(
      { subject: 'Hallo {{contact.voornaam}}', html: '<p>Hallo</p>', text: 'Hallo' },
      { subject: 'Hello', html: '<p>Hi</p>', text: 'Dear {{contact.firstName}},\n\n{{contact.nickname}}' },
    );
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'nl.subject', message: 'unknown variable or helper "voornaam" on line 1' }),
      expect.objectContaining({ field: 'en.text', message: 'unknown variable or helper "nickname" on line 3' }),
    ]));
    const fine = await previewOf(INVITATION.nl, INVITATION.en);
    expect(fine.statusCode).toBe(200);
    expect(fine.json().en.subject).toBe('Invitation: Breakfast session Smart Industry');

    // A mailing without an event whose template uses event variables: its preview and its send say why.
    const audience = await newAudience(api, 2);
    const mailing = await createMailing(audience, { event: null, templateId: (await newTemplate(api, actor)).id });
    const mailingPreview = await api.inject({ method: 'GET', url: `/api/v1/mailings/${mailing.id}/preview`, headers: bearer() });
    expect(mailingPreview.statusCode).toBe(400);
    expect(mailingPreview.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'nl.subject', message: expect.stringMatching(/"title" on line 1/) })]));
    const send = await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/send`, headers: bearer(), payload: {} });
    expect(send.statusCode).toBe(400);
    expect(send.json().errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'nl.subject', message: 'unknown variable or helper "title" on line 1 (this mailing has no event)' }),
      expect.objectContaining({ field: 'nl.html', message: expect.stringMatching(/on line 2 \(this mailing has no event\)$/) }),
    ]));

    // A template broken after it was saved (here: in the database) is refused at send too.
    const broken = await createMailing(audience, { event: null });
    await ds.query(`UPDATE mail_templates SET html_en = $2 WHERE id = $1`, [broken.templateId, '<p>Dear {{contact.firstName}}</p>\n{{#each}}']);
    const brokenSend = await api.inject({ method: 'POST', url: `/api/v1/mailings/${broken.id}/send`, headers: bearer(), payload: {} });
    expect(brokenSend.statusCode).toBe(400);
    expect(brokenSend.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'en.html', message: expect.stringMatching(/line 2/) })]));

    for (const id of [mailing.id, broken.id]) {
      expect((await mailings.get(id)).status).toBe('draft');
      expect((await ds.query(`SELECT count(*)::int AS n FROM mailing_recipients WHERE mailing_id = $1`, [id]))[0].n).toBe(0);
      expect((await ds.query(`SELECT count(*)::int AS n FROM job_outbox WHERE payload->>'mailingId' = $1`, [id]))[0].n).toBe(0);
    }
    await sleep(1_000);
    for (const c of audience.contacts) expect(sink.to(c.email!)).toHaveLength(0);
  });

  it('sends once however often send is clicked, also at the same moment', async () => {
    const audience = await newAudience(api, 8);
    const mailing = await createMailing(audience);
    const clicks = await Promise.all([1, 2, 3].map(() => api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/send`, headers: bearer(), payload: {} })));
    expect(clicks.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    await waitForMailingStatus(api, mailing.id, 'sent');
    const again = await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/send`, headers: bearer(), payload: {} });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ status: 'sent', counts: { total: 8, sent: 8 } });
    const [state] = await ds.query(`SELECT generation FROM mailings WHERE id = $1`, [mailing.id]);
    expect(state.generation).toBe(1);
    expect((await ds.query(`SELECT count(*)::int AS n FROM job_outbox WHERE name = 'mailing-pump' AND payload->>'mailingId' = $1`, [mailing.id]))[0].n).toBe(1);
    await sleep(1_500);
    expect(mailsOf(sink, mailing.id)).toHaveLength(8);
    expect(duplicates(sink, mailing.id)).toEqual([]);
  });

  it('pauses (the counts stop moving) and resumes to the end without duplicates', async () => {
    const audience = await newAudience(api, 100);
    const mailing = await createMailing(audience);
    await mailings.send(actor, mailing.id);
    await waitUntil('the first mails', async () => mailsOf(sink, mailing.id).length >= 5, 30_000, 20);
    const paused = await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/pause`, headers: bearer() });
    expect(paused.statusCode).toBe(200);
    expect(paused.json().status).toBe('paused');
    await settled(mailing.id);
    const atPause = await mailings.get(mailing.id);
    const delivered = mailsOf(sink, mailing.id).length;
    expect(atPause.counts.sent).toBe(delivered);
    expect(atPause.counts.queued).toBeGreaterThan(0);
    await sleep(3_000); // longer than a sweep's period and many pumps' worth of sending
    const later = await mailings.get(mailing.id);
    expect(later.status).toBe('paused');
    expect(later.counts).toEqual(atPause.counts);
    expect(mailsOf(sink, mailing.id)).toHaveLength(delivered);

    const resumed = await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/resume`, headers: bearer() });
    expect(resumed.statusCode).toBe(202);
    const done = await waitForMailingStatus(api, mailing.id, 'sent');
    expect(done.counts).toMatchObject({ total: 100, sent: 100, queued: 0 });
    await sleep(500);
    expect(mailsOf(sink, mailing.id)).toHaveLength(100);
    expect(duplicates(sink, mailing.id)).toEqual([]);
  });

  it('cancels: what was not sent yet is skipped with the reason "cancelled", and nothing more goes out', async () => {
    const audience = await newAudience(api, 60);
    const mailing = await createMailing(audience);
    await mailings.send(actor, mailing.id);
    await waitUntil('the first mails', async () => mailsOf(sink, mailing.id).length >= 5, 30_000, 20);
    const cancelled = await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/cancel`, headers: bearer() });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    await settled(mailing.id);
    const view = await mailings.get(mailing.id);
    const delivered = mailsOf(sink, mailing.id).length;
    expect(view.counts.sent).toBe(delivered);
    expect(delivered).toBeLessThan(60);
    expect(view.counts).toMatchObject({ total: 60, queued: 0, skipped: 60 - delivered });
    expect(view.skippedBy).toEqual({ cancelled: 60 - delivered });
    await sleep(2_500);
    expect(mailsOf(sink, mailing.id)).toHaveLength(delivered);
    expect(duplicates(sink, mailing.id)).toEqual([]);
    // Cancelled is final.
    expect((await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/resume`, headers: bearer() })).statusCode).toBe(409);
    expect((await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/send`, headers: bearer(), payload: {} })).statusCode).toBe(409);
  });

  it('skips a message in flight at cancel that then fails temporarily, instead of leaving it queued', async () => {
    const audience = await newAudience(api, 3);
    const [slow] = audience.contacts;
    let arrived!: () => void;
    let release!: () => void;
    const arrival = new Promise<void>((r) => (arrived = r));
    const released = new Promise<void>((r) => (release = r));
    holds.set(slow.email!, async () => {
      arrived();
      await released;
    });
    rules.set(slow.email!, () => ({ code: 451, message: '4.3.0 Try again later' }));
    const mailing = await createMailing(audience);
    await mailings.send(actor, mailing.id);
    await arrival; // the message is at the SMTP server, unanswered
    await mailings.cancel(actor, mailing.id);
    release(); // now the server answers 451
    const row = await waitUntil('the message in flight to end skipped', async () => {
      const r = (await recipientsOf(api, mailing.id)).get(slow.email!);
      return r?.status === 'skipped' ? r : undefined;
    }, 30_000, 250);
    expect(row.reason).toBe('cancelled');
    const view = await mailings.get(mailing.id);
    expect(view).toMatchObject({ status: 'cancelled', progress: 100, counts: { total: 3, queued: 0 } });
    await sleep(2_500); // past the retry's back-off: no second attempt
    expect(sink.attemptsTo(slow.email!)).toBe(1);
    expect(sink.to(slow.email!)).toHaveLength(0);
  });

  it('delivers one mailing with two workers pumping at once, without duplicates', async () => {
    const audience = await newAudience(api, 80);
    const mailing = await createMailing(audience);
    const perWorker = workers.map((w) => {
      const transport = w.get(MailTransport);
      const calls: string[] = [];
      const original = transport.send.bind(transport);
      jest.spyOn(transport, 'send').mockImplementation((mail) => {
        if (mail.headers?.['X-Keyport-Mailing'] === mailing.id) calls.push(mail.to);
        return original(mail);
      });
      return calls;
    });
    try {
      await mailings.send(actor, mailing.id);
      // Besides the pump the send queued: one more on each worker directly, which both claim a batch (at most
      // three pumps have claimed 20 each by then, of 80), and then four more through the queue, all at once.
      const direct = Promise.all(workers.map((w) => w.get(MailingSender).pump(mailing.id)));
      await waitUntil('both workers to have claimed', async () => perWorker.every((calls) => calls.length > 0), 10_000, 5);
      for (let i = 0; i < 4; i++) await api.get(JobQueue).add('mailing-pump', { mailingId: mailing.id }, { jobId: `extra-${mailing.id}-${i}` });
      await direct;
      const done = await waitForMailingStatus(api, mailing.id, 'sent');
      expect(done.counts).toMatchObject({ total: 80, sent: 80 });
      await sleep(500);
      expect(mailsOf(sink, mailing.id)).toHaveLength(80);
      expect(duplicates(sink, mailing.id)).toEqual([]);
      // Both workers took part, and no address was handed to SMTP twice.
      expect(perWorker[0].length).toBeGreaterThan(0);
      expect(perWorker[1].length).toBeGreaterThan(0);
      expect(new Set([...perWorker[0], ...perWorker[1]]).size).toBe(perWorker[0].length + perWorker[1].length);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('resends to the failed recipients only, as one action', async () => {
    const audience = await newAudience(api, 5);
    const [a, b] = audience.contacts;
    for (const c of [a, b]) rules.set(c.email!, (attemptTo) => (attemptTo === 1 ? { code: 554, message: '5.7.1 rejected by policy' } : undefined));
    const mailing = await createMailing(audience);
    const first = await sendAndFinish(mailing.id);
    expect(first.counts).toMatchObject({ total: 5, sent: 3, failed: 2 });
    const resend = await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/resend-failed`, headers: bearer() });
    expect(resend.statusCode).toBe(202);
    const done = await waitForMailingStatus(api, mailing.id, 'sent');
    expect(done.counts).toMatchObject({ total: 5, sent: 5, failed: 0 });
    await sleep(500);
    expect(mailsOf(sink, mailing.id)).toHaveLength(5);
    expect(duplicates(sink, mailing.id)).toEqual([]);
    for (const c of audience.contacts) expect(sink.attemptsTo(c.email!)).toBe(c === a || c === b ? 2 : 1);
  });

  it('follows up to those of the previous mailing who have not registered', async () => {
    const event = await newEvent(api, { capacity: 50 });
    const audience = await newAudience(api, 4);
    const [registrant, ...others] = audience.contacts;
    const outsider = await newAudience(api, 1, { tag: `${audience.tag}-x` });
    const first = await createMailing(audience, { event });
    await sendAndFinish(first.id);
    await api.get(RegistrationsService).register({ id: event.id }, { firstName: registrant.firstName, lastName: registrant.lastName, email: registrant.email! }, { source: 'public' });
    await sink.waitForTo(registrant.email!, 2); // the invitation and the confirmation

    const followUp = await mailings.followUp(actor, first.id);
    expect(followUp).toMatchObject({ status: 'draft', parentId: first.id, eventId: event.id, filters: { receivedMailingId: first.id, registration: 'not_registered' } });
    const preview = await mailings.audience(followUp.id);
    expect(preview.eligible).toBe(3);
    expect(preview.sample.map((m) => m.email).sort()).toEqual(others.map((c) => c.email!).sort());
    await sendAndFinish(followUp.id);
    expect([...countsByAddress(sink, followUp.id)].sort()).toEqual(others.map((c) => [c.email!, 1]).sort());
    expect(sink.to(registrant.email!)).toHaveLength(2);
    expect(sink.to(outsider.contacts[0].email!)).toHaveLength(0);
  });

  it('takes bounce notifications on POST /api/v1/bounces: hard bounces and complaints exclude the address from later mailings', async () => {
    const audience = await newAudience(api, 4);
    const [hard, complaint, soft, fine] = audience.contacts;
    const first = await createMailing(audience);
    await sendAndFinish(first.id);
    const nobody = `niemand.${randomUUID().slice(0, 8)}@example.nl`;
    const res = await api.inject({
      method: 'POST',
      url: '/api/v1/bounces',
      headers: bearer(),
      payload: {
        bounces: [
          { email: hard.email!.toUpperCase(), kind: 'hard', reason: '550 5.1.1 mailbox unavailable', mailingId: first.id },
          { email: complaint.email, kind: 'complaint' },
          { email: soft.email, kind: 'soft', reason: '452 4.2.2 mailbox full' },
          { email: nobody, kind: 'hard' },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ recorded: 4, excluded: 3, unknown: 1 });
    expect((await recipientsOf(api, first.id)).get(hard.email!)).toMatchObject({ status: 'bounced', smtpResponse: '550 5.1.1 mailbox unavailable' });
    expect((await mailings.get(first.id)).counts).toMatchObject({ sent: 3, bounced: 1 });

    // The unknown address becomes a contact later: excluded all the same.
    const late = await newContact(api, { email: nobody, mailingConsent: true, consentSource: 'test', organisations: [{ organisationId: audience.organisation.id }] });
    const next = await createMailing(audience);
    const done = await sendAndFinish(next.id);
    expect(done.counts).toMatchObject({ total: 5, sent: 2, skipped: 3 });
    const rows = await recipientsOf(api, next.id);
    expect(rows.get(hard.email!)).toMatchObject({ status: 'skipped', reason: 'bounced' });
    expect(rows.get(late.email!)).toMatchObject({ status: 'skipped', reason: 'bounced' });
    expect(rows.get(complaint.email!)).toMatchObject({ status: 'skipped', reason: 'unsubscribed' });
    expect(rows.get(soft.email!)).toMatchObject({ status: 'sent' });
    expect(rows.get(fine.email!)).toMatchObject({ status: 'sent' });
  });

  it('starts a scheduled mailing when its time has come (the sweep job)', async () => {
    const audience = await newAudience(api, 3);
    const mailing = await createMailing(audience);
    const at = new Date(Date.now() + 60_000);
    const scheduled = await api.inject({ method: 'POST', url: `/api/v1/mailings/${mailing.id}/send`, headers: bearer(), payload: { scheduledAt: at.toISOString() } });
    expect(scheduled.statusCode).toBe(202);
    expect(scheduled.json()).toMatchObject({ status: 'scheduled', scheduledAt: at.toISOString(), counts: { total: 0 } });
    await sleep(1_500);
    expect(mailsOf(sink, mailing.id)).toHaveLength(0);
    // Rather than wait a minute: the time moves to two seconds from now. The sweep (every 10 s) starts it.
    await ds.query(`UPDATE mailings SET scheduled_at = now() + interval '2 seconds' WHERE id = $1`, [mailing.id]);
    const startedAfter = Date.now() + 2_000;
    const done = await waitForMailingStatus(api, mailing.id, 'sent', 30_000);
    expect(done.counts).toMatchObject({ total: 3, sent: 3 });
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(startedAfter - 1_000);
    expect(duplicates(sink, mailing.id)).toEqual([]);
    expect(mailsOf(sink, mailing.id)).toHaveLength(3);
  });
});
