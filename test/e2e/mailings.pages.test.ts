import { MailingsService, MailTemplatesService, SubscriptionsService } from '@keyport/mailings';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';

type Response = Awaited<ReturnType<NestFastifyApplication['inject']>>;

/** A multipart/form-data body as a browser sends it: the fields in the given order, then the file. */
function multipart(fields: Record<string, string>, file?: { name: string; content: string }): { payload: Buffer; contentType: string } {
  const boundary = `----keyport${randomUUID().replace(/-/g, '')}`;
  const parts: Buffer[] = Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** PageClient, plus a file form (with its session cookie and token). */
class UploadingPageClient extends PageClient {
  constructor(private readonly nest: NestFastifyApplication) {
    super(nest);
  }

  async upload(url: string, file?: { name: string; content: string }): Promise<Response> {
    const body = multipart({ _csrf: this.csrf() }, file);
    const self = this as unknown as { cookieHeader(): string; keep(res: Response): void };
    const res = await this.nest.inject({ method: 'POST', url, headers: { accept: 'text/html', 'content-type': body.contentType, cookie: self.cookieHeader() }, payload: body.payload });
    self.keep(res);
    if (res.headers['content-type']?.toString().includes('text/html')) this.lastHtml = res.body;
    return res;
  }
}

const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

describe('mailing pages', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  async function loggedIn(role: Role): Promise<UploadingPageClient> {
    const user = await newUser(app, role);
    const page = new UploadingPageClient(app);
    const res = await page.login(user.email, TEST_PASSWORD);
    expect(res.statusCode).toBe(303);
    return page;
  }

  /** An audience of its own: organisations with a unique tag, people with and without consent. */
  async function audience(tag: string, withConsent: number, without: number) {
    const org = await newOrganisation(app, { name: `Mailbedrijf ${tag}`, tags: [tag], municipality: 'Roermond' });
    const people = [];
    for (let i = 0; i < withConsent; i++) {
      people.push(await newContact(app, { firstName: `Anna${i}`, lastName: `Jansen ${tag}`, email: `anna${i}.${tag}@example.nl`, mailingConsent: true, consentSource: 'test', organisations: [{ organisationId: org.id }] } as never));
    }
    for (let i = 0; i < without; i++) {
      await newContact(app, { firstName: `Bert${i}`, lastName: `Zonder ${tag}`, email: `bert${i}.${tag}@example.nl`, mailingConsent: false, organisations: [{ organisationId: org.id }] } as never);
    }
    return { org, people };
  }

  async function template(name: string) {
    const user = await newUser(app, Role.Organiser);
    return app.get(MailTemplatesService).create({ id: user.id, role: user.role, name: user.name, email: user.email }, {
      name,
      nl: { subject: 'Uitnodiging {{event.title}} voor {{contact.firstName}}', html: '<p style="color:#00566f">Beste {{contact.firstName}}, <a href="{{signUpUrl}}">aanmelden</a></p>', text: 'Beste {{contact.firstName}}: {{signUpUrl}}' },
      en: { subject: 'Invitation {{event.title}} for {{contact.firstName}}', html: '<p>Dear {{contact.firstName}}, <a href="{{signUpUrl}}">sign up</a></p>', text: 'Dear {{contact.firstName}}: {{signUpUrl}}' },
    });
  }

  it('renders every page for an organiser (with the menu item), 403 for an account manager, the login for anonymous visitors', async () => {
    const organiser = await loggedIn(Role.Organiser);
    const urls = ['/manage/mailings', '/manage/mailings/new', '/manage/mail-templates', '/manage/mail-templates/new', '/manage/segments', '/manage/segments/new', '/manage/mailings/bounces'];
    for (const url of urls) {
      const res = await organiser.get(url);
      expect([url, res.statusCode]).toEqual([url, 200]);
      expect(res.body).toContain('<a href="/manage/mailings" aria-current="page">Mailings</a>');
      expect(res.body).toContain('<input type="hidden" name="_csrf"');
    }
    expect((await organiser.get('/manage/mailings?lang=en')).body).toContain('New mailing');

    const manager = await loggedIn(Role.AccountManager);
    expect((await manager.get('/')).body).not.toContain('href="/manage/mailings"');
    for (const url of urls) expect([url, (await manager.get(url)).statusCode]).toEqual([url, 403]);
    expect((await manager.post('/manage/mailings', { name: 'x' })).statusCode).toBe(403);

    const anonymous = new PageClient(app);
    const res = await anonymous.get('/manage/mailings');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fmanage%2Fmailings');
    expect((await organiser.post('/manage/mail-templates', { name: 'x' }, { csrf: false })).statusCode).toBe(403);
  });

  it('shows template errors per part with the line, previews both languages, saves, copies, and refuses to delete a template in use', async () => {
    const tag = randomUUID().slice(0, 8);
    const page = await loggedIn(Role.Organiser);
    await page.get('/manage/mail-templates/new');
    const fields = {
      name: `Ontbijt ${tag}`,
      description: 'Voor de test',
      nl_subject: 'Uitnodiging {{event.title}}',
      nl_html: '<p>Beste {{contact.firstName}},</p>\n<p>Welkom</p>\n<p>{{contact.frist}}</p>',
      nl_text: 'Beste {{contact.firstName}}',
      en_subject: 'Invitation {{event.title}}',
      en_html: '<p>Dear {{contact.firstName}}</p>',
      en_text: 'Dear {{contact.firstName}}',
    };
    const bad = await page.post('/manage/mail-templates', { ...fields, action: 'save' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="template-errors"');
    expect(bad.body).toContain('id="e-nl_html"');
    expect(unescape(bad.body)).toContain('onbekende variabele of helper "frist" op regel 3');
    expect(bad.body).toContain('<a href="#f-nl_html">Nederlands · HTML</a>');
    // A syntax error: the part and its line.
    const syntax = await page.post('/manage/mail-templates', { ...fields, en_text: 'Dear\n{{#if contact.firstName}}{{contact.firstName}}', action: 'save' });
    expect(syntax.statusCode).toBe(400);
    expect(syntax.body).toContain('id="e-en_text"');
    expect(syntax.body).toContain('<a href="#f-en_text">Engels · Tekst</a>');
    expect(syntax.body).toMatch(/syntaxfout op regel 2/);
    // What was typed stays, to correct.
    expect(unescape(bad.body)).toContain('{{contact.frist}}');
    expect(await app.get(DataSource).query(`SELECT 1 FROM mail_templates WHERE name = $1`, [`Ontbijt ${tag}`])).toHaveLength(0);

    const previewBad = await page.post('/manage/mail-templates', { ...fields, action: 'preview' });
    expect(previewBad.statusCode).toBe(400);
    expect(unescape(previewBad.body)).toContain('op regel 3');

    const good = { ...fields, nl_html: '<p>Beste {{contact.firstName}},</p>\n<p>Kom naar {{event.title}}</p>', en_text: 'Dear {{contact.firstName}}' };
    const preview = await page.post('/manage/mail-templates', { ...good, action: 'preview' });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('id="sample-preview"');
    expect(preview.body).toContain('Uitnodiging Ontbijtsessie Smart Industry');
    expect(preview.body).toContain('Invitation Breakfast session Smart Industry');
    expect(preview.body).toContain('sandbox srcdoc="');
    expect(preview.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(preview.headers['content-security-policy']).toContain("script-src 'self'");
    // The variables are listed beside the editor.
    expect(preview.body).toContain('<code>{{signUpUrl}}</code>');

    const saved = await page.post('/manage/mail-templates', { ...good, action: 'save' });
    expect(saved.statusCode).toBe(303);
    const edit = saved.headers.location as string;
    expect(edit).toMatch(/^\/manage\/mail-templates\/[0-9a-f-]{36}\/edit$/);
    const shown = await page.get(edit);
    expect(shown.body).toContain(`Sjabloon Ontbijt ${tag} is aangemaakt.`);
    expect((await page.get(`/manage/mail-templates?q=${tag}`)).body).toContain(`Ontbijt ${tag}`);
    const id = edit.split('/')[3];

    const copied = await page.post(`/manage/mail-templates/${id}/copy`, {});
    expect(copied.statusCode).toBe(303);
    expect((await page.get(copied.headers.location as string)).body).toContain(`Kopie Ontbijt ${tag} (kopie) is gemaakt.`);

    // In use by a mailing: the delete is refused, nicely.
    const user = await newUser(app, Role.Organiser);
    await app.get(MailingsService).create({ id: user.id, role: user.role, name: user.name, email: user.email }, { name: `Gebruikt ${tag}`, templateId: id, filters: { tags: [tag] } });
    const refused = await page.post(`/manage/mail-templates/${id}/delete`, {});
    expect(refused.statusCode).toBe(303);
    const list = await page.get(refused.headers.location as string);
    expect(list.body).toContain(`Sjabloon Ontbijt ${tag} wordt gebruikt door 1 mailing(s) en kan niet worden verwijderd.`);
    const copyId = (copied.headers.location as string).split('/')[3];
    expect((await page.post(`/manage/mail-templates/${copyId}/delete`, {})).statusCode).toBe(303);
    expect((await page.get('/manage/mail-templates')).body).toContain('is verwijderd.');
  });

  it('counts the audience (form and JSON), creates a mailing through the form, previews, sends and exports', async () => {
    const tag = `mp${randomUUID().slice(0, 8)}`;
    await audience(tag, 3, 2);
    const tpl = await template(`Tpl ${tag}`);
    const event = await newEvent(app, { title: `Ontbijt ${tag}` });
    const page = await loggedIn(Role.Organiser);
    const form = await page.get('/manage/mailings/new');
    expect(form.body).toContain(`<option value="${tpl.id}">Tpl ${tag}</option>`);
    expect(form.body).toContain(`<option value="${event.id}">Ontbijt ${tag} (`);
    expect(form.body).toContain('data-audience-count-url="/manage/mailings/audience-count"');
    expect(form.body).toContain('<script src="/assets/mailing-audience.js" defer></script>');

    const base = { name: `Uitnodiging ${tag}`, templateId: tpl.id, eventId: event.id, audienceSource: 'filters', tags: tag, municipalities: 'Roermond' };
    const counted = await page.post('/manage/mailings', { ...base, action: 'count' });
    expect(counted.statusCode).toBe(200);
    expect(counted.body).toContain('Ontvangers: 3');
    expect(counted.body).toContain('5 e-mailadressen voldoen aan de filters; 2 daarvan krijgen geen mailing:');
    expect(counted.body).toContain('<li>Geen toestemming: 2</li>');
    expect(counted.body).toContain(`anna0.${tag}@example.nl`);
    expect(counted.body).toContain(`Mailbedrijf ${tag}`);
    expect(counted.body).not.toContain(`bert0.${tag}@example.nl`);
    // Still the form, with what was chosen.
    expect(counted.body).toContain(`value="${tag}"`);
    expect(counted.body).toContain('name="municipalities" value="Roermond" checked');

    const json = await page.post('/manage/mailings/audience-count', { ...base, action: 'count' });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.json()).toMatchObject({ eligible: 3, matched: 5, excluded: { no_consent: 2, total: 2 } });
    expect(json.json().html).toContain('Ontvangers: 3');
    expect((await page.post('/manage/mailings/audience-count', { ...base }, { csrf: false })).statusCode).toBe(403);
    await page.get('/manage/mailings/new');

    // Filter problems and missing fields come back on the form.
    const wrong = await page.post('/manage/mailings', { ...base, name: '', eventId: '', registration: 'not_registered', attendanceFrom: '2026-02-01', action: 'save' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('id="e-name"');
    expect(wrong.body).toContain('id="e-registration"');
    expect(wrong.body).toContain('Kies hiervoor eerst het evenement van de mailing.');
    expect(wrong.body).toContain('id="e-attendanceMode"');
    expect(wrong.body).toContain('<a href="#f-name">Naam van de mailing</a>');

    const created = await page.post('/manage/mailings', { ...base, registration: 'not_registered', saveSegment: 'on', segmentName: `Segment ${tag}`, action: 'save' });
    expect(created.statusCode).toBe(303);
    const location = created.headers.location as string;
    expect(location).toMatch(/^\/manage\/mailings\/[0-9a-f-]{36}$/);
    const id = location.split('/')[3];
    const shown = await page.get(location);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain(`Mailing Uitnodiging ${tag} is opgeslagen, en de filters als segment Segment ${tag}.`);
    expect(shown.body).toContain('Concept');
    expect(shown.body).toContain(`Tags van de organisatie: ${tag}`);
    expect(shown.body).toContain('Nog niet aangemeld voor het evenement van de mailing');
    expect(shown.body).toContain(`Uitnodiging Ontbijt ${tag} voor Anna`);
    expect(shown.body).toContain(`Invitation Ontbijt ${tag} for Anna`);
    expect(unescape(shown.body)).toContain(`src="/manage/mailings/${id}/preview/nl?contactId=`);
    expect(shown.body).toContain('action="/manage/mailings/' + id + '/send"');
    expect(shown.body).not.toContain('/pause"');
    expect((await page.get(`/manage/segments?q=${tag}`)).body).toContain(`Segment ${tag}`);

    // The preview's HTML: alone, with a policy of its own.
    const frameUrl = unescape(/src="(\/manage\/mailings\/[^"]+\/preview\/nl[^"]*)"/.exec(unescape(shown.body))![1]);
    const frame = await page.get(frameUrl);
    expect(frame.statusCode).toBe(200);
    expect(frame.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'; sandbox");
    expect(frame.body).toContain('<p style="color:#00566f">Beste Anna');
    expect(unescape(frame.body)).toContain('?invite=');

    // Editing a draft.
    const edit = await page.get(`/manage/mailings/${id}/edit`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toContain(`value="Uitnodiging ${tag}"`);
    expect(edit.body).toContain('<option value="not_registered" selected>');
    const renamed = await page.post(`/manage/mailings/${id}`, { ...base, name: `Uitnodiging ${tag} v2`, action: 'save' });
    expect(renamed.statusCode).toBe(303);

    // Schedule in the past: refused on the page.
    await page.get(location);
    const past = await page.post(`/manage/mailings/${id}/schedule`, { scheduledAt: '2020-01-01T10:00' });
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain('id="e-scheduledAt"');
    expect(past.body).toContain('Kies een moment in de toekomst.');
    const scheduled = await page.post(`/manage/mailings/${id}/schedule`, { scheduledAt: '2099-06-01T10:00' });
    expect(scheduled.statusCode).toBe(303);
    const afterSchedule = await page.get(location);
    expect(afterSchedule.body).toContain('De mailing is ingepland.');
    expect(afterSchedule.body).toContain('value="2099-06-01T10:00"');
    const [row] = await app.get(DataSource).query(`SELECT scheduled_at FROM mailings WHERE id = $1`, [id]);
    expect(new Date(row.scheduled_at).toISOString()).toBe('2099-06-01T08:00:00.000Z');

    // Cancel needs the tick.
    const unticked = await page.post(`/manage/mailings/${id}/cancel`, {});
    expect(unticked.statusCode).toBe(303);
    expect((await page.get(location)).body).toContain('Vink aan dat u de mailing wilt annuleren.');

    // Send now, then the status route and the actions of a sending mailing.
    const sent = await page.post(`/manage/mailings/${id}/send`, {});
    expect(sent.statusCode).toBe(303);
    const status = await page.get(`/manage/mailings/${id}/status.json`);
    expect(status.json()).toMatchObject({ counts: { total: 5 } });
    expect(['sending', 'sent']).toContain(status.json().status);
    const after = await page.get(location);
    expect(after.body).toContain('<progress id="mailing-progress"');
    expect(after.body).toContain('Uitnodigen wie zich nog niet aanmeldde');
    expect(after.body).not.toContain(`/manage/mailings/${id}/edit"`);
    expect((await page.get(`/manage/mailings/${id}/edit`)).statusCode).toBe(303);

    // Exports of the list and of the recipients.
    const csv = await page.get(`/manage/mailings/export?format=csv&q=${tag}`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toBe('\uFEFFNaam,Status,Sjabloon,Evenement,Ontvangers,Verzonden,Mislukt,Gebounced,Overgeslagen,Gepland op,Verzending gestart,Verzending afgerond');
    expect(csv.body).toContain(`Uitnodiging ${tag} v2`);
    const xlsx = await page.get(`/manage/mailings/export?format=xlsx&q=${tag}`);
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const recipients = await page.get(`/manage/mailings/${id}/recipients/export?format=csv`);
    expect(recipients.headers['content-type']).toContain('text/csv');
    expect(recipients.body.split('\r\n')[0]).toBe('\uFEFFNaam,E-mailadres,Taal,Status,Reden,Pogingen,Verzonden op,Antwoord van de mailserver');
    expect(recipients.body).toContain(`bert0.${tag}@example.nl,nl,Overgeslagen,Geen toestemming,0`);
    const recipientsXlsx = await page.get(`/manage/mailings/${id}/recipients/export?format=xlsx&status=skipped`);
    expect(recipientsXlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const table = await page.get(`${location}?status=skipped`);
    expect(table.body).toContain(`bert0.${tag}@example.nl`);
    expect(table.body).not.toContain(`<small>anna0.${tag}@example.nl</small>`);

    // Once sent: a test mail to myself, then "invite those who have not registered yet" as a new draft.
    const deadline = Date.now() + 20_000;
    while ((await page.get(`/manage/mailings/${id}/status.json`)).json().status !== 'sent' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const done = await page.get(location);
    expect(done.body).toContain('100% verwerkt (5 van 5)');
    expect(done.body).not.toContain('/resend-failed"');
    const test = await page.post(`/manage/mailings/${id}/test`, {});
    expect(test.statusCode).toBe(303);
    expect((await page.get(test.headers.location as string)).body).toMatch(/De testmail gaat naar organiser-[0-9a-f]+@example\.nl\./);
    const pause = await page.post(`/manage/mailings/${id}/pause`, {});
    expect(pause.statusCode).toBe(303);
    expect((await page.get(location)).body).toContain('Dat kan niet bij een mailing met de status &quot;Verzonden&quot;.');
    const followUp = await page.post(`/manage/mailings/${id}/follow-up`, {});
    expect(followUp.statusCode).toBe(303);
    const draftUrl = followUp.headers.location as string;
    expect(draftUrl).toMatch(/^\/manage\/mailings\/[0-9a-f-]{36}$/);
    expect(draftUrl).not.toBe(location);
    const draft = await page.get(draftUrl);
    expect(draft.body).toContain(`Het nieuwe concept Uitnodiging ${tag} v2 – herinnering is aangemaakt.`);
    expect(draft.body).toContain(`Alleen wie de mailing &quot;Uitnodiging ${tag} v2&quot; ontving.`);
    expect(draft.body).toContain('Ontvangers: 3');
    const draftEdit = await page.get(`${draftUrl}/edit`);
    expect(draftEdit.body).toContain(`<input type="hidden" name="receivedMailingId" value="${id}">`);
    const removed = await page.post(`${draftUrl}/delete`, {});
    expect(removed.statusCode).toBe(303);
    expect(removed.headers.location).toBe('/manage/mailings');
    expect((await page.get(draftUrl)).statusCode).toBe(404);
  });

  it('lists template errors with part and line on the mailing page, and refuses to send such a mailing', async () => {
    const tag = `te${randomUUID().slice(0, 8)}`;
    await audience(tag, 1, 0);
    const tpl = await template(`Met evenement ${tag}`);
    const user = await newUser(app, Role.Organiser);
    // No event: the template's event variables cannot be filled in.
    const mailing = await app.get(MailingsService).create({ id: user.id, role: user.role, name: user.name, email: user.email }, { name: `Zonder evenement ${tag}`, templateId: tpl.id, filters: { tags: [tag] } });
    const page = await loggedIn(Role.Organiser);
    const shown = await page.get(`/manage/mailings/${mailing.id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('id="preview-errors"');
    expect(unescape(shown.body)).toMatch(/<li>Nederlands · Onderwerp: onbekende variabele of helper "[a-z.]+" op regel 1<\/li>/);
    expect(shown.body).not.toContain('/test"');
    const send = await page.post(`/manage/mailings/${mailing.id}/send`, {});
    expect(send.statusCode).toBe(400);
    expect(send.body).toContain('id="send-errors"');
    expect(send.body).toContain('(deze mailing heeft geen evenement)');
    expect((await app.get(MailingsService).get(mailing.id)).status).toBe('draft');
  });

  it('records an uploaded CSV of bounces, lists the invalid lines, and writes nothing for a file it cannot read', async () => {
    const tag = `bo${randomUUID().slice(0, 8)}`;
    const { people } = await audience(tag, 2, 0);
    const page = await loggedIn(Role.Organiser);
    await page.get('/manage/mailings/bounces');
    const csv = [
      'email;kind;reason',
      `${people[0].email};hard;550 5.1.1 user unknown`,
      `ghost.${tag}@example.nl;;550 no such user`,
      `not-an-email;hard;x`,
      `${people[1].email};sometimes;x`,
      `soft.${tag}@example.nl;soft;452 mailbox full`,
    ].join('\n');
    const res = await page.upload('/manage/mailings/bounces', { name: 'bounces.csv', content: csv });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<dd data-result="recorded">3</dd>');
    expect(res.body).toContain('<dd data-result="excluded">2</dd>');
    expect(res.body).toContain('<dd data-result="unknown">2</dd>');
    expect(res.body).toContain('<dd data-result="invalid">2</dd>');
    expect(res.body).toContain('<th scope="row">4</th><td>not-an-email</td><td>E-mailadres: Vul een geldig e-mailadres in.</td>');
    expect(res.body).toContain(`<th scope="row">5</th><td>${people[1].email}</td><td>Soort: Kies hard, soft of complaint.</td>`);
    const db = app.get(DataSource);
    const [contact] = await db.query(`SELECT bounced_at FROM contacts WHERE id = $1`, [people[0].id]);
    expect(contact.bounced_at).not.toBeNull();

    // The audience now leaves the bounced address out.
    await page.get('/manage/mailings/new');
    const json = await page.post('/manage/mailings/audience-count', { audienceSource: 'filters', tags: tag });
    expect(json.json()).toMatchObject({ eligible: 1, excluded: { bounced: 1 } });

    await page.get('/manage/mailings/bounces');
    const broken = await page.upload('/manage/mailings/bounces', { name: 'broken.csv', content: `email,kind\n"late.${tag}@example.nl,hard\nnext.${tag}@example.nl,hard\n` });
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toContain('id="e-file"');
    expect(broken.body).toContain('Dit is geen geldige CSV');
    const noEmail = await page.upload('/manage/mailings/bounces', { name: 'x.csv', content: `address,kind\nlate.${tag}@example.nl,hard\n` });
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.body).toContain('met in elk geval de kolom email');
    const missing = await page.upload('/manage/mailings/bounces');
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Kies een CSV-bestand.');
    expect(await db.query(`SELECT 1 FROM mail_bounces WHERE email_key LIKE $1`, [`%${tag}%`])).toHaveLength(3);
  });

  it('fills the public sign-up form in from the personal invitation link, and ignores a tampered one', async () => {
    const tag = randomUUID().slice(0, 8);
    const org = await newOrganisation(app, { name: `Uitgenodigd BV ${tag}`, municipality: 'Weert' });
    const contact = await newContact(app, { firstName: 'Ilse', lastName: `Uitgenodigd ${tag}`, email: `ilse.${tag}@example.nl`, organisations: [{ organisationId: org.id }] });
    const event = await newEvent(app, { title: `Masterclass ${tag}` });
    const url = new URL(app.get(SubscriptionsService).inviteUrl(event.slug, contact.id, randomUUID()));
    const visitor = new PageClient(app);
    const res = await visitor.get(`${url.pathname}${url.search}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('name="firstName" type="text" value="Ilse"');
    expect(res.body).toMatch(new RegExp(`name="lastName"[^>]*value="Uitgenodigd ${tag}"|value="Uitgenodigd ${tag}"`));
    expect(res.body).toContain(`value="ilse.${tag}@example.nl"`);
    expect(res.body).toContain(`value="Uitgenodigd BV ${tag}"`);
    expect(res.body).toContain('id="f-municipality" name="municipality" list="municipality-list" value="Weert"');

    const token = url.searchParams.get('invite')!;
    const tampered = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const bad = await visitor.get(`/events/${event.slug}?invite=${encodeURIComponent(tampered)}`);
    expect(bad.statusCode).toBe(200);
    expect(bad.body).not.toContain('Ilse');
    expect(bad.body).not.toContain(`ilse.${tag}@example.nl`);
    expect(bad.body).toContain('id="f-municipality" name="municipality" list="municipality-list" value=""');
    expect((await visitor.get(`/events/${event.slug}?invite=nonsense`)).statusCode).toBe(200);
  });
});
