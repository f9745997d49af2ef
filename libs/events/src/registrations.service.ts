import { APP_CONFIG, AppConfig } from '@keyport/config';
import { allPages, ConflictError, escapeLike, NotFoundError, Page, pageOf, pageWindow, TokenSigner, ValidationError } from '@keyport/common';
import { AuditService, organisationNameKey, parseMunicipality } from '@keyport/crm';
import { countSignup } from '@keyport/metrics';
import { Actor } from '@keyport/users';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RegistrationDto } from './event.dto';
import { RegistrationSource, RegistrationStatus } from './events.constants';
import { EventsService, EventView } from './events.service';
import { checkAnswers } from './events.util';

export interface RegistrationResult {
  id: string;
  status: RegistrationStatus;
  /** false when this email already had a registration for the event (that one is returned). */
  created: boolean;
}

export interface RegistrationView {
  id: string;
  eventId: string;
  status: RegistrationStatus;
  email: string;
  firstName: string;
  lastName: string;
  contactId: string;
  organisationId: string | null;
  organisationName: string | null;
  participantType: string;
  sessionId: string | null;
  sessionTitle: string | null;
  answers: Record<string, string | string[]>;
  source: RegistrationSource;
  checkedInAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
}

export interface RegistrationQuery {
  q?: string;
  status?: RegistrationStatus;
  page?: number;
  pageSize?: number;
}

const MANAGE = 'registration';
const CHECK_IN = 'checkin';
const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** PostgreSQL's RAISE EXCEPTION from keyport_register / keyport_cancel_registration, as domain errors. */
function fromDatabase(error: { code?: string; message?: string; driverError?: { code?: string; message?: string } }): never {
  const code = error.driverError?.code ?? error.code;
  const message = error.driverError?.message ?? error.message;
  if (code === 'P0001') {
    if (message === 'event_not_found') throw new NotFoundError('Event');
    if (message === 'registration_not_found') throw new NotFoundError('Registration');
    if (message === 'session_not_found') throw new ValidationError([{ field: 'sessionId', message: 'is not a session of this event' }]);
    if (message === 'event_closed') throw new ConflictError('Registration for this event is closed');
  }
  throw error;
}

/**
 * Sign-ups, cancellations, the waiting list and check-in. Seats are taken and given back only inside
 * PostgreSQL (keyport_register / keyport_cancel_registration), so capacity holds under any concurrency.
 */
@Injectable()
export class RegistrationsService {
  private readonly signer: TokenSigner;
  /** Event definitions (questions, sessions) for a few seconds: a sign-up rush reads them once, not per request. */
  private readonly definitions = new Map<string, { at: number; event: EventView }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.signer = new TokenSigner(config.app.secret);
  }

  async register(event: { id?: string; slug?: string }, input: RegistrationDto, options: { source: RegistrationSource; ignoreWindow?: boolean }): Promise<RegistrationResult> {
    const def = await this.definition(event);
    const { answers, errors } = checkAnswers(def.questions, input.answers);
    if (def.sessions.length && !input.sessionId) errors.push({ field: 'sessionId', message: 'choose a session', rule: 'isNotEmpty' });
    if (input.sessionId && !def.sessions.some((s) => s.id === input.sessionId)) errors.push({ field: 'sessionId', message: 'is not a session of this event', rule: 'isIn' });
    if (errors.length) throw new ValidationError(errors);

    const orgName = input.organisationName?.trim() || null;
    const municipality = parseMunicipality(input.municipality);
    const email = input.email.trim().toLowerCase();
    try {
      const [row] = await this.dataSource.query(
        `SELECT registration_id AS id, registration_status AS status, created
           FROM keyport_register($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          def.id, input.sessionId ?? null, email, input.firstName.trim(), input.lastName.trim(), input.language ?? def.language,
          input.mailingConsent ?? false, options.source === 'public' ? 'registration form' : 'registered by staff',
          orgName, orgName ? organisationNameKey(orgName) : null, input.kvkNumber ?? null,
          municipality?.name ?? null, municipality?.key ?? null, municipality?.inRegion ?? false,
          input.participantType ?? 'entrepreneur', JSON.stringify(answers), options.source, options.ignoreWindow ?? false,
        ],
      );
      if (row.created) countSignup(row.status);
      return row;
    } catch (error) {
      fromDatabase(error as never);
    }
  }

  /** Cancels; staff cancellations name the staff member and are audited in the same transaction. */
  async cancel(id: string, by: 'registrant' | 'staff', actor?: Actor): Promise<{ previousStatus: RegistrationStatus; promotedId: string | null }> {
    if (!isUuid(id)) throw new NotFoundError('Registration');
    try {
      return await this.dataSource.transaction(async (m) => {
        const [row] = await m.query(
          `SELECT previous_status AS "previousStatus", promoted_id AS "promotedId" FROM keyport_cancel_registration($1, $2)`,
          [id, by],
        );
        if (row.previousStatus !== 'cancelled') {
          await this.audit.record(m, actor ?? 'system', 'update', 'registration', id, { status: { old: row.previousStatus, new: 'cancelled' }, ...(row.promotedId ? { promoted: { old: null, new: row.promotedId } } : {}) }, `cancelled by ${by}`);
        }
        return row;
      });
    } catch (error) {
      fromDatabase(error as never);
    }
  }

  /** The registration behind a signed link from a mail, or 404 for a tampered or foreign token. */
  async fromManageToken(token: string): Promise<RegistrationView> {
    const payload = this.signer.verify<{ r: string }>(MANAGE, token);
    if (!payload || typeof payload.r !== 'string') throw new NotFoundError('Registration');
    return this.get(payload.r);
  }

  manageToken(id: string): string {
    return this.signer.sign(MANAGE, { r: id });
  }

  checkInToken(id: string): string {
    return this.signer.sign(CHECK_IN, { r: id });
  }

  /** Marks a person present. Idempotent; a cancelled registration cannot be checked in. */
  async checkIn(actor: Actor, id: string): Promise<RegistrationView> {
    if (!isUuid(id)) throw new NotFoundError('Registration');
    await this.dataSource.transaction(async (m) => {
      const [row] = await m.query(`SELECT status FROM registrations WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) throw new NotFoundError('Registration');
      if (row.status === 'attended') return;
      if (row.status === 'cancelled') throw new ConflictError('This registration was cancelled; register the person as a walk-in');
      await m.query(`UPDATE registrations SET status = 'attended', checked_in_at = now(), updated_at = now() WHERE id = $1`, [id]);
      await this.audit.record(m, actor, 'update', 'registration', id, { status: { old: row.status, new: 'attended' } });
    });
    return this.get(id);
  }

  /** Check-in with the code from the QR in the confirmation mail (scanned, or typed by a scanner). */
  async checkInByCode(actor: Actor, eventId: string, code: string): Promise<RegistrationView> {
    const payload = this.signer.verify<{ r: string }>(CHECK_IN, code.trim());
    if (!payload || typeof payload.r !== 'string') throw new ValidationError([{ field: 'code', message: 'is not a valid check-in code' }]);
    const registration = await this.get(payload.r);
    if (registration.eventId !== eventId) throw new ValidationError([{ field: 'code', message: 'belongs to another event' }]);
    return this.checkIn(actor, registration.id);
  }

  /** Staff move a person between the waiting list and confirmed by hand (above capacity if they choose). */
  async move(actor: Actor, id: string, to: 'confirmed' | 'waitlisted'): Promise<RegistrationView> {
    if (!isUuid(id)) throw new NotFoundError('Registration');
    await this.dataSource.transaction(async (m) => {
      const [row] = await m.query(`SELECT status, event_id, session_id FROM registrations WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) throw new NotFoundError('Registration');
      if (row.status === to) return;
      const from = to === 'confirmed' ? 'waitlisted' : 'confirmed';
      if (row.status !== from) throw new ConflictError(`A ${row.status} registration cannot be moved to ${to}`);
      const delta = to === 'confirmed' ? 1 : -1;
      await m.query(`UPDATE events SET confirmed_count = confirmed_count + $2 WHERE id = $1`, [row.event_id, delta]);
      if (row.session_id) await m.query(`UPDATE event_sessions SET confirmed_count = confirmed_count + $2 WHERE id = $1`, [row.session_id, delta]);
      await m.query(`UPDATE registrations SET status = $2, promoted_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE promoted_at END, updated_at = now() WHERE id = $1`, [id, to]);
      if (to === 'confirmed') {
        await m.query(`INSERT INTO job_outbox (name, payload, priority) VALUES ('registration-mail', jsonb_build_object('registrationId', $1::uuid, 'kind', 'promoted'), 1)`, [id]);
      }
      await this.audit.record(m, actor, 'update', 'registration', id, { status: { old: row.status, new: to } });
    });
    return this.get(id);
  }

  async get(id: string): Promise<RegistrationView> {
    if (!isUuid(id)) throw new NotFoundError('Registration');
    const rows = await this.dataSource.query(`${SELECT_REGISTRATION} WHERE r.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Registration');
    return rows[0];
  }

  async list(eventId: string, query: RegistrationQuery): Promise<Page<RegistrationView>> {
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize ?? 50);
    const params: unknown[] = [eventId, query.status ?? null, query.q?.trim() ? `%${escapeLike(query.q.trim())}%` : null];
    const where = `r.event_id = $1 AND ($2::text IS NULL OR r.status = $2)
      AND ($3::text IS NULL OR (c.first_name || ' ' || c.last_name) ILIKE $3 OR r.email ILIKE $3 OR o.name ILIKE $3)`;
    const [rows, count] = await Promise.all([
      this.dataSource.query(`${SELECT_REGISTRATION} WHERE ${where} ORDER BY c.last_name, c.first_name, r.id LIMIT ${pageSize} OFFSET ${offset}`, params),
      this.dataSource.query(`SELECT count(*)::int AS n FROM registrations r JOIN contacts c ON c.id = r.contact_id LEFT JOIN organisations o ON o.id = r.organisation_id WHERE ${where}`, params),
    ]);
    return pageOf(rows, count[0].n, page, pageSize);
  }

  all(eventId: string, query: RegistrationQuery): AsyncGenerator<RegistrationView> {
    return allPages((page, pageSize) => this.list(eventId, { ...query, page, pageSize }));
  }

  private async definition(ref: { id?: string; slug?: string }): Promise<EventView> {
    const key = ref.id ?? `slug:${ref.slug}`;
    const cached = this.definitions.get(key);
    if (cached && Date.now() - cached.at < 5_000) return cached.event;
    const event = ref.id ? await this.events.get(ref.id) : await this.events.getBySlug(ref.slug ?? '');
    if (this.definitions.size > 500) this.definitions.clear();
    this.definitions.set(key, { at: Date.now(), event });
    return event;
  }
}

const SELECT_REGISTRATION = `
  SELECT r.id, r.event_id AS "eventId", r.status, r.email, c.first_name AS "firstName", c.last_name AS "lastName", r.contact_id AS "contactId",
         r.organisation_id AS "organisationId", o.name AS "organisationName", r.participant_type AS "participantType",
         r.session_id AS "sessionId", s.title AS "sessionTitle", r.answers, r.source, r.checked_in_at AS "checkedInAt",
         r.cancelled_at AS "cancelledAt", r.created_at AS "createdAt"
    FROM registrations r JOIN contacts c ON c.id = r.contact_id
    LEFT JOIN organisations o ON o.id = r.organisation_id
    LEFT JOIN event_sessions s ON s.id = r.session_id`;
