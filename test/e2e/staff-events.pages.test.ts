import { amsterdamToUtc, utcToAmsterdam } from '@keyport/common';
import { EventsService, GroupAttendanceService, RegistrationsService } from '@keyport/events';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';

/** A calendar day `days` from now, as a date input holds it. */
function inDays(days: number): string {
  return utcToAmsterdam(new Date(Date.now() + days * 864e5)).date;
}

/** The number shown for one count on the event page. */
function shownCount(html: string, name: string): number {
  const m = new RegExp(`data-count="${name}">(\\d+)<`).exec(html);
  if (!m) throw new Error(`no count ${name} on the page`);
  return Number(m[1]);
}

describe('staff event pages', () => {
  let app: NestFastifyApplication;
  let events: EventsService;
  let registrations: RegistrationsService;

  beforeAll(async () => {
    app = await createTestApp();
    events = app.get(EventsService);
    registrations = app.get(RegistrationsService);
  });
  afterAll(() => app.close());

  async function loggedIn(role: Role): Promise<PageClient> {
    const user = await newUser(app, role);
    const page = new PageClient(app);
    await page.login(user.email, TEST_PASSWORD);
    return page;
  }

  async function follow(page: PageClient, res: { statusCode: number; headers: Record<string, unknown> }) {
    expect(res.statusCode).toBe(303);
    return page.get(String(res.headers.location).split('#')[0]);
  }

  it('runs an event from the form to the door: create, publish, register, move, check in, walk-in, groups, export, counts', async () => {
    const stamp = Date.now().toString(36);
    const page = await loggedIn(Role.Organiser);
    expect((await page.get('/manage/events/new')).statusCode).toBe(200);
    const day = inDays(14);

    // Errors first: inline, next to each field, with what was typed kept.
    const bad = await page.post('/manage/events', {
      title: '', format: 'theme_meeting', startsDate: day, startsTime: '10:00', endsDate: day, endsTime: '09:00', capacity: 'veel',
      question0Label: 'Lunch?', question0Kind: 'single', question0Options: 'Ja', question2Label: '', question2Options: 'Ochtend; Middag',
    });
    expect(bad.statusCode).toBe(400);
    for (const id of ['e-title', 'e-programmeLines', 'e-endsAt', 'e-capacity', 'e-question0Options', 'e-question2Label']) expect(bad.body).toContain(`id="${id}"`);
    expect(bad.body).toContain('Het einde moet na het begin liggen.');
    expect(bad.body).toContain('Een keuzevraag heeft minstens twee keuzes nodig.');
    expect(bad.body).toContain('aria-describedby="e-title"');
    expect(bad.body).toContain('value="Lunch?"');
    expect(await events.list({ q: `Sensoring ${stamp}` })).toMatchObject({ total: 0 });

    const title = `Themabijeenkomst Sensoring ${stamp}`;
    const created = await page.post('/manage/events', {
      title, description: 'Over <sensoren> in de maakindustrie.', format: 'theme_meeting', programmeLines: 'innovation', tags: 'IoT, sensoring',
      startsDate: day, startsTime: '09:30', endsDate: day, endsTime: '12:00', venue: 'Gilde Opleidingen', address: 'Bredeweg 235', municipality: 'roermond',
      capacity: '1', reminderHours: '', opensDate: '', opensTime: '', closesDate: '', closesTime: '', language: 'nl',
      question0Label: 'Dieetwensen?', question0Kind: 'single', question0Options: 'Vegetarisch; Geen', question0Required: 'on',
      question1Label: '', question1Options: '',
      session0Title: 'Track A: Smart Industry', session0Capacity: '', session1Title: 'Track B: IoT', session1Capacity: '10',
    });
    const shown = await follow(page, created);
    expect(shown.body).toContain(`Evenement ${title} is aangemaakt als concept.`);
    const id = String(created.headers.location).split('/').pop() as string;
    const event = await events.get(id);
    expect(event).toMatchObject({ title, status: 'draft', capacity: 1, municipality: 'Roermond', reminderHours: 48, tags: ['iot', 'sensoring'], programmeLines: ['innovation'] });
    expect(event.startsAt.toISOString()).toBe(amsterdamToUtc(day, '09:30'));
    expect(event.questions).toEqual([expect.objectContaining({ label: 'Dieetwensen?', kind: 'single', options: ['Vegetarisch', 'Geen'], required: true })]);
    expect(event.sessions.map((s) => [s.title, s.capacity])).toEqual([['Track A: Smart Industry', null], ['Track B: IoT', 10]]);
    expect(shown.body).toContain('Over &lt;sensoren&gt; in de maakindustrie.');
    const question = event.questions[0].id;
    const [trackA, trackB] = event.sessions.map((s) => s.id);

    // The edit form shows the stored times in Amsterdam time again.
    const edit = await page.get(`/manage/events/${id}/edit`);
    expect(edit.body).toContain(`name="startsDate" type="date" value="${day}"`);
    expect(edit.body).toContain('name="startsTime" type="time" value="09:30"');

    await follow(page, await page.post(`/manage/events/${id}/publish`, {}));
    expect(page.lastHtml).toContain(`${title} is gepubliceerd.`);
    expect(page.lastHtml).toContain(`href="/events/${event.slug}"`);

    // Register someone by hand: errors inline first (session and required answer), then saved.
    const person = { firstName: 'Anouk', lastName: `Jansen ${stamp}`, email: `anouk.${stamp}@example.nl`, organisationName: 'Jansen Techniek', participantType: 'entrepreneur' };
    const missing = await page.post(`/manage/events/${id}/registrations`, { ...person, email: 'geen-mail' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('id="e-email"');
    expect(missing.body).toContain('Vul een geldig e-mailadres in.');
    const noAnswer = await page.post(`/manage/events/${id}/registrations`, person);
    expect(noAnswer.statusCode).toBe(400);
    expect(noAnswer.body).toContain('id="e-sessionId"');
    expect(noAnswer.body).toContain(`id="e-answer_${question}"`);
    await follow(page, await page.post(`/manage/events/${id}/registrations`, { ...person, sessionId: trackA, [`answer_${question}`]: 'Vegetarisch' }));
    expect(page.lastHtml).toContain(`Anouk Jansen ${stamp} is aangemeld (Bevestigd).`);
    const second = { firstName: 'Bram', lastName: `Peters ${stamp}`, email: `bram.${stamp}@example.nl`, organisationName: 'Peters Metaal' };
    await follow(page, await page.post(`/manage/events/${id}/registrations`, { ...second, sessionId: trackB, [`answer_${question}`]: 'Geen' }));
    expect(page.lastHtml).toContain(`Bram Peters ${stamp} is aangemeld (Wachtlijst).`);
    const list = await registrations.list(id, {});
    const anouk = list.items.find((r) => r.firstName === 'Anouk')!;
    const bram = list.items.find((r) => r.firstName === 'Bram')!;
    expect([anouk.status, bram.status]).toEqual(['confirmed', 'waitlisted']);
    expect(anouk.source).toBe('staff');

    // Answers are on the event page; the move forms swap the waiting list and confirmed.
    const shownPage = await page.get(`/manage/events/${id}`);
    expect(shownPage.body).toContain('<dt>Dieetwensen?</dt><dd>Vegetarisch</dd>');
    await follow(page, await page.post(`/manage/events/${id}/registrations/${anouk.id}/move`, { to: 'waitlisted', back: `/manage/events/${id}?status=confirmed` }));
    expect(page.lastHtml).toContain(`Anouk Jansen ${stamp} staat nu op Wachtlijst.`);
    const moved = await page.post(`/manage/events/${id}/registrations/${bram.id}/move`, { to: 'confirmed', back: 'https://evil.example/' });
    expect(moved.headers.location).toBe(`/manage/events/${id}#registrations`);
    await follow(page, moved);
    expect((await registrations.get(bram.id)).status).toBe('confirmed');
    await follow(page, await page.post(`/manage/events/${id}/registrations/${anouk.id}/move`, { to: 'confirmed' }));
    expect((await registrations.get(anouk.id)).status).toBe('confirmed');
    // Moving a confirmed person to confirmed again changes nothing; a made-up target is refused.
    expect((await page.post(`/manage/events/${id}/registrations/${anouk.id}/move`, { to: 'attended' })).statusCode).toBe(400);

    // At the door: search, tap, and the same search comes back with a message.
    const door = await page.get(`/manage/events/${id}/check-in?q=${encodeURIComponent(`Jansen ${stamp}`)}`);
    expect(door.statusCode).toBe(200);
    expect(door.body).toContain(`action="/manage/events/${id}/check-in/registrations/${anouk.id}"`);
    expect(door.body).not.toContain(`check-in/registrations/${bram.id}"`);
    const tapped = await page.post(`/manage/events/${id}/check-in/registrations/${anouk.id}`, { q: `Jansen ${stamp}` });
    expect(tapped.headers.location).toBe(`/manage/events/${id}/check-in?q=${encodeURIComponent(`Jansen ${stamp}`)}`);
    await follow(page, tapped);
    expect(page.lastHtml).toContain(`Anouk Jansen ${stamp} is ingecheckt.`);
    expect(page.lastHtml).toContain(`value="Jansen ${stamp}"`);
    expect((await registrations.get(anouk.id)).status).toBe('attended');

    // By the code in the QR: a wrong one is an inline error, the right one checks in.
    const wrong = await page.post(`/manage/events/${id}/check-in/code`, { code: 'niet-een-code' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('id="e-code"');
    expect(wrong.body).toContain('Deze code is niet geldig.');
    const other = await newEvent(app);
    const foreign = await registrations.register({ id: other.id }, { firstName: 'Elders', lastName: 'Iemand', email: `elders.${stamp}@example.nl` }, { source: 'staff' });
    const elsewhere = await page.post(`/manage/events/${id}/check-in/code`, { code: registrations.checkInToken(foreign.id) });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.body).toContain('Deze code hoort bij een ander evenement.');
    await follow(page, await page.post(`/manage/events/${id}/check-in/code`, { code: registrations.checkInToken(bram.id) }));
    expect(page.lastHtml).toContain(`Bram Peters ${stamp} is ingecheckt.`);
    expect((await registrations.get(bram.id)).status).toBe('attended');

    // A walk-in: registered and checked in at once (the event is full: that does not matter at the door).
    const walkInBad = await page.post(`/manage/events/${id}/check-in/walk-in`, { firstName: 'Carla', lastName: '', email: `carla.${stamp}@example.nl` });
    expect(walkInBad.statusCode).toBe(400);
    expect(walkInBad.body).toContain('id="e-lastName"');
    await follow(page, await page.post(`/manage/events/${id}/check-in/walk-in`, {
      firstName: 'Carla', lastName: `Smeets ${stamp}`, email: `carla.${stamp}@example.nl`, organisationName: 'Smeets BV', sessionId: trackB, [`answer_${question}`]: 'Geen',
    }));
    expect(page.lastHtml).toContain(`Carla Smeets ${stamp} is aangemeld en ingecheckt.`);
    const carla = (await registrations.list(id, { q: `Smeets ${stamp}` })).items[0];
    expect(carla).toMatchObject({ source: 'walk_in', status: 'attended' });

    // Groups: validation inline, then added and deleted again.
    const groupBad = await page.post(`/manage/events/${id}/groups`, { groupLabel: 'Klas 3B', groupHeadcount: '0', groupParticipantType: 'pupil', groupEducationLevel: 'hbo' });
    expect(groupBad.statusCode).toBe(400);
    expect(groupBad.body).toContain('id="e-groupHeadcount"');
    expect(groupBad.body).toContain('value="Klas 3B"');
    await follow(page, await page.post(`/manage/events/${id}/groups`, { groupLabel: '28 VMBO-leerlingen van het Connect College', groupHeadcount: '28', groupParticipantType: 'pupil', groupEducationLevel: 'vmbo' }));
    expect(page.lastHtml).toContain('Groep 28 VMBO-leerlingen van het Connect College (28 personen) is toegevoegd.');
    await follow(page, await page.post(`/manage/events/${id}/groups`, { groupLabel: 'Per ongeluk', groupHeadcount: '5', groupParticipantType: 'student', groupEducationLevel: 'mbo', groupOrganisationName: 'Onbekende School' }));
    expect(page.lastHtml).toContain('Er is geen organisatie Onbekende School gevonden; de groep is niet gekoppeld.');
    const mistake = (await app.get(GroupAttendanceService).list(id)).find((g) => g.label === 'Per ongeluk')!;
    await follow(page, await page.post(`/manage/events/${id}/groups/${mistake.id}/delete`, {}));
    expect(page.lastHtml).toContain('Groep Per ongeluk is verwijderd.');
    expect((await app.get(GroupAttendanceService).list(id)).map((g) => g.headcount)).toEqual([28]);

    // A staff cancellation gives the seat back.
    const dora = { firstName: 'Dora', lastName: `Willems ${stamp}`, email: `dora.${stamp}@example.nl`, sessionId: trackA, [`answer_${question}`]: 'Geen' };
    await follow(page, await page.post(`/manage/events/${id}/registrations`, dora));
    const doraId = (await registrations.list(id, { q: `Willems ${stamp}` })).items[0].id;
    await follow(page, await page.post(`/manage/events/${id}/registrations/${doraId}/cancel`, {}));
    expect(page.lastHtml).toContain(`Dora Willems ${stamp} is afgemeld.`);

    // The export holds every attendee with their answers.
    const csv = await page.get(`/manage/events/${id}/export?format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toContain('Dieetwensen?');
    expect(lines[0]).toContain('Sessie');
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.includes('Anouk'))).toContain('Vegetarisch');
    expect(lines.find((l) => l.includes('Carla'))).toContain('Geen');
    const xlsx = await page.get(`/manage/events/${id}/export?format=xlsx&status=attended`);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');

    // Questions cannot change under registrations; other fields can.
    await page.get(`/manage/events/${id}/edit`);
    const form = {
      title: `${title} (gewijzigd)`, format: 'theme_meeting', programmeLines: 'innovation', startsDate: day, startsTime: '09:30', endsDate: day, endsTime: '12:30', capacity: '3',
      question0Label: 'Dieetwensen?', question0Kind: 'single', question0Options: 'Vegetarisch; Geen', question0Required: 'on',
      session0Title: 'Track A: Smart Industry', session0Capacity: '', session1Title: 'Track B: IoT', session1Capacity: '10',
    };
    const locked = await page.post(`/manage/events/${id}`, { ...form, question1Label: 'Nieuwe vraag' });
    expect(locked.statusCode).toBe(400);
    expect(locked.body).toContain('id="e-questions"');
    await follow(page, await page.post(`/manage/events/${id}`, form));
    expect(page.lastHtml).toContain('De wijzigingen zijn opgeslagen.');
    const changed = await events.get(id);
    expect(changed).toMatchObject({ title: `${title} (gewijzigd)`, capacity: 3, description: null, venue: null });
    expect(changed.questions[0].id).toBe(question);

    // The counts on the event page are the service's.
    const final = await page.get(`/manage/events/${id}`);
    const stats = await events.stats(id);
    expect(stats).toMatchObject({ confirmed: 0, waitlisted: 0, cancelled: 1, attended: 3, noShow: 0, groupHeadcount: 28 });
    for (const name of ['confirmed', 'waitlisted', 'cancelled', 'attended', 'noShow', 'groupHeadcount'] as const) expect(shownCount(final.body, name)).toBe(stats[name]);
    expect(final.body).toContain(`<progress id="seats-progress" value="${changed.confirmed}" max="3">`);

    // Held: what was not checked in becomes a no-show; the page can no longer be edited.
    await follow(page, await page.post(`/manage/events/${id}/held`, {}));
    expect(page.lastHtml).toContain('is afgerond.');
    expect((await page.get(`/manage/events/${id}/edit`)).statusCode).toBe(303);
  });

  it('cancels an event only with the confirmation ticked, and refuses what its status does not allow', async () => {
    const event = await newEvent(app, { title: 'Rondetafel Biobased', format: 'round_table', publish: false });
    const page = await loggedIn(Role.Organiser);
    await page.get(`/manage/events/${event.id}`);
    await follow(page, await page.post(`/manage/events/${event.id}/held`, {}));
    expect(page.lastHtml).toContain('Dat kan niet bij een evenement met de status Concept.');
    await follow(page, await page.post(`/manage/events/${event.id}/cancel`, {}));
    expect(page.lastHtml).toContain('Vink eerst de bevestiging aan');
    expect((await events.get(event.id)).status).toBe('draft');
    await follow(page, await page.post(`/manage/events/${event.id}/cancel`, { confirm: 'on' }));
    expect(page.lastHtml).toContain('Rondetafel Biobased is geannuleerd.');
    expect((await events.get(event.id)).status).toBe('cancelled');
  });

  it('lists events with search, filters and paging', async () => {
    const tag = `lijst${Date.now().toString(36)}`;
    for (let i = 0; i < 3; i++) await newEvent(app, { title: `Masterclass ${tag} ${i}`, format: i === 2 ? 'workshop' : 'masterclass', publish: i !== 1 });
    const page = await loggedIn(Role.AccountManager);
    const all = await page.get(`/manage/events?q=${tag}`);
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain(`Masterclass ${tag} 2`);
    expect(all.body).not.toContain('Nieuw evenement');
    const workshops = await page.get(`/manage/events?q=${tag}&format=workshop`);
    expect(workshops.body).toContain(`Masterclass ${tag} 2`);
    expect(workshops.body).not.toContain(`Masterclass ${tag} 0`);
    const drafts = await page.get(`/manage/events?q=${tag}&status=draft&programmeLine=innovation`);
    expect(drafts.body).toContain(`Masterclass ${tag} 1`);
    expect(drafts.body).not.toContain(`Masterclass ${tag} 2`);
    const paged = await page.get(`/manage/events?q=${tag}&pageSize=2`);
    expect(paged.body).toContain('Pagina 1 van 2');
    const later = await page.get(`/manage/events?q=${tag}&from=${inDays(30)}`);
    expect(later.body).toContain('Niets gevonden.');
    expect((await page.get('/manage/events?lang=en')).body).toContain('<h1>Events</h1>');
  });

  it('lets account managers read but not change: 403 on every write', async () => {
    const event = await newEvent(app);
    const reg = await registrations.register({ id: event.id }, { firstName: 'Lees', lastName: 'Mee', email: `lees.${Date.now()}@example.nl` }, { source: 'staff' });
    const manager = await loggedIn(Role.AccountManager);
    const shown = await manager.get(`/manage/events/${event.id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain('/move"');
    expect(shown.body).not.toContain('Registreer iemand');
    expect((await manager.get(`/manage/events/${event.id}/check-in`)).statusCode).toBe(200);
    expect((await manager.get(`/manage/events/${event.id}/export?format=csv`)).statusCode).toBe(200);
    expect((await manager.get('/manage/events/new')).statusCode).toBe(403);
    expect((await manager.get(`/manage/events/${event.id}/edit`)).statusCode).toBe(403);
    await manager.get(`/manage/events/${event.id}`);
    const writes: [string, Record<string, string>][] = [
      ['/manage/events', { title: 'x' }],
      [`/manage/events/${event.id}`, { title: 'x' }],
      [`/manage/events/${event.id}/publish`, {}],
      [`/manage/events/${event.id}/close-registration`, {}],
      [`/manage/events/${event.id}/cancel`, { confirm: 'on' }],
      [`/manage/events/${event.id}/held`, {}],
      [`/manage/events/${event.id}/registrations`, { firstName: 'A', lastName: 'B', email: 'ab@example.nl' }],
      [`/manage/events/${event.id}/registrations/${reg.id}/move`, { to: 'waitlisted' }],
      [`/manage/events/${event.id}/registrations/${reg.id}/cancel`, {}],
      [`/manage/events/${event.id}/registrations/${reg.id}/check-in`, {}],
      [`/manage/events/${event.id}/check-in/registrations/${reg.id}`, {}],
      [`/manage/events/${event.id}/check-in/code`, { code: registrations.checkInToken(reg.id) }],
      [`/manage/events/${event.id}/check-in/walk-in`, { firstName: 'A', lastName: 'B', email: 'ab@example.nl' }],
      [`/manage/events/${event.id}/groups`, { groupLabel: 'Klas', groupHeadcount: '20', groupParticipantType: 'pupil' }],
    ];
    for (const [url, fields] of writes) expect([url, (await manager.post(url, fields)).statusCode]).toEqual([url, 403]);
    expect((await registrations.get(reg.id)).status).toBe('confirmed');
    expect((await events.get(event.id)).status).toBe('published');
    // And without the form token, even an organiser is refused.
    const organiser = await loggedIn(Role.Organiser);
    await organiser.get(`/manage/events/${event.id}`);
    expect((await organiser.post(`/manage/events/${event.id}/held`, {}, { csrf: false })).statusCode).toBe(403);
  });

  it('serves the QR reader bundle to anyone, without login', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/vendor/html5-qrcode.min.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.body).toContain('__Html5QrcodeLibrary__');
    const script = await app.inject({ method: 'GET', url: '/assets/check-in.js' });
    expect(script.statusCode).toBe(200);
  });
});
