import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newUser, TEST_PASSWORD } from '../utils/factories';

describe('events API contract', () => {
  let app: NestFastifyApplication;
  const tokens: Partial<Record<Role, string>> = {};
  const as = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });
  const inAWeek = new Date(Date.now() + 7 * 864e5);
  const eventBody = (overrides: Record<string, unknown> = {}) => ({
    title: 'Themabijeenkomst Sensoring',
    format: 'theme_meeting',
    programmeLines: ['innovation', 'entrepreneurship'],
    startsAt: inAWeek.toISOString(),
    endsAt: new Date(inAWeek.getTime() + 3 * 3600e3).toISOString(),
    capacity: 2,
    ...overrides,
  });
  const signUp = (i: number, overrides: Record<string, unknown> = {}) => ({
    firstName: 'Iris',
    lastName: `Janssen ${i}`,
    email: `iris.${i}.${Date.now()}@example.nl`,
    organisationName: 'Janssen Sensoren',
    municipality: 'Weert',
    participantType: 'entrepreneur',
    mailingConsent: false,
    ...overrides,
  });

  beforeAll(async () => {
    app = await createTestApp();
    for (const role of [Role.Admin, Role.Organiser, Role.AccountManager]) {
      const user = await newUser(app, role);
      tokens[role] = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } })).json().token;
    }
  });
  afterAll(() => app.close());

  async function publishedEvent(overrides: Record<string, unknown> = {}) {
    const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: as(Role.Organiser), payload: eventBody(overrides) });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: expect.any(String), slug: expect.stringMatching(/^themabijeenkomst-sensoring-/), status: 'draft' });
    const published = await app.inject({ method: 'POST', url: `/api/v1/events/${created.json().id}/publish`, headers: as(Role.Organiser) });
    expect(published.statusCode).toBe(200);
    return published.json();
  }

  it('runs the whole contract: create, publish, public sign-up, waiting list, stats, staff walk-in, check-in, cancel', async () => {
    const event = await publishedEvent();
    const url = `/api/v1/public/events/${event.slug}/registrations`;
    const first = signUp(1);
    const a = await app.inject({ method: 'POST', url, payload: first });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toEqual({ id: expect.any(String), status: 'confirmed' });
    const again = await app.inject({ method: 'POST', url, payload: { ...first, email: first.email.toUpperCase() } });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(a.json().id);
    const b = await app.inject({ method: 'POST', url, payload: signUp(2) });
    const c = await app.inject({ method: 'POST', url, payload: signUp(3) });
    expect([b.json().status, c.json().status]).toEqual(['confirmed', 'waitlisted']);

    const walkIn = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, headers: as(Role.Organiser), payload: signUp(4) });
    expect(walkIn.statusCode).toBe(201);
    expect(walkIn.json().status).toBe('waitlisted');

    const list = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/registrations`, headers: as(Role.AccountManager) });
    expect(list.json().items.map((r: { status: string }) => r.status).sort()).toEqual(['confirmed', 'confirmed', 'waitlisted', 'waitlisted']);

    expect((await app.inject({ method: 'POST', url: `/api/v1/registrations/${a.json().id}/check-in`, headers: as(Role.Organiser) })).statusCode).toBe(200);
    const cancel = await app.inject({ method: 'POST', url: `/api/v1/registrations/${b.json().id}/cancel`, headers: as(Role.Organiser) });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json().status).toBe('cancelled');

    const stats = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/stats`, headers: as(Role.AccountManager) });
    expect(stats.json()).toMatchObject({ capacity: 2, confirmed: 1, waitlisted: 1, cancelled: 1, attended: 1, noShow: 0 });
    expect((await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/held`, headers: as(Role.Organiser) })).statusCode).toBe(200);
    const after = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/stats`, headers: as(Role.AccountManager) });
    expect(after.json()).toMatchObject({ confirmed: 0, attended: 1, noShow: 1 });
  });

  it('answers 404 for an unknown event and 409 for a closed one', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/public/events/bestaat-niet/registrations', payload: signUp(9) })).statusCode).toBe(404);
    const draft = await app.inject({ method: 'POST', url: '/api/v1/events', headers: as(Role.Organiser), payload: eventBody() });
    const closed = await app.inject({ method: 'POST', url: `/api/v1/public/events/${draft.json().slug}/registrations`, payload: signUp(10) });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().message).toBe('Registration for this event is closed');
    expect((await app.inject({ method: 'GET', url: `/api/v1/public/events/${draft.json().slug}` })).statusCode).toBe(404);
  });

  it('refuses bad input with 400 naming each field, never 500, and stores nothing', async () => {
    const event = await publishedEvent({ capacity: 10 });
    const url = `/api/v1/public/events/${event.slug}/registrations`;
    const cases: [unknown, string[]][] = [
      [{ ...signUp(20), email: 'geen-apenstaartje' }, ['email']],
      [{ ...signUp(21), firstName: 'x'.repeat(1024 * 1024) }, ['firstName']],
      [{ ...signUp(22), lastName: 42, participantType: 'boss' }, ['lastName', 'participantType']],
      [{ ...signUp(23), isAdmin: true }, ['isAdmin']],
      [{ ...signUp(24), kvkNumber: '12AB' }, ['kvkNumber']],
      [{ ...signUp(25), answers: { nope: 'x' } }, ['answers.nope']],
    ];
    for (const [payload, fields] of cases) {
      const res = await app.inject({ method: 'POST', url, payload: payload as object });
      expect(res.statusCode).toBe(400);
      expect([...new Set(res.json().errors.map((e: { field: string }) => e.field))].sort()).toEqual(fields.sort());
    }
    const malformed = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"firstName":' });
    expect(malformed.statusCode).toBe(400);
    const stats = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/stats`, headers: as(Role.Organiser) });
    expect(stats.json().confirmed + stats.json().waitlisted).toBe(0);
    const badEvent = await app.inject({ method: 'POST', url: '/api/v1/events', headers: as(Role.Organiser), payload: eventBody({ format: 'party', endsAt: '2020-01-01T00:00:00Z', capacity: -1, programmeLines: ['fun'] }) });
    expect(badEvent.statusCode).toBe(400);
    expect(badEvent.json().errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['format', 'capacity', 'programmeLines']));
  });

  it('keeps HTML and SQL typed by a registrant as plain text', async () => {
    const event = await publishedEvent({ capacity: 10 });
    const sly = { ...signUp(30), firstName: '<script>alert(1)</script>', lastName: "Robert'); DROP TABLE registrations;--", organisationName: '=cmd|calc' };
    const res = await app.inject({ method: 'POST', url: `/api/v1/public/events/${event.slug}/registrations`, payload: sly });
    expect(res.statusCode).toBe(201);
    const list = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/registrations`, headers: as(Role.Organiser) });
    expect(list.json().items[0]).toMatchObject({ firstName: '<script>alert(1)</script>', lastName: "Robert'); DROP TABLE registrations;--" });
    expect((await app.get(DataSource).query(`SELECT count(*)::int AS n FROM registrations WHERE event_id = $1`, [event.id]))[0].n).toBe(1);
    const csv = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/registrations/export?format=csv`, headers: as(Role.Organiser) });
    expect(csv.body).toContain("'=cmd|calc");
    expect(csv.body).not.toMatch(/,=cmd/);
  });

  it('enforces roles: anonymous 401, account managers read but do not create or check in', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/events', payload: eventBody() })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/v1/events', headers: as(Role.AccountManager), payload: eventBody() })).statusCode).toBe(403);
    const event = await publishedEvent({ capacity: 10 });
    const reg = await app.inject({ method: 'POST', url: `/api/v1/public/events/${event.slug}/registrations`, payload: signUp(40) });
    expect((await app.inject({ method: 'POST', url: `/api/v1/registrations/${reg.json().id}/check-in`, headers: as(Role.AccountManager) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/stats`, headers: as(Role.AccountManager) })).statusCode).toBe(200);
  });
});
