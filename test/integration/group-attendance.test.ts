import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { EventsService, GroupAttendanceDto, GroupAttendanceService } from '@keyport/events';
import { Actor, Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newOrganisation } from '../utils/crm-factories';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';

const group = (overrides: Partial<GroupAttendanceDto> = {}): GroupAttendanceDto => ({
  label: '28 VMBO-leerlingen van het Connect College',
  headcount: 28,
  participantType: 'pupil',
  educationLevel: 'vmbo',
  ...overrides,
});

async function fieldsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fields.map((f) => f.field).sort();
}

describe(GroupAttendanceService.name, () => {
  let app: NestFastifyApplication;
  let sut: GroupAttendanceService;
  let events: EventsService;
  let db: DataSource;
  let actor: Actor;

  beforeAll(async () => {
    app = await createTestApp();
    sut = app.get(GroupAttendanceService);
    events = app.get(EventsService);
    db = app.get(DataSource);
    const organiser = await newUser(app, Role.Organiser, { name: 'Olga Organisator' });
    actor = { id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email };
  });
  afterAll(() => app.close());

  it('records groups by headcount, counted in the event figures, and removes them again', async () => {
    const event = await newEvent(app, { format: 'employer_meetup', programmeLines: ['labour_market'] });
    const school = await newOrganisation(app, { name: `Connect College ${Date.now()}`, type: 'education', municipality: 'Roermond' });

    const pupils = await sut.record(actor, event.id, group({ organisationName: `  ${school.name.toUpperCase()} ` }));
    expect(pupils).toMatchObject({ eventId: event.id, organisationId: school.id, organisationName: school.name, headcount: 28, participantType: 'pupil', educationLevel: 'vmbo', recordedBy: actor.id, recordedByName: 'Olga Organisator' });
    const students = await sut.record(actor, event.id, group({ label: 'HBO-studenten Fontys', headcount: 12, participantType: 'student', educationLevel: 'hbo', organisationName: 'Onbekende Hogeschool' }));
    expect(students.organisationId).toBeNull();
    const byId = await sut.record(actor, event.id, group({ label: 'Tweede klas', headcount: 3, organisationId: school.id }));
    expect(byId.organisationId).toBe(school.id);

    expect((await sut.list(event.id)).map((g) => g.headcount)).toEqual([28, 12, 3]);
    expect((await events.stats(event.id)).groupHeadcount).toBe(43);

    await sut.remove(actor, event.id, byId.id);
    expect((await events.stats(event.id)).groupHeadcount).toBe(40);
    expect((await sut.list(event.id)).map((g) => g.id)).toEqual([pupils.id, students.id]);

    // Another event's groups never count here, and cannot be removed through this one.
    const other = await newEvent(app);
    await sut.record(actor, other.id, group({ headcount: 100 }));
    expect((await events.stats(event.id)).groupHeadcount).toBe(40);
    await expect(sut.remove(actor, other.id, pupils.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await events.stats(event.id)).groupHeadcount).toBe(40);
  });

  it('writes who recorded and who removed a group to the audit log, in the same transaction', async () => {
    const event = await newEvent(app);
    const g = await sut.record(actor, event.id, group({ label: 'Klas 4A', headcount: 25 }));
    await sut.remove(actor, event.id, g.id);
    const log = await db.query(`SELECT action, actor_id AS "actorId", summary, changes FROM audit_log WHERE entity = 'group_attendance' AND entity_id = $1 ORDER BY at, id`, [g.id]);
    expect(log).toEqual([
      { action: 'create', actorId: actor.id, summary: 'Klas 4A', changes: expect.objectContaining({ headcount: { old: null, new: 25 }, eventId: { old: null, new: event.id } }) },
      { action: 'delete', actorId: actor.id, summary: 'Klas 4A', changes: expect.objectContaining({ headcount: { old: 25, new: null } }) },
    ]);
  });

  it('refuses bad groups naming each field, and stores nothing', async () => {
    const event = await newEvent(app);
    expect(await fieldsOf(sut.record(actor, event.id, group({ headcount: 0 })))).toEqual(['headcount']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ headcount: 10_001 })))).toEqual(['headcount']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ headcount: 2.5 })))).toEqual(['headcount']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ label: '   ', participantType: 'teacher' as never })))).toEqual(['label', 'participantType']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ participantType: 'pupil', educationLevel: 'hbo' })))).toEqual(['educationLevel']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ participantType: 'student', educationLevel: 'vmbo' })))).toEqual(['educationLevel']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ educationLevel: 'havo' as never })))).toEqual(['educationLevel']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ organisationId: '00000000-0000-4000-8000-000000000000' })))).toEqual(['organisationId']);
    expect(await fieldsOf(sut.record(actor, event.id, group({ organisationId: 'not-a-uuid' })))).toEqual(['organisationId']);
    // The level may be left out.
    await expect(sut.record(actor, event.id, group({ educationLevel: undefined, headcount: 10_000 }))).resolves.toMatchObject({ educationLevel: null, headcount: 10_000 });
    expect((await events.stats(event.id)).groupHeadcount).toBe(10_000);
  });

  it('records groups only for a published or held event', async () => {
    const draft = await newEvent(app, { publish: false });
    await expect(sut.record(actor, draft.id, group())).rejects.toBeInstanceOf(ConflictError);
    await events.cancel(actor, draft.id);
    await expect(sut.record(actor, draft.id, group())).rejects.toBeInstanceOf(ConflictError);
    await expect(sut.record(actor, '00000000-0000-4000-8000-000000000000', group())).rejects.toBeInstanceOf(NotFoundError);
    await expect(sut.list('nope')).rejects.toBeInstanceOf(NotFoundError);
    const held = await newEvent(app);
    await events.markHeld(actor, held.id);
    await expect(sut.record(actor, held.id, group({ headcount: 7 }))).resolves.toMatchObject({ headcount: 7 });
    expect((await db.query(`SELECT count(*)::int AS n FROM group_attendances WHERE event_id = $1`, [draft.id]))[0].n).toBe(0);
  });

  it('is reachable over the API for organisers only: POST/GET/DELETE /api/v1/events/{id}/groups', async () => {
    const event = await newEvent(app);
    const token = async (role: Role) => {
      const user = await newUser(app, role);
      return (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } })).json().token as string;
    };
    const organiser = { authorization: `Bearer ${await token(Role.Organiser)}` };
    const manager = { authorization: `Bearer ${await token(Role.AccountManager)}` };
    const url = `/api/v1/events/${event.id}/groups`;

    const bad = await app.inject({ method: 'POST', url, headers: organiser, payload: { label: '', headcount: 0, participantType: 'teacher', extra: 1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['label', 'headcount', 'participantType', 'extra']));
    const created = await app.inject({ method: 'POST', url, headers: organiser, payload: { label: 'MBO-studenten Gilde', headcount: 30, participantType: 'student', educationLevel: 'mbo' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: expect.any(String), headcount: 30, organisationId: null });
    expect((await app.inject({ method: 'POST', url, headers: manager, payload: { label: 'x', headcount: 1, participantType: 'student' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url, headers: manager })).statusCode).toBe(403);
    const listed = await app.inject({ method: 'GET', url, headers: organiser });
    expect(listed.json().map((g: { label: string }) => g.label)).toEqual(['MBO-studenten Gilde']);
    expect((await app.inject({ method: 'GET', url: '/api/v1/events/00000000-0000-4000-8000-000000000000/groups', headers: organiser })).statusCode).toBe(404);
    const stats = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/stats`, headers: organiser });
    expect(stats.json().groupHeadcount).toBe(30);
    expect((await app.inject({ method: 'DELETE', url: `${url}/${created.json().id}`, headers: manager })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `${url}/${created.json().id}`, headers: organiser })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `${url}/${created.json().id}`, headers: organiser })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url, headers: organiser })).json()).toEqual([]);
  });
});
