import { ConflictError, ValidationError } from '@keyport/common';
import { EventsService, RegistrationsService } from '@keyport/events';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newEvent } from '../utils/event-factories';

const person = (i: number, overrides: Record<string, unknown> = {}) => ({
  firstName: 'Deelnemer',
  lastName: `Nummer ${i}`,
  email: `deelnemer.${i}.${Date.now()}@example.nl`,
  organisationName: `Bedrijf ${i % 7}`,
  municipality: 'Weert',
  ...overrides,
});

describe('registrations on PostgreSQL', () => {
  let app: NestFastifyApplication;
  let registrations: RegistrationsService;
  let db: DataSource;

  beforeAll(async () => {
    // A pool as large as the burst, so the requests really do meet in PostgreSQL.
    app = await createTestApp({ DB_POOL_SIZE: '40' });
    registrations = app.get(RegistrationsService);
    db = app.get(DataSource);
  });
  afterAll(() => app.close());

  it('never exceeds capacity: 200 simultaneous sign-ups for 20 seats give 20 confirmed and 180 waitlisted, no duplicates', async () => {
    const event = await newEvent(app, { capacity: 20 });
    const stamp = Date.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => registrations.register({ slug: event.slug }, person(i, { email: `burst.${i}.${stamp}@example.nl` }), { source: 'public' })),
    );
    expect(results.filter((r) => r.status === 'confirmed')).toHaveLength(20);
    expect(results.filter((r) => r.status === 'waitlisted')).toHaveLength(180);
    expect(new Set(results.map((r) => r.id)).size).toBe(200);
    const stats = await app.get(EventsService).stats(event.id);
    expect(stats).toMatchObject({ capacity: 20, confirmed: 20, waitlisted: 180 });
    expect((await app.get(EventsService).get(event.id)).confirmed).toBe(20);
    // Seven organisations named in 200 sign-ups: created once each, flagged for review.
    const orgs = await db.query(`SELECT count(DISTINCT organisation_id)::int AS n FROM registrations WHERE event_id = $1`, [event.id]);
    expect(orgs[0].n).toBe(7);
    const outbox = await db.query(`SELECT payload->>'kind' AS kind, count(*)::int AS n FROM job_outbox WHERE payload->>'registrationId' = ANY($1) GROUP BY 1 ORDER BY 1`, [results.map((r) => r.id)]);
    expect(outbox).toEqual([{ kind: 'confirmed', n: 20 }, { kind: 'waitlisted', n: 180 }]);
  });

  it('returns the existing registration for the same email, also when both arrive at once', async () => {
    const event = await newEvent(app, { capacity: 5 });
    const email = `twice.${Date.now()}@example.nl`;
    const results = await Promise.all(Array.from({ length: 10 }, () => registrations.register({ id: event.id }, person(1, { email: email.toUpperCase() }), { source: 'public' })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await app.get(EventsService).get(event.id)).confirmed).toBe(1);
  });

  it('promotes the first on the waiting list when a confirmed person cancels, and frees the seat when nobody waits', async () => {
    const event = await newEvent(app, { capacity: 2 });
    const regs = [];
    for (let i = 0; i < 4; i++) regs.push(await registrations.register({ id: event.id }, person(100 + i), { source: 'public' }));
    expect(regs.map((r) => r.status)).toEqual(['confirmed', 'confirmed', 'waitlisted', 'waitlisted']);
    const cancelled = await registrations.cancel(regs[0].id, 'registrant');
    expect(cancelled).toEqual({ previousStatus: 'confirmed', promotedId: regs[2].id });
    expect((await registrations.get(regs[2].id)).status).toBe('confirmed');
    expect((await registrations.get(regs[3].id)).status).toBe('waitlisted');
    // Cancelling twice changes nothing.
    expect(await registrations.cancel(regs[0].id, 'registrant')).toEqual({ previousStatus: 'cancelled', promotedId: null });
    await registrations.cancel(regs[3].id, 'registrant');
    await registrations.cancel(regs[1].id, 'staff');
    expect((await app.get(EventsService).stats(event.id))).toMatchObject({ confirmed: 1, waitlisted: 0, cancelled: 3 });
    expect((await app.get(EventsService).get(event.id)).confirmed).toBe(1);
    const kinds = await db.query(`SELECT payload->>'kind' AS kind FROM job_outbox WHERE payload->>'registrationId' = $1 ORDER BY id`, [regs[2].id]);
    expect(kinds.map((k: { kind: string }) => k.kind)).toEqual(['waitlisted', 'promoted']);
  });

  it('refuses sign-ups outside the window (409) but takes staff registrations, and checks custom answers', async () => {
    const draft = await newEvent(app, { publish: false });
    await expect(registrations.register({ id: draft.id }, person(1), { source: 'public' })).rejects.toBeInstanceOf(ConflictError);
    await expect(registrations.register({ id: draft.id }, person(2), { source: 'staff', ignoreWindow: true })).resolves.toMatchObject({ status: 'confirmed' });
    const withQuestions = await newEvent(app, { questions: [{ label: 'Lunch?', kind: 'yes_no', required: true }] });
    const error = await registrations.register({ id: withQuestions.id }, person(3), { source: 'public' }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields[0].field).toBe(`answers.${withQuestions.questions[0].id}`);
    await expect(registrations.register({ id: withQuestions.id }, person(4, { answers: { [withQuestions.questions[0].id]: 'yes' } }), { source: 'public' })).resolves.toMatchObject({ status: 'confirmed' });
  });

  it('keeps per-session capacity for a symposium with parallel tracks', async () => {
    const event = await newEvent(app, { format: 'symposium', capacity: null, sessions: [{ title: 'Track A', capacity: 2 }, { title: 'Track B', capacity: 10 }] });
    const [trackA, trackB] = event.sessions;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => registrations.register({ id: event.id }, person(200 + i, { sessionId: trackA.id }), { source: 'public' })));
    expect(results.filter((r) => r.status === 'confirmed')).toHaveLength(2);
    await expect(registrations.register({ id: event.id }, person(300, { sessionId: trackB.id }), { source: 'public' })).resolves.toMatchObject({ status: 'confirmed' });
    await expect(registrations.register({ id: event.id }, person(301), { source: 'public' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('links the registrant into the CRM: contact by email, organisation by KvK, else by name and municipality', async () => {
    const event = await newEvent(app, { capacity: null });
    const kvk = String(40_000_000 + Math.floor(Math.random() * 9_999_999));
    const first = await registrations.register({ id: event.id }, person(400, { organisationName: 'Metaal Roermond BV', kvkNumber: kvk, municipality: 'Roermond' }), { source: 'public' });
    const second = await registrations.register({ id: event.id }, person(401, { organisationName: 'Heel Anders', kvkNumber: kvk, municipality: 'Weert' }), { source: 'public' });
    const third = await registrations.register({ id: event.id }, person(402, { organisationName: 'metaal roermond b.v.', municipality: 'roermond' }), { source: 'public' });
    const [r1, r2, r3] = await Promise.all([first, second, third].map((r) => registrations.get(r.id)));
    expect(r2.organisationId).toBe(r1.organisationId);
    expect(r3.organisationId).toBe(r1.organisationId);
    const [org] = await db.query(`SELECT needs_review, kvk_number FROM organisations WHERE id = $1`, [r1.organisationId]);
    expect(org).toEqual({ needs_review: true, kvk_number: kvk });
    const other = await newEvent(app, { capacity: null });
    const again = await registrations.register({ id: other.id }, person(400, { email: r1.email, firstName: 'Anders' }), { source: 'public' });
    expect((await registrations.get(again.id)).contactId).toBe(r1.contactId);
  });
});

describe('signing up again after cancelling', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('gives the registration back, at the end of the waiting list when the event is full', async () => {
    const registrations = app.get(RegistrationsService);
    const event = await newEvent(app, { capacity: 1 });
    const email = `terug.${Date.now()}@example.nl`;
    const first = await registrations.register({ id: event.id }, person(500, { email }), { source: 'public' });
    const other = await registrations.register({ id: event.id }, person(501), { source: 'public' });
    expect([first.status, other.status]).toEqual(['confirmed', 'waitlisted']);
    await registrations.cancel(first.id, 'registrant');
    const back = await registrations.register({ id: event.id }, person(500, { email }), { source: 'public' });
    expect(back).toEqual({ id: first.id, status: 'waitlisted', created: true });
    expect((await app.get(EventsService).stats(event.id))).toMatchObject({ confirmed: 1, waitlisted: 1, cancelled: 0 });
    expect((await registrations.register({ id: event.id }, person(500, { email }), { source: 'public' })).created).toBe(false);
  });
});

describe('after the event', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('marks an event that ended over 12 hours ago as held; registrations not checked in become no-shows', async () => {
    const { EventsHeldProcessor } = await import('@keyport/events');
    const registrations = app.get(RegistrationsService);
    const event = await newEvent(app, { capacity: 10 });
    const came = await registrations.register({ id: event.id }, person(600), { source: 'public' });
    const absent = await registrations.register({ id: event.id }, person(601), { source: 'public' });
    const recent = await newEvent(app, { capacity: 10 });
    await registrations.register({ id: recent.id }, person(602), { source: 'public' });
    const db = app.get(DataSource);
    await db.query(`UPDATE registrations SET status = 'attended', checked_in_at = now() WHERE id = $1`, [came.id]);
    await db.query(`UPDATE events SET starts_at = now() - interval '2 days', ends_at = now() - interval '13 hours' WHERE id = $1`, [event.id]);
    await db.query(`UPDATE events SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = $1`, [recent.id]);
    await app.get(EventsHeldProcessor).process();
    expect((await app.get(EventsService).get(event.id)).status).toBe('held');
    expect((await registrations.get(absent.id)).status).toBe('no_show');
    expect((await registrations.get(came.id)).status).toBe('attended');
    expect((await app.get(EventsService).get(recent.id)).status).toBe('published');
  });
});
