import { allPages, ConflictError, escapeLike, ForbiddenError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { Actor, normaliseEmail, Role } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, diff } from '../audit/audit.service';
import { PROGRAMME_LINES } from '../crm.constants';
import { CONTACT_REFERENCES, moveReferences } from '../merge-references';
import { OUTSIDE_REGION, textKey } from '../municipalities';
import { uniqueViolation } from '../organisations/organisations.service';
import { Contact, ContactOrganisation } from './contact.entity';
import { ContactOrganisationDto, ContactQuery, CreateContactDto, UpdateContactDto } from './contact.dto';

export interface ContactDuplicate {
  id: string;
  name: string;
  email: string | null;
  reasons: ('email' | 'name')[];
}

export class PossibleContactDuplicateError extends ConflictError {
  constructor(readonly duplicates: ContactDuplicate[]) {
    super('Likely duplicates exist: check them, or save anyway with allowDuplicate', [
      { field: 'lastName', message: `looks like ${duplicates.map((d) => `"${d.name}"`).join(', ')}` },
    ]);
    this.details = { duplicates };
  }
}

export interface ContactLinkView {
  id: string;
  organisationId: string;
  organisationName: string;
  role: string | null;
  startedOn: string | null;
  endedOn: string | null;
  current: boolean;
}

/** A person as shown and exported: every column (interests, unsubscribedAt, bouncedAt, bounceReason included). */
export type ContactView = Contact & { name: string; organisations: ContactLinkView[] };

const EDITABLE = ['firstName', 'lastName', 'email', 'phone', 'jobTitle', 'language', 'mailingConsent', 'consentSource', 'interests', 'notes'] as const;
const SORT_SQL: Record<string, string> = { name: 'c.last_name, c.first_name', email: 'c.email', created: 'c.created_at', updated: 'c.updated_at' };
/** Unique, in the order of PROGRAMME_LINES, whatever order they were ticked or sent in. */
const programmeLines = (values: readonly string[]): string[] => PROGRAMME_LINES.filter((line) => values.includes(line));
const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
export const ERASED_NAME = '[verwijderd]';

@Injectable()
export class ContactsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Same email, or the same full name (ignoring case, accents and punctuation) at one of the same
   * organisations. Two indexed lookups: by email, and among the people of the given organisations.
   */
  async findDuplicates(input: { firstName?: string; lastName?: string; email?: string | null; organisationIds?: string[] }, excludeId?: string, m: EntityManager = this.dataSource.manager): Promise<ContactDuplicate[]> {
    const found = new Map<string, ContactDuplicate>();
    const add = (row: { id: string; name: string; email: string | null }, reason: 'email' | 'name') => {
      const entry = found.get(row.id) ?? { ...row, reasons: [] };
      if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
      found.set(row.id, entry);
    };
    const active = `c.merged_into_id IS NULL AND c.erased_at IS NULL AND ($2::uuid IS NULL OR c.id <> $2::uuid)`;
    if (input.email) {
      const rows = await m.query(
        `SELECT c.id, c.first_name || ' ' || c.last_name AS name, c.email FROM contacts c WHERE lower(c.email) = lower($1) AND ${active} LIMIT 5`,
        [input.email, excludeId ?? null],
      );
      for (const row of rows) add(row, 'email');
    }
    const orgIds = (input.organisationIds ?? []).filter(isUuid);
    if (input.firstName && input.lastName && orgIds.length) {
      const key = textKey(`${input.firstName} ${input.lastName}`);
      const rows: { id: string; name: string; email: string | null }[] = await m.query(
        `SELECT DISTINCT c.id, c.first_name || ' ' || c.last_name AS name, c.email
           FROM contact_organisations l JOIN contacts c ON c.id = l.contact_id
          WHERE l.organisation_id = ANY($1::uuid[]) AND ${active} LIMIT 2000`,
        [orgIds, excludeId ?? null],
      );
      for (const row of rows) if (textKey(row.name) === key) add(row, 'name');
    }
    return [...found.values()].slice(0, 10);
  }

  async create(actor: Actor | 'system', input: CreateContactDto, manager?: EntityManager): Promise<Contact> {
    const run = async (m: EntityManager) => {
      await this.checkDuplicates(m, input, undefined);
      this.checkConsent(input, null);
      const contact = await m
        .save(m.create(Contact, { ...this.toColumns(input), ...(input.mailingConsent ? { consentAt: new Date() } : {}) }))
        .catch(uniqueViolation);
      for (const link of input.organisations ?? []) await this.insertLink(m, contact.id, link);
      await this.audit.record(m, actor, 'create', 'contact', contact.id, diff({}, this.auditable(contact)), `${contact.firstName} ${contact.lastName}`);
      return contact;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async update(actor: Actor, id: string, input: UpdateContactDto): Promise<Contact> {
    return this.dataSource.transaction(async (m) => {
      const contact = await this.lockActive(m, id);
      const before = this.auditable(contact);
      if (input.email !== undefined || input.firstName !== undefined || input.lastName !== undefined) {
        const orgIds = (await m.query(`SELECT organisation_id FROM contact_organisations WHERE contact_id = $1`, [id])).map((r: { organisation_id: string }) => r.organisation_id);
        await this.checkDuplicates(m, { ...contact, ...input, organisations: orgIds.map((organisationId: string) => ({ organisationId })) } as CreateContactDto, id);
      }
      this.checkConsent(input, contact);
      const givesConsent = input.mailingConsent === true && !contact.mailingConsent;
      Object.assign(contact, Object.fromEntries(EDITABLE.filter((k) => input[k] !== undefined).map((k) => [k, input[k]])));
      if (input.email !== undefined) contact.email = input.email ? normaliseEmail(input.email) : null;
      if (input.interests !== undefined) contact.interests = programmeLines(input.interests);
      if (givesConsent) contact.consentAt = new Date();
      if (input.mailingConsent === false) contact.consentAt = null;
      const saved = await m.save(contact).catch(uniqueViolation);
      const changes = diff(before, this.auditable(saved));
      if (Object.keys(changes).length) await this.audit.record(m, actor, 'update', 'contact', id, changes, `${saved.firstName} ${saved.lastName}`);
      return saved;
    });
  }

  async get(id: string): Promise<ContactView> {
    if (!isUuid(id)) throw new NotFoundError('Contact');
    const contact = await this.dataSource.manager.findOne(Contact, { where: { id } });
    if (!contact) throw new NotFoundError('Contact');
    return { ...contact, name: `${contact.firstName} ${contact.lastName}`.trim(), organisations: await this.links(id) };
  }

  async links(contactId: string): Promise<ContactLinkView[]> {
    return this.dataSource.query(
      `SELECT l.id, l.organisation_id AS "organisationId", o.name AS "organisationName", l.role,
              to_char(l.started_on, 'YYYY-MM-DD') AS "startedOn", to_char(l.ended_on, 'YYYY-MM-DD') AS "endedOn",
              (l.ended_on IS NULL OR l.ended_on >= current_date) AS current
         FROM contact_organisations l JOIN organisations o ON o.id = l.organisation_id
        WHERE l.contact_id = $1 ORDER BY (l.ended_on IS NULL) DESC, l.ended_on DESC NULLS FIRST, o.name`,
      [contactId],
    );
  }

  async list(query: ContactQuery): Promise<Page<ContactView>> {
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const { where, params } = this.filters(query);
    const dir = query.dir === 'desc' ? 'DESC' : 'ASC';
    const order = SORT_SQL[query.sort ?? 'name'].split(', ').map((c) => `${c} ${dir} NULLS LAST`).join(', ');
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT c.*, (SELECT string_agg(o.name, ', ' ORDER BY o.name) FROM contact_organisations l JOIN organisations o ON o.id = l.organisation_id
                       WHERE l.contact_id = c.id AND (l.ended_on IS NULL OR l.ended_on >= current_date)) AS organisation_names
           FROM contacts c WHERE ${where} ORDER BY ${order}, c.id LIMIT ${pageSize} OFFSET ${offset}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM contacts c WHERE ${where}`, params),
    ]);
    return pageOf(rows.map(toView), count[0].n, page, pageSize);
  }

  all(query: ContactQuery): AsyncGenerator<ContactView> {
    return allPages((page, pageSize) => this.list({ ...query, page, pageSize }));
  }

  async addLink(actor: Actor, contactId: string, link: ContactOrganisationDto): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await this.lockActive(m, contactId);
      const id = await this.insertLink(m, contactId, link);
      await this.audit.record(m, actor, 'update', 'contact', contactId, { employment: { old: null, new: { id, ...link } } });
    });
  }

  /** Ends an employment (history stays): the person left the organisation on `endedOn`. */
  async endLink(actor: Actor, contactId: string, linkId: string, endedOn: string): Promise<void> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(endedOn ?? '')) throw new ValidationError([{ field: 'endedOn', message: 'must be a date YYYY-MM-DD' }]);
    await this.dataSource.transaction(async (m) => {
      // TypeORM returns [rows, count] for an UPDATE … RETURNING.
      const [updated] = await m.query(`UPDATE contact_organisations SET ended_on = $3 WHERE id = $1 AND contact_id = $2 AND (started_on IS NULL OR started_on <= $3) RETURNING id`, [linkId, contactId, endedOn]);
      if (!updated.length) throw new NotFoundError('Employment');
      await this.audit.record(m, actor, 'update', 'contact', contactId, { employmentEnded: { old: null, new: { id: linkId, endedOn } } });
    });
  }

  async merge(actor: Actor, keepId: string, mergeId: string): Promise<Contact> {
    if (actor.role !== Role.Admin) throw new ForbiddenError('Only administrators merge records');
    if (keepId === mergeId) throw new ValidationError([{ field: 'mergeId', message: 'cannot merge a record into itself' }]);
    return this.dataSource.transaction(async (m) => {
      for (const id of [keepId, mergeId].sort()) await this.lockActive(m, id);
      const keep = await this.lockActive(m, keepId);
      const gone = await this.lockActive(m, mergeId);
      const before = this.auditable(keep);
      await moveReferences((sql, params) => m.query(sql, params), CONTACT_REFERENCES, gone.id, keep.id);
      await m.query(`UPDATE contacts SET merged_into_id = $2 WHERE merged_into_id = $1`, [gone.id, keep.id]);
      const goneEmail = gone.email;
      await m.update(Contact, gone.id, { mergedIntoId: keep.id, email: null });
      for (const field of ['phone', 'jobTitle'] as const) keep[field] ??= gone[field];
      keep.email ??= goneEmail;
      keep.notes = [keep.notes, gone.notes].filter(Boolean).join('\n\n') || null;
      // An unsubscribe of either address is honoured; consent only if both had it.
      keep.unsubscribedAt = keep.unsubscribedAt ?? gone.unsubscribedAt;
      if (!keep.bouncedAt && gone.bouncedAt) {
        keep.bouncedAt = gone.bouncedAt;
        keep.bounceReason = gone.bounceReason;
      }
      keep.interests = programmeLines([...keep.interests, ...gone.interests]);
      keep.mailingConsent = keep.mailingConsent && (gone.mailingConsent || !goneEmail);
      const saved = await m.save(keep);
      await this.audit.record(m, actor, 'merge', 'contact', keep.id, { merged: { old: null, new: gone.id }, ...diff(before, this.auditable(saved)) });
      await this.audit.record(m, actor, 'merge', 'contact', gone.id, { mergedInto: { old: null, new: keep.id } });
      return saved;
    });
  }

  /** Everything the platform holds about a person (GDPR access request), as one JSON document. */
  async exportPersonalData(actor: Actor, id: string): Promise<Record<string, unknown>> {
    const contact = await this.get(id);
    const q = (sql: string) => this.dataSource.query(sql, [id]);
    const [visits, questions, support, audit, registrations, mailings, bounces] = await Promise.all([
      q(`SELECT v.id, v.visited_on AS "visitedOn", o.name AS organisation, v.notes FROM company_visit_contacts vc
           JOIN company_visits v ON v.id = vc.visit_id JOIN organisations o ON o.id = v.organisation_id WHERE vc.contact_id = $1 ORDER BY v.visited_on`),
      q(`SELECT id, question, status, raised_on AS "raisedOn", answer FROM innovation_questions WHERE contact_id = $1 ORDER BY raised_on`),
      q(`SELECT s.id, s.kind, s.title, s.started_on AS "startedOn", s.ended_on AS "endedOn" FROM support_record_contacts sc
           JOIN support_records s ON s.id = sc.support_record_id WHERE sc.contact_id = $1`),
      q(`SELECT at, action, actor_name AS "actorName", changes FROM audit_log WHERE entity = 'contact' AND entity_id = $1::text ORDER BY at`),
      q(`SELECT r.id, e.title AS event, e.starts_at AS "startsAt", r.status, r.email, r.participant_type AS "participantType", r.answers,
                r.mailing_consent AS "mailingConsent", r.created_at AS "registeredAt", r.checked_in_at AS "checkedInAt"
           FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.contact_id = $1 ORDER BY r.created_at`),
      q(`SELECT m.name AS mailing, r.email, r.status, r.reason, r.sent_at AS "sentAt", r.created_at AS "queuedAt"
           FROM mailing_recipients r JOIN mailings m ON m.id = r.mailing_id WHERE r.contact_id = $1 ORDER BY r.created_at`),
      q(`SELECT b.kind, b.reason, b.source, b.created_at AS "at" FROM mail_bounces b
           WHERE b.email_key = (SELECT lower(email) FROM contacts WHERE id = $1) ORDER BY b.created_at`),
    ]);
    await this.dataSource.transaction((m) => this.audit.record(m, actor, 'update', 'contact', id, {}, 'personal data exported'));
    return {
      exportedAt: new Date().toISOString(),
      contact,
      registrations,
      mailings,
      bounces,
      companyVisits: visits,
      innovationQuestions: questions,
      supportRecords: support,
      history: audit,
    };
  }

  /**
   * Erases a person (GDPR): name, email, phone, title, notes, interests and bounce reason (it may quote
   * the address) are removed, consent withdrawn, and the audit history of the person scrubbed of old values. The row stays, with its links to organisations,
   * visits and events, so past figures are unchanged and the person is still counted once, without a name.
   */
  async erase(actor: Actor, id: string): Promise<void> {
    if (actor.role !== Role.Admin) throw new ForbiddenError('Only administrators erase personal data');
    await this.dataSource.transaction(async (m) => {
      const contact = await this.lockActive(m, id);
      const email = contact.email;
      await m.update(Contact, id, {
        firstName: ERASED_NAME, lastName: '', email: null, phone: null, jobTitle: null, notes: null,
        mailingConsent: false, consentAt: null, consentSource: null, interests: [], bounceReason: null, erasedAt: new Date(),
      });
      await m.query(`UPDATE audit_log SET changes = '{}', summary = NULL WHERE entity = 'contact' AND entity_id = $1`, [id]);
      // Registrations keep counting (status, organisation, event) but lose the address and the answers.
      await m.query(`UPDATE registrations SET email = 'erased-' || id || '@invalid', answers = '{}', updated_at = now() WHERE contact_id = $1`, [id]);
      // Mailings keep their counts (status, times) but lose the address; the SMTP answer may quote it.
      await m.query(
        `UPDATE mailing_recipients SET email = 'erased-' || id || '@invalid', email_key = 'erased-' || id, smtp_response = NULL, message_id = NULL,
                status = CASE WHEN status = 'queued' THEN 'skipped' ELSE status END, reason = CASE WHEN status = 'queued' THEN 'erased' ELSE reason END
          WHERE contact_id = $1`,
        [id],
      );
      if (email) {
        await m.query(`DELETE FROM mail_bounces WHERE email_key = lower($1)`, [email]);
        await m.query(`DELETE FROM local_mail WHERE lower(recipients) = lower($1)`, [email]);
        await m.query(`DELETE FROM job_outbox WHERE relayed_at IS NOT NULL AND lower(payload->'mail'->>'to') = lower($1)`, [email]);
      }
      await this.audit.record(m, actor, 'erase', 'contact', id, {}, 'personal data erased');
    });
  }

  private async insertLink(m: EntityManager, contactId: string, link: ContactOrganisationDto): Promise<string> {
    if (link.startedOn && link.endedOn && link.endedOn < link.startedOn) {
      throw new ValidationError([{ field: 'organisations.endedOn', message: 'must not be before startedOn' }]);
    }
    const org = await m.query(`SELECT merged_into_id FROM organisations WHERE id = $1`, [link.organisationId]);
    if (!org.length) throw new ValidationError([{ field: 'organisations.organisationId', message: 'no such organisation' }]);
    const saved = await m.save(m.create(ContactOrganisation, {
      contactId,
      organisationId: org[0].merged_into_id ?? link.organisationId,
      role: link.role ?? null,
      startedOn: link.startedOn ?? null,
      endedOn: link.endedOn ?? null,
    }));
    return saved.id;
  }

  private async checkDuplicates(m: EntityManager, input: CreateContactDto, excludeId: string | undefined): Promise<void> {
    const duplicates = await this.findDuplicates({ ...input, organisationIds: input.organisations?.map((o) => o.organisationId) }, excludeId, m);
    const sameEmail = duplicates.find((d) => d.reasons.includes('email'));
    if (sameEmail) throw new ConflictError(`This email address belongs to ${sameEmail.name}`, [{ field: 'email', message: `is already used by "${sameEmail.name}"` }]);
    if (duplicates.length && !input.allowDuplicate) throw new PossibleContactDuplicateError(duplicates);
  }

  /** Consent is recorded with how it was given; an unsubscribe can only be undone by the person. */
  private checkConsent(input: UpdateContactDto, current: Contact | null): void {
    if (input.mailingConsent !== true || current?.mailingConsent) return;
    if (!input.consentSource) throw new ValidationError([{ field: 'consentSource', message: 'say how consent was given' }]);
    if (current?.unsubscribedAt) {
      throw new ValidationError([{ field: 'mailingConsent', message: 'this person unsubscribed: only they can subscribe again, through the link in any mailing' }]);
    }
  }

  private async lockActive(m: EntityManager, id: string): Promise<Contact> {
    if (!isUuid(id)) throw new NotFoundError('Contact');
    const contact = await m.findOne(Contact, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!contact) throw new NotFoundError('Contact');
    if (contact.mergedIntoId) throw new ConflictError('This contact was merged into another one', [{ field: 'id', message: `merged into ${contact.mergedIntoId}` }]);
    if (contact.erasedAt) throw new ConflictError('This contact was erased');
    return contact;
  }

  private toColumns(input: CreateContactDto): Partial<Contact> {
    return {
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email ? normaliseEmail(input.email) : null,
      phone: input.phone ?? null,
      jobTitle: input.jobTitle ?? null,
      language: input.language ?? 'nl',
      mailingConsent: input.mailingConsent ?? false,
      consentSource: input.mailingConsent ? (input.consentSource ?? null) : null,
      interests: programmeLines(input.interests ?? []),
      notes: input.notes ?? null,
    };
  }

  private auditable(c: Partial<Contact>): Record<string, unknown> {
    return Object.fromEntries([...EDITABLE, 'consentAt', 'unsubscribedAt'].map((k) => [k, (c as Record<string, unknown>)[k] ?? null]));
  }

  private filters(q: ContactQuery): { where: string; params: unknown[] } {
    const clauses = ['c.merged_into_id IS NULL'];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      clauses.push(sql.replace(/\?/g, `$${params.length}`));
    };
    if (q.q?.trim()) add(`((c.first_name || ' ' || c.last_name) ILIKE ? OR c.email ILIKE ?)`, `%${escapeLike(q.q.trim())}%`);
    if (q.organisationId) add(`EXISTS (SELECT 1 FROM contact_organisations l WHERE l.contact_id = c.id AND l.organisation_id = ?)`, q.organisationId);
    if (q.municipality) {
      const inner = q.municipality === OUTSIDE_REGION ? 'o.in_region = false' : 'o.municipality_key = ?';
      const sql = `EXISTS (SELECT 1 FROM contact_organisations l JOIN organisations o ON o.id = l.organisation_id
                    WHERE l.contact_id = c.id AND (l.ended_on IS NULL OR l.ended_on >= current_date) AND ${inner})`;
      if (q.municipality === OUTSIDE_REGION) clauses.push(sql);
      else add(sql, textKey(q.municipality));
    }
    if (q.consent === 'yes') clauses.push('c.mailing_consent AND c.unsubscribed_at IS NULL');
    if (q.consent === 'no') clauses.push('NOT (c.mailing_consent AND c.unsubscribed_at IS NULL)');
    if (q.language) add('c.language = ?', q.language);
    if (q.interest) add('? = ANY(c.interests)', q.interest);
    if (q.from) add(`c.created_at >= (?::date AT TIME ZONE 'Europe/Amsterdam')`, q.from);
    if (q.to) add(`c.created_at < ((?::date + 1) AT TIME ZONE 'Europe/Amsterdam')`, q.to);
    return { where: clauses.join(' AND '), params };
  }
}

function toView(r: Record<string, unknown>): ContactView {
  return {
    id: r.id as string,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    name: `${r.first_name} ${r.last_name}`.trim(),
    email: r.email as string | null,
    phone: r.phone as string | null,
    jobTitle: r.job_title as string | null,
    language: r.language as 'nl' | 'en',
    mailingConsent: r.mailing_consent as boolean,
    consentAt: r.consent_at as Date | null,
    consentSource: r.consent_source as string | null,
    unsubscribedAt: r.unsubscribed_at as Date | null,
    bouncedAt: r.bounced_at as Date | null,
    bounceReason: r.bounce_reason as string | null,
    interests: (r.interests as string[] | null) ?? [],
    notes: r.notes as string | null,
    erasedAt: r.erased_at as Date | null,
    mergedIntoId: r.merged_into_id as string | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    organisations: ((r.organisation_names as string | null) ?? '')
      .split(', ')
      .filter(Boolean)
      .map((name) => ({ organisationName: name }) as ContactLinkView),
  };
}
