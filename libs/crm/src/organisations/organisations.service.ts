import { allPages, ConflictError, escapeLike, ForbiddenError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { Actor, Role } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, diff } from '../audit/audit.service';
import { moveReferences, ORGANISATION_REFERENCES } from '../merge-references';
import { organisationNameKey, OUTSIDE_REGION, parseMunicipality, textKey } from '../municipalities';
import { Organisation } from './organisation.entity';
import { CreateOrganisationDto, OrganisationQuery, UpdateOrganisationDto } from './organisation.dto';

export interface DuplicateCandidate {
  id: string;
  name: string;
  kvkNumber: string | null;
  municipality: string | null;
  reasons: ('kvk' | 'name')[];
}

/** Likely duplicates were found; saving needs `allowDuplicate`. Mapped to 409 with the candidates. */
export class PossibleDuplicateError extends ConflictError {
  constructor(readonly duplicates: DuplicateCandidate[]) {
    super('Likely duplicates exist: check them, or save anyway with allowDuplicate', [
      { field: 'name', message: `looks like ${duplicates.map((d) => `"${d.name}"`).join(', ')}` },
    ]);
    this.details = { duplicates };
  }
}

export interface TimelineItem {
  kind: 'visit' | 'question' | 'follow_up' | 'support' | 'registration' | 'group';
  id: string;
  day: string;
  title: string | null;
  who: string | null;
  status: string | null;
  href: string;
}

export interface OrganisationView extends Omit<Organisation, 'nameKey' | 'municipalityKey'> {
  accountManagerName?: string | null;
}

const SORT_SQL: Record<string, string> = { name: 'o.name', municipality: 'o.municipality', created: 'o.created_at', updated: 'o.updated_at' };
const EDITABLE: (keyof CreateOrganisationDto)[] = [
  'name', 'type', 'kvkNumber', 'municipality', 'street', 'postcode', 'city', 'sector', 'sizeClass', 'website', 'tags', 'notes', 'accountManagerId',
];

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

@Injectable()
export class OrganisationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Same KvK, or the same name (ignoring case, accents, legal form) in the same municipality. */
  async findDuplicates(input: { name?: string; kvkNumber?: string | null; municipality?: string | null }, excludeId?: string, manager: EntityManager = this.dataSource.manager): Promise<DuplicateCandidate[]> {
    const nameKey = input.name ? organisationNameKey(input.name) : null;
    const municipalityKey = parseMunicipality(input.municipality)?.key ?? null;
    const rows: (DuplicateCandidate & { kvk_match: boolean; name_match: boolean })[] = await manager.query(
      `SELECT id, name, kvk_number AS "kvkNumber", municipality,
              (kvk_number IS NOT NULL AND kvk_number = $1) AS kvk_match,
              (name_key = $2 AND municipality_key IS NOT DISTINCT FROM $3) AS name_match
         FROM organisations
        WHERE merged_into_id IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)
          AND ((kvk_number IS NOT NULL AND kvk_number = $1) OR (name_key = $2 AND municipality_key IS NOT DISTINCT FROM $3))
        ORDER BY name LIMIT 10`,
      [input.kvkNumber ?? null, nameKey, municipalityKey, excludeId ?? null],
    );
    return rows.map(({ kvk_match, name_match, ...r }) => ({ ...r, reasons: [...(kvk_match ? ['kvk' as const] : []), ...(name_match ? ['name' as const] : [])] }));
  }

  async create(actor: Actor | 'system', input: CreateOrganisationDto, manager?: EntityManager): Promise<Organisation> {
    const run = async (m: EntityManager) => {
      await this.checkDuplicates(m, input, undefined);
      const org = m.create(Organisation, this.toColumns(input));
      if (actor !== 'system' && actor.role === Role.AccountManager && !input.accountManagerId) org.accountManagerId = actor.id;
      const saved = await m.save(org).catch(uniqueViolation);
      await this.audit.record(m, actor, 'create', 'organisation', saved.id, diff({}, this.auditable(saved)), saved.name);
      return saved;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async update(actor: Actor, id: string, input: UpdateOrganisationDto): Promise<Organisation> {
    return this.dataSource.transaction(async (m) => {
      const org = await this.lockActive(m, id);
      const before = this.auditable(org);
      const next = { ...before, ...Object.fromEntries(EDITABLE.filter((k) => input[k] !== undefined).map((k) => [k, input[k]])) } as unknown as CreateOrganisationDto;
      const identityChanged = ['name', 'kvkNumber', 'municipality'].some((k) => input[k as keyof UpdateOrganisationDto] !== undefined);
      if (identityChanged) await this.checkDuplicates(m, { ...next, allowDuplicate: input.allowDuplicate }, id);
      Object.assign(org, this.toColumns(next));
      const saved = await m.save(org).catch(uniqueViolation);
      const changes = diff(before, this.auditable(saved));
      if (Object.keys(changes).length) await this.audit.record(m, actor, 'update', 'organisation', id, changes, saved.name);
      return saved;
    });
  }

  async get(id: string): Promise<OrganisationView> {
    if (!isUuid(id)) throw new NotFoundError('Organisation');
    const rows = await this.dataSource.query(
      `SELECT o.*, u.name AS account_manager_name FROM organisations o LEFT JOIN users u ON u.id = o.account_manager_id WHERE o.id = $1`,
      [id],
    );
    if (!rows.length) throw new NotFoundError('Organisation');
    return toView(rows[0]);
  }

  async list(query: OrganisationQuery): Promise<Page<OrganisationView>> {
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const { where, params } = this.filters(query);
    const order = `${SORT_SQL[query.sort ?? 'name']} ${query.dir === 'desc' ? 'DESC' : 'ASC'} NULLS LAST, o.id`;
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT o.*, u.name AS account_manager_name FROM organisations o LEFT JOIN users u ON u.id = o.account_manager_id
          WHERE ${where} ORDER BY ${order} LIMIT ${pageSize} OFFSET ${offset}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM organisations o WHERE ${where}`, params),
    ]);
    return pageOf(rows.map(toView), count[0].n, page, pageSize);
  }

  all(query: OrganisationQuery): AsyncGenerator<OrganisationView> {
    return allPages((page, pageSize) => this.list({ ...query, page, pageSize }));
  }

  /**
   * One history of everything that happened with an organisation, newest first: visits, innovation
   * questions, follow-ups, support records, registrations, group attendance and the mailings its people received.
   */
  async timeline(id: string, limit = 200): Promise<TimelineItem[]> {
    return this.dataSource.query(
      `SELECT * FROM (
         SELECT 'visit' AS kind, v.id, v.visited_on::text AS day, coalesce(nullif(array_to_string(v.themes, ', '), ''), left(v.notes, 140)) AS title,
                u.name AS who, NULL AS status, '/crm/visits/' || v.id AS href, v.created_at
           FROM company_visits v JOIN users u ON u.id = v.account_manager_id WHERE v.organisation_id = $1
         UNION ALL
         SELECT 'question', q.id, q.raised_on::text, left(q.question, 140), NULL, q.status, '/crm/questions/' || q.id, q.created_at
           FROM innovation_questions q WHERE q.organisation_id = $1
         UNION ALL
         SELECT 'follow_up', f.id, coalesce(f.due_on, f.created_at::date)::text, left(f.description, 140), u.name,
                CASE WHEN f.done_at IS NOT NULL THEN 'done' ELSE 'open' END, '/crm/follow-ups/' || f.id, f.created_at
           FROM follow_up_actions f JOIN users u ON u.id = f.assignee_id WHERE f.organisation_id = $1
         UNION ALL
         SELECT 'support', s.id, s.started_on::text, s.title, NULL, s.kind, '/crm/support/' || s.id, s.created_at
           FROM support_records s JOIN support_record_organisations so ON so.support_record_id = s.id WHERE so.organisation_id = $1
         UNION ALL
         SELECT 'registration', r.id, (e.starts_at AT TIME ZONE 'Europe/Amsterdam')::date::text, e.title,
                c.first_name || ' ' || c.last_name, r.status, '/manage/events/' || e.id, r.created_at
           FROM registrations r JOIN events e ON e.id = r.event_id JOIN contacts c ON c.id = r.contact_id WHERE r.organisation_id = $1
         UNION ALL
         SELECT 'group', g.id, (e.starts_at AT TIME ZONE 'Europe/Amsterdam')::date::text, e.title || ': ' || g.label,
                NULL, g.headcount::text, '/manage/events/' || e.id, g.created_at
           FROM group_attendances g JOIN events e ON e.id = g.event_id WHERE g.organisation_id = $1
         UNION ALL
         SELECT 'mailing', m.id, (min(r.sent_at) AT TIME ZONE 'Europe/Amsterdam')::date::text, m.name,
                string_agg(c.first_name || ' ' || c.last_name, ', ' ORDER BY c.last_name), count(*)::text, '/manage/mailings/' || m.id, min(r.sent_at)
           FROM mailing_recipients r JOIN mailings m ON m.id = r.mailing_id JOIN contacts c ON c.id = r.contact_id
          WHERE r.status = 'sent' AND EXISTS (SELECT 1 FROM contact_organisations co WHERE co.contact_id = r.contact_id AND co.organisation_id = $1)
          GROUP BY m.id, m.name
       ) t ORDER BY day DESC, created_at DESC LIMIT $2`,
      [id, limit],
    );
  }

  /** Organisations whose name resembles this one's (trigram similarity): candidates to merge. */
  async similar(id: string, limit = 10): Promise<(DuplicateCandidate & { similarity: number })[]> {
    return this.dataSource.query(
      `SELECT o.id, o.name, o.kvk_number AS "kvkNumber", o.municipality, round(similarity(o.name, me.name)::numeric, 2)::float AS similarity
         FROM organisations me JOIN organisations o ON o.id <> me.id AND o.merged_into_id IS NULL AND o.name % me.name
        WHERE me.id = $1 ORDER BY similarity DESC, o.name LIMIT $2`,
      [id, limit],
    );
  }

  /** Distinct values for filter menus. */
  async facets(): Promise<{ municipalities: string[]; sectors: string[]; tags: string[] }> {
    const [m, s, t] = await Promise.all([
      this.dataSource.query(`SELECT DISTINCT municipality AS v FROM organisations WHERE municipality IS NOT NULL AND merged_into_id IS NULL ORDER BY 1 LIMIT 500`),
      this.dataSource.query(`SELECT DISTINCT sector AS v FROM organisations WHERE sector IS NOT NULL AND merged_into_id IS NULL ORDER BY 1 LIMIT 500`),
      this.dataSource.query(`SELECT DISTINCT unnest(tags) AS v FROM organisations WHERE merged_into_id IS NULL ORDER BY 1 LIMIT 500`),
    ]);
    const pick = (rows: { v: string }[]) => rows.map((r) => r.v);
    return { municipalities: pick(m), sectors: pick(s), tags: pick(t) };
  }

  /**
   * Merges `mergeId` into `keepId` (admins only): every visit, question, follow-up, support record,
   * contact link (and, as they come, registrations and mailings) moves to the survivor; empty fields of
   * the survivor are filled from the other; the other stays as a row pointing at the survivor.
   */
  async merge(actor: Actor, keepId: string, mergeId: string): Promise<Organisation> {
    if (actor.role !== Role.Admin) throw new ForbiddenError('Only administrators merge records');
    if (keepId === mergeId) throw new ValidationError([{ field: 'mergeId', message: 'cannot merge a record into itself' }]);
    return this.dataSource.transaction(async (m) => {
      // Lock both in id order, so two merges of the same pair cannot deadlock.
      const [a, b] = [keepId, mergeId].sort();
      await this.lockActive(m, a);
      await this.lockActive(m, b);
      const keep = await this.lockActive(m, keepId);
      const gone = await this.lockActive(m, mergeId);
      const before = this.auditable(keep);
      await moveReferences((sql, params) => m.query(sql, params), ORGANISATION_REFERENCES, gone.id, keep.id);
      await m.query(`UPDATE organisations SET merged_into_id = $2 WHERE merged_into_id = $1`, [gone.id, keep.id]);
      const goneKvk = gone.kvkNumber;
      await m.update(Organisation, gone.id, { mergedIntoId: keep.id, kvkNumber: null });
      for (const field of ['kvkNumber', 'municipality', 'street', 'postcode', 'city', 'sector', 'sizeClass', 'website', 'accountManagerId'] as const) {
        if (keep[field] === null || keep[field] === undefined) (keep as unknown as Record<string, unknown>)[field] = field === 'kvkNumber' ? goneKvk : gone[field];
      }
      keep.tags = [...new Set([...keep.tags, ...gone.tags])];
      keep.notes = [keep.notes, gone.notes].filter(Boolean).join('\n\n') || null;
      keep.needsReview = keep.needsReview && gone.needsReview;
      Object.assign(keep, this.toColumns(this.auditable(keep) as unknown as CreateOrganisationDto));
      const saved = await m.save(keep);
      await this.audit.record(m, actor, 'merge', 'organisation', keep.id, { merged: { old: null, new: gone.id }, ...diff(before, this.auditable(saved)) }, `${gone.name} merged into ${keep.name}`);
      await this.audit.record(m, actor, 'merge', 'organisation', gone.id, { mergedInto: { old: null, new: keep.id } }, `merged into ${keep.name}`);
      return saved;
    });
  }

  /** Deletes an organisation that nothing refers to (admins only); otherwise 409: merge it instead. */
  async delete(actor: Actor, id: string): Promise<void> {
    if (actor.role !== Role.Admin) throw new ForbiddenError('Only administrators delete records');
    await this.dataSource.transaction(async (m) => {
      const org = await this.lockActive(m, id);
      for (const ref of ORGANISATION_REFERENCES) {
        const used = await m.query(`SELECT 1 FROM ${ref.table} WHERE ${ref.column} = $1 LIMIT 1`, [id]);
        if (used.length) throw new ConflictError('This organisation has history (visits, contacts, records): merge it into another instead of deleting');
      }
      await m.query(`DELETE FROM organisations WHERE id = $1`, [id]);
      await this.audit.record(m, actor, 'delete', 'organisation', id, diff(this.auditable(org), {}), org.name);
    });
  }

  private async checkDuplicates(m: EntityManager, input: CreateOrganisationDto, excludeId: string | undefined): Promise<void> {
    const duplicates = await this.findDuplicates(input, excludeId, m);
    const sameKvk = duplicates.filter((d) => d.reasons.includes('kvk'));
    if (sameKvk.length) {
      throw new ConflictError(`KvK number ${input.kvkNumber} belongs to ${sameKvk[0].name}`, [{ field: 'kvkNumber', message: `is already used by "${sameKvk[0].name}"` }]);
    }
    if (duplicates.length && !input.allowDuplicate) throw new PossibleDuplicateError(duplicates);
  }

  private async lockActive(m: EntityManager, id: string): Promise<Organisation> {
    if (!isUuid(id)) throw new NotFoundError('Organisation');
    const org = await m.findOne(Organisation, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!org) throw new NotFoundError('Organisation');
    if (org.mergedIntoId) throw new ConflictError('This organisation was merged into another one', [{ field: 'id', message: `merged into ${org.mergedIntoId}` }]);
    return org;
  }

  private toColumns(input: CreateOrganisationDto): Partial<Organisation> {
    const municipality = parseMunicipality(input.municipality);
    return {
      name: input.name,
      nameKey: organisationNameKey(input.name),
      type: input.type,
      kvkNumber: input.kvkNumber ?? null,
      municipality: municipality?.name ?? null,
      municipalityKey: municipality?.key ?? null,
      inRegion: municipality?.inRegion ?? false,
      street: input.street ?? null,
      postcode: input.postcode ?? null,
      city: input.city ?? null,
      sector: input.sector ?? null,
      sizeClass: input.sizeClass ?? null,
      website: input.website ?? null,
      tags: input.tags ?? [],
      notes: input.notes ?? null,
      accountManagerId: input.accountManagerId ?? null,
    };
  }

  private auditable(o: Partial<Organisation>): Record<string, unknown> {
    return Object.fromEntries(EDITABLE.map((k) => [k, (o as Record<string, unknown>)[k] ?? null]));
  }

  private filters(q: OrganisationQuery): { where: string; params: unknown[] } {
    const clauses = ['o.merged_into_id IS NULL'];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      clauses.push(sql.replace(/\?/g, `$${params.length}`));
    };
    if (q.q?.trim()) {
      const text = q.q.trim();
      if (/^\d{8}$/.test(text.replace(/[\s.]/g, ''))) add('o.kvk_number = ?', text.replace(/[\s.]/g, ''));
      else add(`(o.name ILIKE ? OR o.city ILIKE ?)`, `%${escapeLike(text)}%`);
    }
    if (q.type) add('o.type = ?', q.type);
    if (q.municipality) {
      if (q.municipality === OUTSIDE_REGION) clauses.push('o.in_region = false');
      else add('o.municipality_key = ?', textKey(q.municipality));
    }
    if (q.sector) add('lower(o.sector) = lower(?)', q.sector);
    if (q.tag) add('? = ANY(o.tags)', q.tag.toLowerCase());
    if (q.accountManagerId) add('o.account_manager_id = ?', q.accountManagerId);
    if (q.from) add(`o.created_at >= (?::date AT TIME ZONE 'Europe/Amsterdam')`, q.from);
    if (q.to) add(`o.created_at < ((?::date + 1) AT TIME ZONE 'Europe/Amsterdam')`, q.to);
    if (q.needsReview !== undefined) add('o.needs_review = ?', q.needsReview);
    return { where: clauses.join(' AND '), params };
  }
}

function toView(row: Record<string, unknown>): OrganisationView {
  return {
    id: row.id as string,
    name: row.name as string,
    type: row.type as Organisation['type'],
    kvkNumber: row.kvk_number as string | null,
    municipality: row.municipality as string | null,
    inRegion: row.in_region as boolean,
    street: row.street as string | null,
    postcode: row.postcode as string | null,
    city: row.city as string | null,
    sector: row.sector as string | null,
    sizeClass: row.size_class as Organisation['sizeClass'],
    website: row.website as string | null,
    tags: row.tags as string[],
    notes: row.notes as string | null,
    accountManagerId: row.account_manager_id as string | null,
    accountManagerName: (row.account_manager_name as string | null) ?? null,
    needsReview: row.needs_review as boolean,
    mergedIntoId: row.merged_into_id as string | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

/** A unique index that fired despite the check (a concurrent insert): the same 409 as the check. */
export function uniqueViolation(error: { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } }): never {
  const code = error.driverError?.code ?? error.code;
  const constraint = error.driverError?.constraint ?? error.constraint;
  if (code === '23505' && constraint === 'organisations_kvk_key') throw new ConflictError('This KvK number is already used', [{ field: 'kvkNumber', message: 'is already used' }]);
  if (code === '23505' && constraint === 'contacts_email_key') throw new ConflictError('This email address is already used', [{ field: 'email', message: 'is already used' }]);
  throw error;
}
