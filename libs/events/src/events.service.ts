import { ConflictError, escapeLike, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { AuditService, parseMunicipality } from '@keyport/crm';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CreateEventDto, UpdateEventDto } from './event.dto';
import { EventFormat, EventStatus } from './events.constants';
import { QuestionDef, slugify } from './events.util';

export interface EventSessionView {
  id: string;
  title: string;
  startsAt: Date | null;
  endsAt: Date | null;
  capacity: number | null;
  confirmed: number;
}

export interface EventView {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  format: EventFormat;
  programmeLines: string[];
  tags: string[];
  startsAt: Date;
  endsAt: Date;
  venue: string | null;
  address: string | null;
  municipality: string | null;
  inRegion: boolean;
  capacity: number | null;
  confirmed: number;
  registrationOpensAt: Date | null;
  registrationClosesAt: Date | null;
  status: EventStatus;
  language: 'nl' | 'en';
  reminderHours: number;
  questions: QuestionDef[];
  sessions: EventSessionView[];
  /** Sign-up possible now (published, window open). */
  open: boolean;
  seatsLeft: number | null;
}

export interface EventStats {
  capacity: number | null;
  confirmed: number;
  waitlisted: number;
  cancelled: number;
  attended: number;
  noShow: number;
  groupHeadcount: number;
}

export interface EventQuery {
  q?: string;
  status?: EventStatus;
  format?: EventFormat;
  programmeLine?: string;
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

const EVENT_COLUMNS = `e.id, e.slug, e.title, e.description, e.format, e.programme_lines AS "programmeLines", e.tags,
  e.starts_at AS "startsAt", e.ends_at AS "endsAt", e.venue, e.address, e.municipality, e.in_region AS "inRegion",
  e.capacity, e.confirmed_count AS confirmed, e.registration_opens_at AS "registrationOpensAt",
  e.registration_closes_at AS "registrationClosesAt", e.status, e.language, e.reminder_hours AS "reminderHours",
  (e.status = 'published' AND (e.registration_opens_at IS NULL OR now() >= e.registration_opens_at)
     AND now() < coalesce(e.registration_closes_at, e.starts_at)) AS open`;

@Injectable()
export class EventsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: CreateEventDto): Promise<EventView> {
    this.checkTimes(input);
    const id = await this.dataSource.transaction(async (m) => {
      const municipality = parseMunicipality(input.municipality);
      const [row] = await m.query(
        `INSERT INTO events (slug, title, description, format, programme_lines, tags, starts_at, ends_at, venue, address, municipality, municipality_key,
                             in_region, capacity, registration_opens_at, registration_closes_at, language, reminder_hours, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
        [
          slugify(input.title), input.title, input.description ?? null, input.format, input.programmeLines, input.tags ?? [], input.startsAt, input.endsAt,
          input.venue ?? null, input.address ?? null, municipality?.name ?? null, municipality?.key ?? null, municipality?.inRegion ?? false,
          input.capacity, input.registrationOpensAt ?? null, input.registrationClosesAt ?? null, input.language ?? 'nl', input.reminderHours ?? 48, actor.id,
        ],
      );
      await this.replaceQuestions(m, row.id, input.questions ?? []);
      await this.replaceSessions(m, row.id, input.sessions ?? []);
      await this.audit.record(m, actor, 'create', 'event', row.id, {}, input.title);
      return row.id as string;
    });
    return this.get(id);
  }

  async update(actor: Actor, id: string, input: UpdateEventDto): Promise<EventView> {
    const current = await this.get(id);
    if (current.status === 'cancelled' || current.status === 'held') throw new ConflictError(`This event is ${current.status} and can no longer be changed`);
    const merged = {
      startsAt: input.startsAt ?? current.startsAt.toISOString(),
      endsAt: input.endsAt ?? current.endsAt.toISOString(),
      registrationOpensAt: input.registrationOpensAt ?? current.registrationOpensAt?.toISOString(),
      registrationClosesAt: input.registrationClosesAt ?? current.registrationClosesAt?.toISOString(),
    };
    this.checkTimes(merged);
    if (input.capacity !== undefined && input.capacity !== null && input.capacity < current.confirmed) {
      throw new ValidationError([{ field: 'capacity', message: `cannot be below the ${current.confirmed} confirmed registrations; cancel some first` }]);
    }
    await this.dataSource.transaction(async (m) => {
      const municipality = input.municipality !== undefined ? parseMunicipality(input.municipality) : undefined;
      const sets: string[] = [];
      const params: unknown[] = [];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (input.title !== undefined) set('title', input.title);
      if (input.description !== undefined) set('description', input.description);
      if (input.format !== undefined) set('format', input.format);
      if (input.programmeLines !== undefined) set('programme_lines', input.programmeLines);
      if (input.tags !== undefined) set('tags', input.tags);
      if (input.startsAt !== undefined) set('starts_at', input.startsAt);
      if (input.endsAt !== undefined) set('ends_at', input.endsAt);
      if (input.venue !== undefined) set('venue', input.venue);
      if (input.address !== undefined) set('address', input.address);
      if (municipality !== undefined) {
        set('municipality', municipality?.name ?? null);
        set('municipality_key', municipality?.key ?? null);
        set('in_region', municipality?.inRegion ?? false);
      }
      if (input.capacity !== undefined) set('capacity', input.capacity);
      if (input.registrationOpensAt !== undefined) set('registration_opens_at', input.registrationOpensAt);
      if (input.registrationClosesAt !== undefined) set('registration_closes_at', input.registrationClosesAt);
      if (input.language !== undefined) set('language', input.language);
      if (input.reminderHours !== undefined) set('reminder_hours', input.reminderHours);
      if (sets.length) {
        params.push(id);
        await m.query(`UPDATE events SET ${sets.join(', ')}, updated_at = now() WHERE id = $${params.length}`, params);
      }
      if (input.questions !== undefined || input.sessions !== undefined) {
        // Answers and seats refer to the questions and sessions by id: once people have registered they stay.
        if ((await m.query(`SELECT 1 FROM registrations WHERE event_id = $1 LIMIT 1`, [id])).length) {
          throw new ConflictError('Questions and sessions cannot be replaced once people have registered', [
            { field: input.questions !== undefined ? 'questions' : 'sessions', message: 'cannot change once people have registered' },
          ]);
        }
        if (input.questions !== undefined) await this.replaceQuestions(m, id, input.questions);
        if (input.sessions !== undefined) await this.replaceSessions(m, id, input.sessions);
      }
      await this.audit.record(m, actor, 'update', 'event', id, { fields: { old: null, new: Object.keys(input) } });
    });
    return this.get(id);
  }

  async get(id: string): Promise<EventView> {
    if (!isUuid(id)) throw new NotFoundError('Event');
    return this.one(`e.id = $1`, id);
  }

  async getBySlug(slug: string): Promise<EventView> {
    if (!/^[a-z0-9-]{1,100}$/.test(slug)) throw new NotFoundError('Event');
    return this.one(`e.slug = $1`, slug);
  }

  async list(query: EventQuery): Promise<Page<EventView>> {
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const clauses: string[] = ['true'];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      clauses.push(sql.replace(/\?/g, `$${params.length}`));
    };
    if (query.q?.trim()) add(`e.title ILIKE ?`, `%${escapeLike(query.q.trim())}%`);
    if (query.status) add('e.status = ?', query.status);
    if (query.format) add('e.format = ?', query.format);
    if (query.programmeLine) add('? = ANY(e.programme_lines)', query.programmeLine);
    if (query.from) add(`e.starts_at >= (?::date AT TIME ZONE 'Europe/Amsterdam')`, query.from);
    if (query.to) add(`e.starts_at < ((?::date + 1) AT TIME ZONE 'Europe/Amsterdam')`, query.to);
    const where = clauses.join(' AND ');
    const [rows, count] = await Promise.all([
      this.dataSource.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where} ORDER BY e.starts_at DESC, e.id LIMIT ${pageSize} OFFSET ${offset}`, params),
      this.dataSource.query(`SELECT count(*)::int AS n FROM events e WHERE ${where}`, params),
    ]);
    return pageOf(rows.map((r: EventView) => this.withSeats({ ...r, questions: [], sessions: [] })), count[0].n, page, pageSize);
  }

  /** Published events that have not ended, soonest first: the public list. */
  async upcoming(filter: { format?: string; programmeLine?: string; page?: number }): Promise<Page<EventView>> {
    const { page, pageSize, offset } = pageWindow(filter.page, 20);
    const params: unknown[] = [filter.format ?? null, filter.programmeLine ?? null];
    const where = `e.status = 'published' AND e.ends_at > now() AND ($1::text IS NULL OR e.format = $1) AND ($2::text IS NULL OR $2 = ANY(e.programme_lines))`;
    const [rows, count] = await Promise.all([
      this.dataSource.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where} ORDER BY e.starts_at, e.id LIMIT ${pageSize} OFFSET ${offset}`, params),
      this.dataSource.query(`SELECT count(*)::int AS n FROM events e WHERE ${where}`, params),
    ]);
    return pageOf(rows.map((r: EventView) => this.withSeats({ ...r, questions: [], sessions: [] })), count[0].n, page, pageSize);
  }

  async publish(actor: Actor, id: string): Promise<EventView> {
    await this.transition(actor, id, ['draft'], 'published');
    return this.get(id);
  }

  /**
   * Cancels the event: every active registration is cancelled and mailed that the event will not take place.
   */
  async cancel(actor: Actor, id: string): Promise<EventView> {
    await this.dataSource.transaction(async (m) => {
      await this.transitionIn(m, actor, id, ['draft', 'published'], 'cancelled');
      await m.query(
        `WITH c AS (
           UPDATE registrations SET status = 'cancelled', cancelled_at = now(), cancelled_by = 'event', updated_at = now()
            WHERE event_id = $1 AND status IN ('confirmed', 'waitlisted') RETURNING id)
         INSERT INTO job_outbox (name, payload, priority)
         SELECT 'registration-mail', jsonb_build_object('registrationId', c.id, 'kind', 'event_cancelled'), 1 FROM c`,
        [id],
      );
      await m.query(`UPDATE events SET confirmed_count = 0 WHERE id = $1`, [id]);
      await m.query(`UPDATE event_sessions SET confirmed_count = 0 WHERE event_id = $1`, [id]);
    });
    return this.get(id);
  }

  /**
   * Closes registration now: the waiting list learns that no seat came free, confirmed registrants get
   * a last confirmation with the details.
   */
  async closeRegistration(actor: Actor, id: string): Promise<EventView> {
    await this.dataSource.transaction(async (m) => {
      const [row] = await m.query(`SELECT status FROM events WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) throw new NotFoundError('Event');
      if (row.status !== 'published') throw new ConflictError('Only a published event can close its registration');
      await m.query(`UPDATE events SET registration_closes_at = now(), updated_at = now() WHERE id = $1`, [id]);
      await m.query(
        `INSERT INTO job_outbox (name, payload, priority)
         SELECT 'registration-mail', jsonb_build_object('registrationId', r.id, 'kind', CASE r.status WHEN 'waitlisted' THEN 'waitlist_closed' ELSE 'registration_closed' END), 1
           FROM registrations r WHERE r.event_id = $1 AND r.status IN ('confirmed', 'waitlisted')`,
        [id],
      );
      await this.audit.record(m, actor, 'update', 'event', id, {}, 'registration closed');
    });
    return this.get(id);
  }

  /** The event took place: registrations not checked in become no-shows. */
  async markHeld(actor: Actor, id: string): Promise<EventView> {
    await this.dataSource.transaction(async (m) => {
      await this.transitionIn(m, actor, id, ['published'], 'held');
      await m.query(`UPDATE registrations SET status = 'no_show', updated_at = now() WHERE event_id = $1 AND status = 'confirmed'`, [id]);
    });
    return this.get(id);
  }

  async stats(id: string): Promise<EventStats> {
    const event = await this.get(id);
    const [row] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
              count(*) FILTER (WHERE status = 'waitlisted')::int AS waitlisted,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE status = 'attended')::int AS attended,
              count(*) FILTER (WHERE status = 'no_show')::int AS "noShow",
              (SELECT coalesce(sum(headcount), 0)::int FROM group_attendances g WHERE g.event_id = $1) AS "groupHeadcount"
         FROM registrations WHERE event_id = $1`,
      [id],
    );
    return { capacity: event.capacity, ...row };
  }

  private async one(where: string, value: string): Promise<EventView> {
    const rows = await this.dataSource.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where}`, [value]);
    if (!rows.length) throw new NotFoundError('Event');
    const [questions, sessions] = await Promise.all([
      this.dataSource.query(`SELECT id, label, kind, options, required FROM event_questions WHERE event_id = $1 ORDER BY position, id`, [rows[0].id]),
      this.dataSource.query(
        `SELECT id, title, starts_at AS "startsAt", ends_at AS "endsAt", capacity, confirmed_count AS confirmed FROM event_sessions WHERE event_id = $1 ORDER BY position, id`,
        [rows[0].id],
      ),
    ]);
    return this.withSeats({ ...rows[0], questions, sessions });
  }

  private withSeats(e: Omit<EventView, 'seatsLeft'>): EventView {
    return { ...e, seatsLeft: e.capacity === null ? null : Math.max(0, e.capacity - e.confirmed) };
  }

  private checkTimes(input: { startsAt?: string; endsAt?: string; registrationOpensAt?: string; registrationClosesAt?: string }): void {
    const errors = [];
    const t = (v?: string) => (v ? new Date(v).getTime() : undefined);
    if (t(input.startsAt) !== undefined && t(input.endsAt) !== undefined && t(input.endsAt)! <= t(input.startsAt)!) {
      errors.push({ field: 'endsAt', message: 'must be after startsAt' });
    }
    if (t(input.registrationOpensAt) !== undefined && t(input.registrationClosesAt) !== undefined && t(input.registrationClosesAt)! <= t(input.registrationOpensAt)!) {
      errors.push({ field: 'registrationClosesAt', message: 'must be after registrationOpensAt' });
    }
    if (errors.length) throw new ValidationError(errors);
  }

  private async replaceQuestions(m: EntityManager, eventId: string, questions: CreateEventDto['questions'] = []): Promise<void> {
    const errors = questions.flatMap((q, i) =>
      (q.kind === 'single' || q.kind === 'multiple') && (q.options ?? []).filter((o) => o.trim()).length < 2
        ? [{ field: `questions.${i}.options`, message: 'a choice question needs at least two options' }]
        : [],
    );
    if (errors.length) throw new ValidationError(errors);
    await m.query(`DELETE FROM event_questions WHERE event_id = $1`, [eventId]);
    for (const [i, q] of questions.entries()) {
      await m.query(`INSERT INTO event_questions (event_id, position, label, kind, options, required) VALUES ($1, $2, $3, $4, $5, $6)`, [
        eventId, i, q.label, q.kind, (q.options ?? []).map((o) => o.trim()).filter(Boolean), q.required ?? false,
      ]);
    }
  }

  private async replaceSessions(m: EntityManager, eventId: string, sessions: CreateEventDto['sessions'] = []): Promise<void> {
    await m.query(`DELETE FROM event_sessions WHERE event_id = $1`, [eventId]);
    for (const [i, s] of sessions.entries()) {
      await m.query(`INSERT INTO event_sessions (event_id, position, title, starts_at, ends_at, capacity) VALUES ($1, $2, $3, $4, $5, $6)`, [
        eventId, i, s.title, s.startsAt ?? null, s.endsAt ?? null, s.capacity ?? null,
      ]);
    }
  }

  private async transition(actor: Actor, id: string, from: EventStatus[], to: EventStatus): Promise<void> {
    await this.dataSource.transaction((m) => this.transitionIn(m, actor, id, from, to));
  }

  private async transitionIn(m: EntityManager, actor: Actor, id: string, from: EventStatus[], to: EventStatus): Promise<void> {
    if (!isUuid(id)) throw new NotFoundError('Event');
    const [row] = await m.query(`SELECT status FROM events WHERE id = $1 FOR UPDATE`, [id]);
    if (!row) throw new NotFoundError('Event');
    if (row.status === to) return;
    if (!from.includes(row.status)) throw new ConflictError(`A ${row.status} event cannot become ${to}`);
    await m.query(`UPDATE events SET status = $2, updated_at = now() WHERE id = $1`, [id, to]);
    await this.audit.record(m, actor, 'update', 'event', id, { status: { old: row.status, new: to } });
  }
}
