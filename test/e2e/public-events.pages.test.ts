import { EventsService, EventView, RegistrationsService } from '@keyport/events';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { newUser } from '../utils/factories';
import { PageClient } from '../utils/page-client';

const HOUR = 3600_000;

describe('public event pages (no login)', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let stamp = 0;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    stamp++;
  });

  /** An event soon (so it is on the first page of the list), published unless told otherwise. */
  const soonEvent = (overrides: Parameters<typeof newEvent>[1] = {}, inHours = 30) =>
    newEvent(app, {
      startsAt: new Date(Date.now() + inHours * HOUR).toISOString(),
      endsAt: new Date(Date.now() + (inHours + 2) * HOUR).toISOString(),
      ...overrides,
    });
  const registrationsOf = (event: EventView): Promise<{ email: string; status: string; first_name: string; answers: Record<string, unknown>; session_id: string | null; mailing_consent: boolean }[]> =>
    db.query(
      `SELECT r.email, r.status, c.first_name, r.answers, r.session_id, c.mailing_consent FROM registrations r JOIN contacts c ON c.id = r.contact_id WHERE r.event_id = $1`,
      [event.id],
    );
  const email = (name: string) => `${name}.${Date.now()}.${stamp}@example.nl`;
  const person = (overrides: Record<string, string> = {}) => ({
    firstName: 'Anouk',
    lastName: 'Janssen',
    email: email('anouk'),
    organisationName: 'Janssen Techniek B.V.',
    kvkNumber: '',
    municipality: 'Weert',
    participantType: 'entrepreneur',
    ...overrides,
  });
  /** The article of one event in the list. */
  const cardOf = (html: string, title: string) => html.split('<article').find((part) => part.includes(title)) ?? '';

  /** Posts a form with repeated fields (several checked boxes), which PageClient's record cannot express. */
  async function postPairs(formUrl: string, action: string, pairs: [string, string][]) {
    const page = await app.inject({ method: 'GET', url: formUrl, headers: { accept: 'text/html' } });
    const cookie = page.cookies.map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ');
    const csrf = page.body.match(/name="_csrf" value="([^"]+)"/)![1];
    const payload = new URLSearchParams([...pairs, ['_csrf', csrf]]).toString();
    const res = await app.inject({ method: 'POST', url: action, payload, headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie } });
    return { res, cookie };
  }

  it('lists upcoming published events (not drafts), with time, place and format, marks the full ones, filters and pages', async () => {
    const breakfast = await soonEvent({ title: `Ontbijtsessie Sensoring ${stamp}`, venue: 'Gilde Opleidingen', municipality: 'Roermond', format: 'breakfast_session', programmeLines: ['innovation'] }, 20);
    const masterclass = await soonEvent({ title: `Masterclass Financiering ${stamp}`, format: 'masterclass', programmeLines: ['entrepreneurship'], capacity: 1 }, 21);
    const draft = await soonEvent({ title: `Concept ${stamp}`, publish: false }, 22);
    await app.get(RegistrationsService).register({ id: masterclass.id }, { firstName: 'Vol', lastName: 'Zaal', email: email('vol') }, { source: 'public' });

    const page = new PageClient(app);
    const list = await page.get('/events');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('<html lang="nl">');
    expect(list.body).toContain(`href="/events/${breakfast.slug}"`);
    expect(list.body).not.toContain(draft.title);
    const card = cardOf(list.body, breakfast.title);
    expect(card).toContain('Gilde Opleidingen, Roermond');
    expect(card).toContain('Ontbijtsessie');
    expect(card).toContain('Innovatie');
    // Europe/Amsterdam, whatever the server's zone.
    const local = new Intl.DateTimeFormat('nl-NL', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(breakfast.startsAt);
    expect(card).toContain(local);
    expect(card).toContain(`datetime="${breakfast.startsAt.toISOString()}"`);
    expect(card).not.toContain('Vol — wachtlijst');
    expect(cardOf(list.body, masterclass.title)).toContain('Vol — wachtlijst');
    // The public header leads to the events and to the staff login.
    expect(list.body).toContain('href="/events" aria-current="page"');
    expect(list.body).toContain('Inloggen (medewerkers)');

    const byLine = await page.get('/events?programmeLine=entrepreneurship');
    expect(byLine.body).toContain(masterclass.title);
    expect(byLine.body).not.toContain(breakfast.title);
    expect(byLine.body).toContain('<option value="entrepreneurship" selected>');
    const byFormat = await page.get('/events?format=breakfast_session');
    expect(byFormat.body).toContain(breakfast.title);
    expect(byFormat.body).not.toContain(masterclass.title);
    // Nonsense in a filter is ignored, not an error.
    expect((await page.get('/events?format=%3Cscript%3E&page=abc')).statusCode).toBe(200);

    // 21 round tables: 20 on the first page, the rest on the next, with links both ways.
    for (let i = 0; i < 21; i++) await soonEvent({ title: `Rondetafel ${stamp}-${i}`, format: 'round_table', programmeLines: ['communication'] }, 40 + i);
    const first = await page.get('/events?format=round_table');
    expect(first.body.match(/<article/g)).toHaveLength(20);
    expect(first.body).toContain('rel="next"');
    const next = first.body.match(/href="([^"]+)" rel="next"/)![1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(next).toBe('/events?format=round_table&page=2');
    const second = await page.get(next);
    expect(second.body).toContain('<option value="round_table" selected>');
    expect(second.body).toContain('rel="prev"');
    expect(second.body).toContain(`Rondetafel ${stamp}-20`);
  });

  it('shows the event with its sign-up form; a draft is not found; a cancelled event says so instead of the form', async () => {
    const event = await soonEvent({
      title: `Themabijeenkomst IoT ${stamp}`,
      description: 'Eerste alinea\nmet een tweede regel.\n\nTweede alinea <b>vet</b>?',
      venue: 'Keyport-huis',
      address: 'Kloosterkensweg 10, Roermond',
      capacity: 10,
      programmeLines: ['innovation', 'entrepreneurship'],
      questions: [
        { label: 'Dieetwensen', kind: 'text' },
        { label: 'Neemt u een collega mee?', kind: 'yes_no', required: true },
        { label: 'Welk onderwerp?', kind: 'single', options: ['Robotica', 'Sensoren'] },
        { label: 'Welke dagdelen?', kind: 'multiple', options: ['Ochtend', 'Middag'] },
      ],
    });
    const page = new PageClient(app);
    const res = await page.get(`/events/${event.slug}`);
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(html).toContain(`<title>${event.title} · Keyport Platform</title>`);
    expect(html).toContain('<p>Eerste alinea\nmet een tweede regel.</p>');
    expect(html).toContain('<p>Tweede alinea &lt;b&gt;vet&lt;/b&gt;?</p>');
    expect(html).toContain('Nog 10 plaatsen vrij');
    expect(html).toContain('Innovatie');
    expect(html).toContain('Ondernemerschap');
    expect(html).toContain(`action="/events/${event.slug}/register"`);
    expect(html).toContain('name="_csrf"');
    for (const field of ['firstName', 'lastName', 'email', 'organisationName', 'kvkNumber', 'municipality', 'participantType']) {
      expect(html).toContain(`<label for="f-${field}">`);
    }
    expect(html).toContain('<datalist id="municipality-list">');
    expect(html).toContain('<option value="Cranendonck">');
    expect(html).toContain('<option value="government">Overheid</option>');
    const [q1, q2, q3, q4] = event.questions;
    expect(html).toContain(`<textarea id="q-${q1.id}" name="answers[${q1.id}]"`);
    expect(html).toMatch(new RegExp(`<legend><span>Neemt u een collega mee\\?</span> \\*</legend>`));
    expect(html).toContain(`<input type="radio" id="q-${q2.id}-0" name="answers[${q2.id}]" value="yes"`);
    expect(html).toContain(`<input type="radio" id="q-${q3.id}-1" name="answers[${q3.id}]" value="Sensoren"`);
    expect(html).toContain(`<input type="checkbox" id="q-${q4.id}-0" name="answers[${q4.id}]" value="Ochtend"`);
    // Mailing consent is unticked; the privacy statement is linked; the trap field is hidden from people.
    expect(html).toContain('<input type="checkbox" id="f-mailingConsent" name="mailingConsent">');
    expect(html).toContain('href="/privacy"');
    expect(html).toMatch(/<div class="hp-field" aria-hidden="true">[\s\S]*name="website" value="" tabindex="-1" autocomplete="off"/);

    const privacy = await page.get('/privacy');
    expect(privacy.statusCode).toBe(200);
    expect(privacy.body).toContain('Privacyverklaring');
    expect(privacy.body).toContain('Hoe lang');

    const draft = await soonEvent({ title: `Geheim ${stamp}`, publish: false });
    await page.get(`/events/${event.slug}`);
    expect((await page.post(`/events/${draft.slug}/register`, person())).statusCode).toBe(404);
    expect((await page.get(`/events/${draft.slug}`)).statusCode).toBe(404);
    expect((await page.get('/events/bestaat-niet')).statusCode).toBe(404);

    const organiser = await newUser(app, Role.Organiser);
    await app.get(EventsService).cancel({ id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email }, event.id);
    const cancelled = await page.get(`/events/${event.slug}`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.body).toContain('Dit evenement gaat niet door.');
    expect(cancelled.body).not.toContain('<form method="post"');
  });

  it('shows each error next to its field and in a summary, keeps what was typed, and stores nothing', async () => {
    const event = await soonEvent({
      title: `Masterclass Strategie ${stamp}`,
      questions: [{ label: 'Neemt u een collega mee?', kind: 'yes_no', required: true }],
      sessions: [{ title: 'Track A', capacity: 5 }, { title: 'Track B', capacity: 5 }],
    });
    const page = new PageClient(app);
    await page.get(`/events/${event.slug}`);
    const res = await page.post(`/events/${event.slug}/register`, person({ firstName: '', email: 'geen-adres', kvkNumber: '1234', lastName: 'Janssen & Zn', participantType: '' }));
    expect(res.statusCode).toBe(400);
    const html = res.body;
    expect(html).toContain('role="alert"');
    expect(html).toContain('6 velden zijn nog niet goed ingevuld');
    expect(html).toContain('<a href="#f-firstName">Voornaam: Vul uw voornaam in.</a>');
    expect(html).toContain('id="e-firstName" class="field-error">Vul uw voornaam in.');
    expect(html).toMatch(/id="f-firstName"[^>]*aria-invalid="true" aria-describedby="e-firstName"/);
    expect(html).toContain('id="e-email" class="field-error">Vul een geldig e-mailadres in');
    expect(html).toMatch(/id="f-email"[^>]*aria-describedby="h-email e-email" aria-invalid="true"/);
    expect(html).toContain('id="e-kvkNumber" class="field-error">Een KvK-nummer heeft 8 cijfers.');
    expect(html).toContain('id="e-participantType" class="field-error">Kies hoe u deelneemt.');
    const question = event.questions[0];
    expect(html).toContain(`<a href="#q-${question.id}-0">Neemt u een collega mee?: Beantwoord deze vraag.</a>`);
    expect(html).toContain(`aria-describedby="e-q-${question.id}"`);
    expect(html).toContain('<a href="#f-sessionId-0">Kies een sessie: Kies een sessie.</a>');
    // What was typed is still there (escaped).
    expect(html).toContain('value="geen-adres"');
    expect(html).toContain('value="Janssen &amp; Zn"');
    expect(html).toContain('value="Janssen Techniek B.V."');
    expect(await registrationsOf(event)).toHaveLength(0);

    // A choice that is not an option is refused too; the chosen session stays chosen.
    const again = await page.post(`/events/${event.slug}/register`, { ...person(), [`answers[${question.id}]`]: 'misschien', sessionId: event.sessions[1].id });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('Kies uit de mogelijkheden.');
    expect(again.body).toMatch(new RegExp(`value="${event.sessions[1].id}" checked`));
    expect(await registrationsOf(event)).toHaveLength(0);
  });

  it('answers a robot that fills in the hidden field as if all went well, and stores nothing', async () => {
    const event = await soonEvent({ title: `Kennissessie ${stamp}` });
    const page = new PageClient(app);
    await page.get(`/events/${event.slug}`);
    const res = await page.post(`/events/${event.slug}/register`, { ...person(), website: 'https://spam.example' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/events/${event.slug}/registered`);
    const thanks = await page.get(res.headers.location as string);
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain('Bedankt voor uw aanmelding');
    expect(await registrationsOf(event)).toHaveLength(0);
  });

  it('signs a person up (POST/redirect/GET) with answers and a session; the same email again makes no second registration', async () => {
    const event = await soonEvent({
      title: `Symposium ${stamp}`,
      format: 'symposium',
      questions: [
        { label: 'Dieetwensen', kind: 'text' },
        { label: 'Welke dagdelen?', kind: 'multiple', options: ['Ochtend', 'Middag', 'Avond'], required: true },
      ],
      sessions: [{ title: 'Track A: Smart Industry', capacity: 1 }, { title: 'Track B: Biobased', capacity: 10 }],
    });
    const [diet, parts] = event.questions;
    const who = person({ email: email('Symposium.Gast').toUpperCase(), municipality: 'roermond' });
    const pairs: [string, string][] = [
      ...Object.entries(who),
      [`answers[${diet.id}]`, 'Vegetarisch'],
      [`answers[${parts.id}]`, 'Ochtend'],
      [`answers[${parts.id}]`, 'Avond'],
      ['sessionId', event.sessions[0].id],
      ['mailingConsent', 'on'],
    ];
    const { res, cookie } = await postPairs(`/events/${event.slug}`, `/events/${event.slug}/register`, pairs);
    expect(res.statusCode).toBe(303);
    const location = res.headers.location as string;
    expect(location).toMatch(new RegExp(`^/events/${event.slug}/registered\\?r=`));
    const done = await app.inject({ method: 'GET', url: location, headers: { accept: 'text/html', cookie } });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('<h1>Aangemeld</h1>');
    expect(done.body).toContain('Er is een e-mail naar u onderweg');
    const manage = done.body.match(/href="(\/registrations\/[^"]+)"/)![1];

    const [stored] = await registrationsOf(event);
    expect(stored).toMatchObject({ email: who.email.toLowerCase(), status: 'confirmed', session_id: event.sessions[0].id, mailing_consent: true });
    expect(stored.answers).toEqual({ [diet.id]: 'Vegetarisch', [parts.id]: ['Ochtend', 'Avond'] });

    const own = await app.inject({ method: 'GET', url: manage, headers: { accept: 'text/html' } });
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain('Hallo Anouk,');
    expect(own.body).toContain('Bevestigd');
    expect(own.body).toContain('Track A: Smart Industry');
    expect(own.body).not.toContain('Janssen');
    expect(own.body).not.toContain(who.email.toLowerCase());

    // The same address again (other case): no second registration, and its link is not handed out.
    const second = await postPairs(`/events/${event.slug}`, `/events/${event.slug}/register`, [
      ...Object.entries(person({ email: who.email.toLowerCase(), firstName: 'Indringer' })),
      [`answers[${parts.id}]`, 'Middag'],
      ['sessionId', event.sessions[1].id],
    ]);
    expect(second.res.statusCode).toBe(303);
    expect(second.res.headers.location).toBe(`/events/${event.slug}/registered?already=1`);
    const already = await app.inject({ method: 'GET', url: second.res.headers.location as string, headers: { accept: 'text/html' } });
    expect(already.body).toContain('U was al aangemeld');
    expect(already.body).not.toContain('/registrations/');
    expect(await registrationsOf(event)).toHaveLength(1);

    // A token of another event's registration does not show on this event's page.
    const other = await soonEvent({ title: `Ander ${stamp}` });
    expect((await app.inject({ method: 'GET', url: location.replace(event.slug, other.slug), headers: { accept: 'text/html' } })).statusCode).toBe(404);
  });

  it('puts a person on the waiting list when the event (or the chosen session) is full, and says so', async () => {
    const event = await soonEvent({ title: `Workshop Marketing ${stamp}`, format: 'workshop', capacity: 1 });
    await app.get(RegistrationsService).register({ id: event.id }, { firstName: 'Eerste', lastName: 'Plaats', email: email('eerste') }, { source: 'public' });
    const page = new PageClient(app);
    const form = await page.get(`/events/${event.slug}`);
    expect(form.body).toContain('Vol — wachtlijst');
    expect(form.body).toContain('Dit evenement is vol.');
    expect(form.body).toContain('Aanmelden voor de wachtlijst');
    const res = await page.post(`/events/${event.slug}/register`, person());
    expect(res.statusCode).toBe(303);
    const done = await page.get(res.headers.location as string);
    expect(done.body).toContain('<h1>Op de wachtlijst</h1>');
    expect((await registrationsOf(event)).map((r) => r.status).sort()).toEqual(['confirmed', 'waitlisted']);

    // A full session is marked, still choosable, and means the waiting list.
    const tracks = await soonEvent({ title: `Tracks ${stamp}`, sessions: [{ title: 'Vol spoor', capacity: 0 }, { title: 'Leeg spoor', capacity: 5 }] });
    const tracksForm = await page.get(`/events/${tracks.slug}`);
    expect(tracksForm.body).toMatch(/value="[^"]+"> Vol spoor · <strong>vol — wachtlijst<\/strong>/);
    const viaSession = await page.post(`/events/${tracks.slug}/register`, { ...person(), sessionId: tracks.sessions[0].id });
    expect((await page.get(viaSession.headers.location as string)).body).toContain('<h1>Op de wachtlijst</h1>');
  });

  it('shows HTML typed in a name as text, never as markup', async () => {
    const event = await soonEvent({ title: `Veilig ${stamp}` });
    const page = new PageClient(app);
    await page.get(`/events/${event.slug}`);
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const invalid = await page.post(`/events/${event.slug}/register`, person({ firstName: evil, email: '' }));
    expect(invalid.body).not.toContain(evil);
    expect(invalid.body).toContain('value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"');
    const res = await page.post(`/events/${event.slug}/register`, person({ firstName: evil }));
    expect(res.statusCode).toBe(303);
    const done = await page.get(res.headers.location as string);
    const manage = done.body.match(/href="(\/registrations\/[^"]+)"/)![1];
    const own = await page.get(manage);
    expect(own.body).not.toContain('<script>alert');
    expect(own.body).toContain('Hallo &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;,');
  });

  it('cancels through the link in the mail, after a confirmation tick; twice is harmless; a tampered link is not found', async () => {
    const event = await soonEvent({ title: `Afmelden ${stamp}`, capacity: 1 });
    const registrations = app.get(RegistrationsService);
    const a = await registrations.register({ id: event.id }, { firstName: 'Sanne', lastName: 'Smeets', email: email('sanne') }, { source: 'public' });
    const b = await registrations.register({ id: event.id }, { firstName: 'Wacht', lastName: 'Ende', email: email('wacht') }, { source: 'public' });
    const url = `/registrations/${registrations.manageToken(a.id)}`;

    const page = new PageClient(app);
    const own = await page.get(url);
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain('Hallo Sanne,');
    expect(own.body).toContain('Bevestigd');
    expect(own.body).toContain('Ja, ik meld me af');
    expect(own.body).toContain('<meta name="viewport"');
    const formToken = page.csrf();

    // Without the form token: refused. Without the tick: asked again, nothing changes.
    expect((await page.post(`${url}/cancel`, { confirm: 'yes' }, { csrf: false })).statusCode).toBe(403);
    const unticked = await page.post(`${url}/cancel`, { _csrf: formToken }, { csrf: false });
    expect(unticked.statusCode).toBe(400);
    expect(unticked.body).toContain('id="e-confirm" class="field-error">Vink aan dat u zich wilt afmelden.');
    expect((await registrations.get(a.id)).status).toBe('confirmed');

    const cancel = await page.post(`${url}/cancel`, { confirm: 'yes' });
    expect(cancel.statusCode).toBe(303);
    expect(cancel.headers.location).toBe(url);
    const after = await page.get(url);
    expect(after.body).toContain('U bent afgemeld.');
    expect(after.body).toContain('Afgemeld');
    expect(after.body).not.toContain('Ja, ik meld me af');
    expect((await registrations.get(a.id)).status).toBe('cancelled');
    expect((await registrations.get(b.id)).status).toBe('confirmed');

    // Twice (a second tab, a double click): harmless.
    const twice = await page.post(`${url}/cancel`, { confirm: 'yes', _csrf: formToken }, { csrf: false });
    expect(twice.statusCode).toBe(303);
    expect((await page.get(url)).body).toContain('U was al afgemeld.');
    expect((await registrations.get(b.id)).status).toBe('confirmed');

    const tampered = await page.get(`${url.slice(0, -2)}xx`);
    expect(tampered.statusCode).toBe(404);
    expect(tampered.body).toContain('Niet gevonden');
    expect((await page.get(`/registrations/${registrations.checkInToken(b.id)}`)).statusCode).toBe(404);
    expect((await page.post(`/registrations/nonsense/cancel`, { confirm: 'yes', _csrf: formToken }, { csrf: false })).statusCode).toBe(404);
  });

  it('refuses a sign-up once registration closed, with the message on the event page', async () => {
    const event = await soonEvent({ title: `Sluiting ${stamp}` });
    const page = new PageClient(app);
    await page.get(`/events/${event.slug}`);
    const organiser = await newUser(app, Role.Organiser);
    await app.get(EventsService).closeRegistration({ id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email }, event.id);
    const res = await page.post(`/events/${event.slug}/register`, person());
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('De aanmelding voor dit evenement is gesloten.');
    expect(await registrationsOf(event)).toHaveLength(0);
  });

  it('speaks English on ?lang=en, and remembers it', async () => {
    const event = await soonEvent({ title: `Breakfast ${stamp}`, capacity: 1, questions: [{ label: 'Bring a colleague?', kind: 'yes_no', required: true }] });
    const page = new PageClient(app);
    const list = await page.get('/events?lang=en');
    expect(list.body).toContain('<html lang="en">');
    expect(list.body).toContain('Programme line');
    expect(list.body).toContain('Log in (staff)');
    const form = await page.get(`/events/${event.slug}`);
    expect(form.body).toContain('<html lang="en">');
    expect(form.body).toContain('First name');
    expect(form.body).toContain('1 place left');
    expect(form.body).toContain('Breakfast session');
    const invalid = await page.post(`/events/${event.slug}/register`, person({ lastName: '' }));
    expect(invalid.body).toContain('Enter your last name.');
    expect(invalid.body).toContain('Please answer this question.');
    expect(invalid.body).toContain(`href="/events/${event.slug}?lang&#x3D;nl"`);
    const res = await page.post(`/events/${event.slug}/register`, { ...person(), [`answers[${event.questions[0].id}]`]: 'yes' });
    const done = await page.get(res.headers.location as string);
    expect(done.body).toContain('<h1>Signed up</h1>');
    const own = await page.get(done.body.match(/href="(\/registrations\/[^"]+)"/)![1]);
    expect(own.body).toContain('Hello Anouk,');
    expect(own.body).toContain('Yes, I cancel my registration');
    // The registrant's mails follow the language of the page they signed up on.
    const [row] = await db.query(`SELECT c.language FROM registrations r JOIN contacts c ON c.id = r.contact_id WHERE r.event_id = $1`, [event.id]);
    expect(row.language).toBe('en');
    expect((await page.get('/privacy')).body).toContain('Privacy statement');
  });
});
