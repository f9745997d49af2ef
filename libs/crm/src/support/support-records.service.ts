import { allPages, ConflictError, escapeLike, FieldError, ForbiddenError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { Actor, Role } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry, AuditService, diff } from '../audit/audit.service';
import { OUTSIDE_REGION, textKey } from '../municipalities';
import {
  CreateSupportRecordDto, isDateOnly, LinkedContactView, SupportRecordQuery, SupportRecordSummary, SupportRecordView, UpdateSupportRecordDto,
} from './support-record.dto';
import { DEFAULT_PROGRAMME_LINE, SUPPORT_RECORD_ENTITY } from './support.constants';

export const isUuid = (id: unknown): id is string => typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

const SORT_SQL: Record<string, string> = {
  startedOn: 's.started_on',
  endedOn: 's.ended_on',
  title: 'lower(s.title)',
  kind: 's.kind',
  created: 's.created_at',
  updated: 's.updated_at',
};

/** One row per record with its organisations (by name) and how many persons it involves. */
const SUMMARY_SQL = `
  SELECT s.id, s.kind, s.title, s.programme_line AS "programmeLine",
         to_char(s.started_on, 'YYYY-MM-DD') AS "startedOn", to_char(s.ended_on, 'YYYY-MM-DD') AS "endedOn",
         s.notes, s.created_at AS "createdAt", s.updated_at AS "updatedAt",
         coalesce((SELECT json_agg(json_build_object('id', o.id, 'name', o.name, 'municipality', o.municipality, 'inRegion', o.in_region) ORDER BY o.name, o.id)
                     FROM support_record_organisations so JOIN organisations o ON o.id = so.organisation_id
                    WHERE so.support_record_id = s.id), '[]'::json) AS organisations,
         (SELECT count(*)::int FROM support_record_contacts sc WHERE sc.support_record_id = s.id) AS "contactCount"
    FROM support_records s`;

type Snapshot = {
  kind: string;
  title: string;
  programmeLine: string;
  startedOn: string;
  endedOn: string | null;
  notes: string | null;
  organisationIds: string[];
  contactIds: string[];
};

/**
 * Support records: innovation trajectories, clusters, cooperation projects, funding support, plan
 * support and training trajectories, each linking organisations (and persons) to dates and a programme
 * line. The year plan targets count the distinct organisations linked to them. Every change is written
 * to the audit log in the same transaction.
 */
@Injectable()
export class SupportRecordsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor | 'system', input: CreateSupportRecordDto): Promise<SupportRecordView> {
    requireDates(input.startedOn, input.endedOn ?? null);
    return this.dataSource.transaction(async (m) => {
      const organisationIds = await this.resolveOrganisations(m, input.organisationIds ?? []);
      if (!organisationIds.length) throw new ValidationError([{ field: 'organisationIds', message: 'link at least one organisation', rule: 'arrayNotEmpty' }]);
      const contactIds = await this.resolveContacts(m, input.contactIds ?? []);
      const [row] = await m.query(
        `INSERT INTO support_records (kind, title, programme_line, started_on, ended_on, notes) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [input.kind, input.title, input.programmeLine ?? DEFAULT_PROGRAMME_LINE[input.kind], input.startedOn, input.endedOn ?? null, input.notes ?? null],
      );
      await m.query(`INSERT INTO support_record_organisations (support_record_id, organisation_id) SELECT $1, unnest($2::uuid[])`, [row.id, organisationIds]);
      if (contactIds.length) await m.query(`INSERT INTO support_record_contacts (support_record_id, contact_id) SELECT $1, unnest($2::uuid[])`, [row.id, contactIds]);
      const after = await this.snapshot(m, row.id);
      await this.audit.record(m, actor, 'create', SUPPORT_RECORD_ENTITY, row.id, diff({}, { ...after }), after.title);
      return this.get(row.id, m);
    });
  }

  async update(actor: Actor | 'system', id: string, input: UpdateSupportRecordDto): Promise<SupportRecordView> {
    for (const field of ['kind', 'title', 'programmeLine', 'startedOn'] as const) {
      if (input[field] === null) throw new ValidationError([{ field, message: `${field} cannot be removed`, rule: 'isNotEmpty' }]);
    }
    return this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      const next = {
        kind: input.kind ?? before.kind,
        title: input.title ?? before.title,
        programmeLine: input.programmeLine ?? before.programmeLine,
        startedOn: input.startedOn ?? before.startedOn,
        endedOn: input.endedOn === undefined ? before.endedOn : input.endedOn,
        notes: input.notes === undefined ? before.notes : input.notes,
      };
      requireDates(next.startedOn, next.endedOn);
      const changes = diff(before, { ...before, ...next });
      if (Object.keys(changes).length) {
        await m.query(
          `UPDATE support_records SET kind = $2, title = $3, programme_line = $4, started_on = $5, ended_on = $6, notes = $7, updated_at = now() WHERE id = $1`,
          [id, next.kind, next.title, next.programmeLine, next.startedOn, next.endedOn, next.notes],
        );
        await this.audit.record(m, actor, 'update', SUPPORT_RECORD_ENTITY, id, changes, next.title);
      }
      return this.get(id, m);
    });
  }

  /** Removes a record for good (admins only); the audit log keeps what it held. */
  async delete(actor: Actor, id: string): Promise<void> {
    if (actor.role !== Role.Admin) throw new ForbiddenError('Only administrators delete support records');
    await this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      await m.query(`DELETE FROM support_records WHERE id = $1`, [id]);
      await this.audit.record(m, actor, 'delete', SUPPORT_RECORD_ENTITY, id, diff({ ...before }, {}), before.title);
    });
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<SupportRecordView> {
    if (!isUuid(id)) throw new NotFoundError('Support record');
    const [summary] = await manager.query(`${SUMMARY_SQL} WHERE s.id = $1`, [id]);
    if (!summary) throw new NotFoundError('Support record');
    const contacts: LinkedContactView[] = await manager.query(
      `SELECT c.id, trim(c.first_name || ' ' || c.last_name) AS name, c.email, (c.erased_at IS NOT NULL) AS erased
         FROM support_record_contacts sc JOIN contacts c ON c.id = sc.contact_id
        WHERE sc.support_record_id = $1 ORDER BY c.last_name, c.first_name, c.id`,
      [id],
    );
    return { ...summary, contacts };
  }

  async list(query: SupportRecordQuery): Promise<Page<SupportRecordSummary>> {
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const { where, params } = filters(query);
    const dir = (query.dir ?? (query.sort ? 'asc' : 'desc')) === 'desc' ? 'DESC' : 'ASC';
    const order = `${SORT_SQL[query.sort ?? 'startedOn']} ${dir} NULLS LAST, s.created_at ${dir}, s.id`;
    const [rows, count] = await Promise.all([
      this.dataSource.query(`${SUMMARY_SQL} WHERE ${where} ORDER BY ${order} LIMIT ${pageSize} OFFSET ${offset}`, params),
      this.dataSource.query(`SELECT count(*)::int AS n FROM support_records s WHERE ${where}`, params),
    ]);
    return pageOf(rows, count[0].n, page, pageSize);
  }

  all(query: SupportRecordQuery): AsyncGenerator<SupportRecordSummary> {
    return allPages((page, pageSize) => this.list({ ...query, page, pageSize }));
  }

  /** The records an organisation (or one merged into it) takes part in, newest first: its timeline. */
  async forOrganisation(organisationId: string): Promise<SupportRecordSummary[]> {
    if (!isUuid(organisationId)) throw new NotFoundError('Organisation');
    const org = await this.dataSource.query(`SELECT coalesce(merged_into_id, id) AS id FROM organisations WHERE id = $1`, [organisationId]);
    if (!org.length) throw new NotFoundError('Organisation');
    return this.dataSource.query(
      `${SUMMARY_SQL} WHERE EXISTS (SELECT 1 FROM support_record_organisations so WHERE so.support_record_id = s.id AND so.organisation_id = $1)
        ORDER BY s.started_on DESC, s.created_at DESC, s.id`,
      [org[0].id],
    );
  }

  async addOrganisation(actor: Actor | 'system', id: string, organisationId: string): Promise<SupportRecordView> {
    return this.changeLinks(actor, id, async (m) => {
      const [resolved] = await this.resolveOrganisations(m, [organisationId], 'organisationId', true);
      await m.query(`INSERT INTO support_record_organisations (support_record_id, organisation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [id, resolved]);
    });
  }

  /** Unlinks an organisation; the last one cannot go (a record is always about at least one). */
  async removeOrganisation(actor: Actor | 'system', id: string, organisationId: string): Promise<SupportRecordView> {
    return this.changeLinks(actor, id, async (m, before) => {
      const [resolved] = await this.resolveOrganisations(m, [organisationId], 'organisationId', true);
      if (!before.organisationIds.includes(resolved)) throw new NotFoundError('Linked organisation');
      if (before.organisationIds.length === 1) {
        throw new ConflictError('A support record needs at least one organisation: link another one first, or delete the record', [
          { field: 'organisationId', message: 'is the only linked organisation', rule: 'lastOrganisation' },
        ]);
      }
      await m.query(`DELETE FROM support_record_organisations WHERE support_record_id = $1 AND organisation_id = $2`, [id, resolved]);
    });
  }

  async addContact(actor: Actor | 'system', id: string, contactId: string): Promise<SupportRecordView> {
    return this.changeLinks(actor, id, async (m) => {
      const [resolved] = await this.resolveContacts(m, [contactId], 'contactId', true);
      await m.query(`INSERT INTO support_record_contacts (support_record_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [id, resolved]);
    });
  }

  async removeContact(actor: Actor | 'system', id: string, contactId: string): Promise<SupportRecordView> {
    return this.changeLinks(actor, id, async (m, before) => {
      const target = isUuid(contactId) ? contactId.toLowerCase() : '';
      if (!before.contactIds.includes(target)) throw new NotFoundError('Linked contact');
      await m.query(`DELETE FROM support_record_contacts WHERE support_record_id = $1 AND contact_id = $2`, [id, target]);
    });
  }

  /** Who changed what on a record, newest first. */
  history(id: string, page = 1, pageSize = 20): Promise<Page<AuditEntry>> {
    return this.audit.forEntity(SUPPORT_RECORD_ENTITY, id, page, pageSize);
  }

  /** Locks the record, applies `change` to its links, and audits (and touches) it when anything changed. */
  private async changeLinks(actor: Actor | 'system', id: string, change: (m: EntityManager, before: Snapshot) => Promise<void>): Promise<SupportRecordView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      await change(m, before);
      const after = await this.snapshot(m, id);
      const changes = diff({ organisationIds: before.organisationIds, contactIds: before.contactIds }, { organisationIds: after.organisationIds, contactIds: after.contactIds });
      if (Object.keys(changes).length) {
        await m.query(`UPDATE support_records SET updated_at = now() WHERE id = $1`, [id]);
        await this.audit.record(m, actor, 'update', SUPPORT_RECORD_ENTITY, id, changes, after.title);
      }
      return this.get(id, m);
    });
  }

  private async lock(m: EntityManager, id: string): Promise<Snapshot> {
    if (!isUuid(id)) throw new NotFoundError('Support record');
    const found = await m.query(`SELECT id FROM support_records WHERE id = $1 FOR UPDATE`, [id]);
    if (!found.length) throw new NotFoundError('Support record');
    return this.snapshot(m, id);
  }

  /** The record as the audit log describes it. */
  private async snapshot(m: EntityManager, id: string): Promise<Snapshot> {
    const [row] = await m.query(
      `SELECT s.kind, s.title, s.programme_line AS "programmeLine", to_char(s.started_on, 'YYYY-MM-DD') AS "startedOn",
              to_char(s.ended_on, 'YYYY-MM-DD') AS "endedOn", s.notes,
              ARRAY(SELECT organisation_id::text FROM support_record_organisations WHERE support_record_id = s.id ORDER BY 1) AS "organisationIds",
              ARRAY(SELECT contact_id::text FROM support_record_contacts WHERE support_record_id = s.id ORDER BY 1) AS "contactIds"
         FROM support_records s WHERE s.id = $1`,
      [id],
    );
    return row;
  }

  /**
   * Organisation ids → the organisations to link: a merged one becomes the one it was merged into.
   * Locked (in id order, as a merge locks them) so a merge cannot move them away meanwhile.
   * Unknown ids are a ValidationError on `field` (or NotFoundError for a single id from a path).
   */
  private async resolveOrganisations(m: EntityManager, given: string[], field = 'organisationIds', single = false): Promise<string[]> {
    const ids = [...new Set(given.map((id) => (isUuid(id) ? id.toLowerCase() : id)))];
    const rows: { id: string; survivor: string }[] = ids.every(isUuid)
      ? await m.query(`SELECT id, coalesce(merged_into_id, id) AS survivor FROM organisations WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`, [ids])
      : [];
    const found = new Map(rows.map((r) => [r.id, r.survivor]));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) {
      if (single) throw new NotFoundError('Organisation');
      throw new ValidationError([{ field, message: `no such organisation: ${missing.join(', ')}`, rule: 'unknownOrganisation' }]);
    }
    const survivors = [...new Set(ids.map((id) => found.get(id) as string))];
    const unlocked = survivors.filter((id) => !found.has(id));
    if (unlocked.length) await m.query(`SELECT id FROM organisations WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`, [unlocked]);
    return survivors;
  }

  /** Contact ids → the persons to link: a merged one becomes its survivor; erased persons are refused. */
  private async resolveContacts(m: EntityManager, given: string[], field = 'contactIds', single = false): Promise<string[]> {
    const ids = [...new Set(given.map((id) => (isUuid(id) ? id.toLowerCase() : id)))];
    if (!ids.length) return [];
    const rows: { id: string; survivor: string; erased: boolean }[] = ids.every(isUuid)
      ? await m.query(
          `SELECT c.id, coalesce(c.merged_into_id, c.id) AS survivor, (coalesce(s.erased_at, c.erased_at) IS NOT NULL) AS erased
             FROM contacts c LEFT JOIN contacts s ON s.id = c.merged_into_id
            WHERE c.id = ANY($1::uuid[]) ORDER BY c.id FOR SHARE OF c`,
          [ids],
        )
      : [];
    const found = new Map(rows.map((r) => [r.id, r]));
    const errors: FieldError[] = [];
    const missing = ids.filter((id) => !found.has(id));
    const erased = rows.filter((r) => r.erased).map((r) => r.id);
    if (missing.length) {
      if (single) throw new NotFoundError('Contact');
      errors.push({ field, message: `no such contact: ${missing.join(', ')}`, rule: 'unknownContact' });
    }
    if (erased.length) {
      if (single) throw new ConflictError('This contact was erased', [{ field, message: 'was erased', rule: 'erasedContact' }]);
      errors.push({ field, message: `erased contacts cannot be linked: ${erased.join(', ')}`, rule: 'erasedContact' });
    }
    if (errors.length) throw new ValidationError(errors);
    return [...new Set(rows.map((r) => r.survivor))];
  }
}

function requireDates(startedOn: string, endedOn: string | null): void {
  const errors: FieldError[] = [];
  if (!isDateOnly(startedOn)) errors.push({ field: 'startedOn', message: 'startedOn must be a date YYYY-MM-DD', rule: 'isDateOnly' });
  if (endedOn !== null && !isDateOnly(endedOn)) errors.push({ field: 'endedOn', message: 'endedOn must be a date YYYY-MM-DD', rule: 'isDateOnly' });
  else if (endedOn !== null && endedOn < startedOn) errors.push({ field: 'endedOn', message: 'endedOn must not be before startedOn', rule: 'endedBeforeStart' });
  if (errors.length) throw new ValidationError(errors);
}

function filters(q: SupportRecordQuery): { where: string; params: unknown[] } {
  const clauses = ['true'];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace(/\?/g, `$${params.length}`));
  };
  const linked = (condition: string) =>
    `EXISTS (SELECT 1 FROM support_record_organisations so JOIN organisations o ON o.id = so.organisation_id WHERE so.support_record_id = s.id AND ${condition})`;
  if (q.q?.trim()) add('s.title ILIKE ?', `%${escapeLike(q.q.trim())}%`);
  if (q.kind) add('s.kind = ?', q.kind);
  if (q.programmeLine) add('s.programme_line = ?', q.programmeLine);
  if (q.organisationId) add(linked('o.id = (SELECT coalesce(merged_into_id, id) FROM organisations WHERE id = ?::uuid)'), q.organisationId);
  if (q.organisation?.trim()) {
    // The name contains the text, or the text is the organisation's label as the pickers offer it: "Name (Municipality)".
    const text = q.organisation.replace(/\s+/g, ' ').trim();
    params.push(`%${escapeLike(text)}%`, text.toLowerCase());
    const [like, exact] = [params.length - 1, params.length];
    const label = `o.name || coalesce(' (' || o.municipality || ')', '')`;
    clauses.push(linked(`(o.name ILIKE $${like} OR lower(${label}) = $${exact} OR lower(${label} || ' [' || left(o.id::text, 8) || ']') = $${exact})`));
  }
  if (q.municipality) {
    if (q.municipality === OUTSIDE_REGION) clauses.push(linked('o.in_region = false'));
    else add(linked('o.municipality_key = ?'), textKey(q.municipality));
  }
  // Active in [from, to]: started by the end of the period and not ended before its start.
  if (q.to) add('s.started_on <= ?::date', q.to);
  if (q.from) add('(s.ended_on IS NULL OR s.ended_on >= ?::date)', q.from);
  return { where: clauses.join(' AND '), params };
}
