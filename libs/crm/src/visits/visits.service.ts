import { allPages, escapeLike, FieldError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, diff } from '../audit/audit.service';
import { FollowUpsService } from './follow-ups.service';
import { InnovationQuestionsService } from './innovation-questions.service';
import { CreateVisitDto, PersonRef, UpdateVisitDto, VisitDetail, VisitQuery, VisitView } from './visit.dto';
import { CompanyVisit } from './visit.entity';
import { activeOrganisation, assertCrmStaff, checkContacts, checkStaffUser, CRM_STAFF_ROLES, OrganisationRef, Where } from './visit-references';
import { checkNotInFuture, isUuid, sortDir } from './visits.util';

const AUDITED = ['organisationId', 'visitedOn', 'accountManagerId', 'programmeLines', 'themes', 'notes', 'contactIds'] as const;

const SELECT = `
  SELECT v.id, v.organisation_id AS "organisationId", o.name AS "organisationName", o.municipality,
         to_char(v.visited_on, 'YYYY-MM-DD') AS "visitedOn", v.account_manager_id AS "accountManagerId", u.name AS "accountManagerName",
         v.programme_lines AS "programmeLines", v.themes, v.notes,
         COALESCE((SELECT json_agg(json_build_object('id', c.id, 'name', trim(c.first_name || ' ' || c.last_name)) ORDER BY c.last_name, c.first_name)
                     FROM company_visit_contacts vc JOIN contacts c ON c.id = vc.contact_id WHERE vc.visit_id = v.id), '[]'::json) AS contacts,
         (SELECT count(*)::int FROM innovation_questions q WHERE q.visit_id = v.id) AS "questionCount",
         (SELECT count(*)::int FROM follow_up_actions f WHERE f.visit_id = v.id AND f.done_at IS NULL) AS "openFollowUpCount",
         v.created_at AS "createdAt", v.updated_at AS "updatedAt"`;
const FROM = `
    FROM company_visits v
    JOIN organisations o ON o.id = v.organisation_id
    JOIN users u ON u.id = v.account_manager_id`;
const SORT_SQL: Record<string, (dir: string) => string> = {
  visitedOn: (d) => `v.visited_on ${d}, v.created_at ${d}`,
  organisation: (d) => `o.name ${d}, v.visited_on DESC`,
  accountManager: (d) => `u.name ${d}, v.visited_on DESC`,
  created: (d) => `v.created_at ${d}`,
};
const NATURAL_DIR: Record<string, 'asc' | 'desc'> = { visitedOn: 'desc', organisation: 'asc', accountManager: 'asc', created: 'desc' };

type Auditable = Partial<CompanyVisit> & { contactIds?: string[] };

/**
 * Company visits (bedrijfsbezoeken): who visited which organisation when, whom they met, for which
 * programme lines and themes; logged together with the innovation questions raised and the follow-up
 * actions agreed, in one transaction with their audit entries.
 */
@Injectable()
export class CompanyVisitsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly questions: InnovationQuestionsService,
    private readonly followUps: FollowUpsService,
  ) {}

  /**
   * Logs a visit with its questions (raised on the visit's date) and follow-ups (for the account
   * manager unless assigned to someone else). Any refusal, also of one follow-up, writes nothing.
   */
  async create(actor: Actor, input: CreateVisitDto): Promise<VisitDetail> {
    assertCrmStaff(actor);
    const id = await this.dataSource.transaction(async (m) => {
      const org = await activeOrganisation(m, input.organisationId, 'organisationId');
      const accountManagerId = input.accountManagerId ?? actor.id;
      const contactIds = [...new Set(input.contactIds ?? [])];
      const errors: FieldError[] = [];
      checkNotInFuture(errors, 'visitedOn', input.visitedOn);
      await checkStaffUser(m, errors, 'accountManagerId', accountManagerId);
      await checkContacts(m, errors, 'contactIds', contactIds);
      if (errors.length) throw new ValidationError(errors);

      const visit = await m.save(
        m.create(CompanyVisit, {
          organisationId: org.id,
          visitedOn: input.visitedOn,
          accountManagerId,
          programmeLines: [...new Set(input.programmeLines ?? [])],
          themes: input.themes ?? [],
          notes: input.notes ?? null,
        }),
      );
      await this.setContacts(m, visit.id, contactIds);
      await this.audit.record(m, actor, 'create', 'company_visit', visit.id, diff({}, auditable({ ...visit, contactIds })), summary(org, visit));
      for (const [i, q] of (input.questions ?? []).entries()) {
        await this.questions.createIn(m, actor, { organisationId: org.id, visitId: visit.id, contactId: q.contactId, question: q.question, raisedOn: visit.visitedOn }, `questions.${i}.`, org.name);
      }
      for (const [i, f] of (input.followUps ?? []).entries()) {
        await this.followUps.createIn(
          m,
          actor,
          { organisationId: org.id, visitId: visit.id, description: f.description, assigneeId: f.assigneeId ?? accountManagerId, dueOn: f.dueOn },
          `followUps.${i}.`,
          org.name,
        );
      }
      return visit.id;
    });
    return this.get(actor, id);
  }

  /** Changes the visit; a new organisation takes the visit's questions and follow-ups with it. */
  async update(actor: Actor, id: string, input: UpdateVisitDto): Promise<VisitDetail> {
    assertCrmStaff(actor);
    await this.dataSource.transaction(async (m) => {
      const visit = await this.lock(m, id);
      const contactIdsBefore = await this.contactIds(m, id);
      const before = auditable({ ...visit, contactIds: contactIdsBefore });
      const org = await activeOrganisation(m, input.organisationId ?? visit.organisationId, 'organisationId');
      const errors: FieldError[] = [];
      if (input.visitedOn !== undefined) checkNotInFuture(errors, 'visitedOn', input.visitedOn);
      if (input.accountManagerId !== undefined && input.accountManagerId !== visit.accountManagerId) await checkStaffUser(m, errors, 'accountManagerId', input.accountManagerId);
      const contactIds = input.contactIds ? [...new Set(input.contactIds)] : contactIdsBefore;
      if (input.contactIds) await checkContacts(m, errors, 'contactIds', contactIds.filter((c) => !contactIdsBefore.includes(c)));
      if (errors.length) throw new ValidationError(errors);

      if (org.id !== visit.organisationId) {
        for (const [table, entity] of [['innovation_questions', 'innovation_question'], ['follow_up_actions', 'follow_up_action']]) {
          const [moved]: [{ id: string }[], number] = await m.query(`UPDATE ${table} SET organisation_id = $2, updated_at = now() WHERE visit_id = $1 RETURNING id`, [id, org.id]);
          for (const row of moved) {
            await this.audit.record(m, actor, 'update', entity, row.id, { organisationId: { old: visit.organisationId, new: org.id } }, `moved with its visit to ${org.name}`);
          }
        }
      }
      Object.assign(visit, {
        organisationId: org.id,
        ...(input.visitedOn !== undefined ? { visitedOn: input.visitedOn } : {}),
        ...(input.accountManagerId !== undefined ? { accountManagerId: input.accountManagerId } : {}),
        ...(input.programmeLines !== undefined ? { programmeLines: [...new Set(input.programmeLines)] } : {}),
        ...(input.themes !== undefined ? { themes: input.themes } : {}),
        ...(input.notes !== undefined ? { notes: input.notes } : {}),
      });
      const saved = await m.save(visit);
      if (input.contactIds) await this.setContacts(m, id, contactIds);
      const changes = diff(before, auditable({ ...saved, contactIds }));
      if (Object.keys(changes).length) await this.audit.record(m, actor, 'update', 'company_visit', id, changes, summary(org, saved));
    });
    return this.get(actor, id);
  }

  /** The visit with its contacts, questions and follow-ups. */
  async get(actor: Actor, id: string): Promise<VisitDetail> {
    assertCrmStaff(actor);
    if (!isUuid(id)) throw new NotFoundError('Visit');
    const rows: VisitView[] = await this.dataSource.query(`${SELECT} ${FROM} WHERE v.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Visit');
    const [questions, followUps] = await Promise.all([
      this.questions.list(actor, { visitId: id, sort: 'raisedOn', dir: 'asc', pageSize: 200 }),
      this.followUps.list(actor, { visitId: id, sort: 'dueOn', pageSize: 200 }),
    ]);
    return { ...rows[0], questions: questions.items, followUps: followUps.items };
  }

  async list(actor: Actor, query: VisitQuery): Promise<Page<VisitView>> {
    assertCrmStaff(actor);
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const where = filters(query);
    const key = query.sort ?? 'visitedOn';
    const order = SORT_SQL[key](sortDir(query.dir, NATURAL_DIR[key]));
    const [rows, count] = await Promise.all([
      this.dataSource.query(`${SELECT} ${FROM} WHERE ${where.sql} ORDER BY ${order}, v.id LIMIT ${pageSize} OFFSET ${offset}`, where.params),
      this.dataSource.query(`SELECT count(*)::int AS n ${FROM} WHERE ${where.sql}`, where.params),
    ]);
    return pageOf(rows, count[0].n, page, pageSize);
  }

  all(actor: Actor, query: VisitQuery): AsyncGenerator<VisitView> {
    return allPages((page, pageSize) => this.list(actor, { ...query, page, pageSize }));
  }

  /** The visits this staff member made, newest first. */
  async recentVisitsFor(userId: string, limit = 5): Promise<VisitView[]> {
    if (!isUuid(userId)) return [];
    return this.dataSource.query(`${SELECT} ${FROM} WHERE v.account_manager_id = $1 ORDER BY v.visited_on DESC, v.created_at DESC, v.id LIMIT $2`, [userId, limit]);
  }

  /** Who can be account manager of a visit or assignee of a follow-up: active staff, by name. */
  async staff(): Promise<PersonRef[]> {
    return this.dataSource.query(`SELECT id, name FROM users WHERE active AND role = ANY($1) ORDER BY name, email`, [CRM_STAFF_ROLES]);
  }

  /** An organisation (404 when unknown); `mergedIntoId` names the survivor of a merged one. */
  async organisation(id: string): Promise<OrganisationRef & { mergedIntoId: string | null }> {
    const rows = isUuid(id)
      ? await this.dataSource.query(`SELECT id, name, municipality, merged_into_id AS "mergedIntoId" FROM organisations WHERE id = $1`, [id])
      : [];
    if (!rows.length) throw new NotFoundError('Organisation');
    return rows[0];
  }

  /** Organisations whose name contains the text (for picking one on a form): exact matches first. */
  async findOrganisations(text: string, limit = 20): Promise<OrganisationRef[]> {
    const trimmedText = text.trim();
    if (!trimmedText) return [];
    return this.dataSource.query(
      `SELECT id, name, municipality FROM organisations
        WHERE merged_into_id IS NULL AND name ILIKE $1
        ORDER BY (lower(name) = lower($2)) DESC, name, municipality NULLS LAST LIMIT $3`,
      [`%${escapeLike(trimmedText)}%`, trimmedText, limit],
    );
  }

  /**
   * Names of active organisations for a form's suggestion list (`<datalist>`): the ones this staff
   * member manages or visited first, then the others, by name, up to `limit`.
   */
  async organisationNames(userId: string, limit = 500): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT o.name FROM organisations o
        WHERE o.merged_into_id IS NULL
        GROUP BY o.name
        ORDER BY bool_or(o.account_manager_id = $1
                         OR EXISTS (SELECT 1 FROM company_visits v WHERE v.organisation_id = o.id AND v.account_manager_id = $1)) DESC NULLS LAST,
                 o.name
        LIMIT $2`,
      [isUuid(userId) ? userId : null, limit],
    );
    return rows.map((r) => r.name);
  }

  /** The people currently working at the organisation (to tick whom the visit met). */
  async contactsOf(organisationId: string): Promise<(PersonRef & { role: string | null })[]> {
    if (!isUuid(organisationId)) return [];
    return this.dataSource.query(
      `SELECT DISTINCT ON (c.last_name, c.first_name, c.id) c.id, trim(c.first_name || ' ' || c.last_name) AS name, l.role
         FROM contact_organisations l JOIN contacts c ON c.id = l.contact_id
        WHERE l.organisation_id = $1 AND c.merged_into_id IS NULL AND c.erased_at IS NULL
          AND (l.ended_on IS NULL OR l.ended_on >= current_date)
        ORDER BY c.last_name, c.first_name, c.id, l.started_on DESC NULLS LAST
        LIMIT 200`,
      [organisationId],
    );
  }

  private async lock(m: EntityManager, id: string): Promise<CompanyVisit> {
    const visit = isUuid(id) ? await m.findOne(CompanyVisit, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!visit) throw new NotFoundError('Visit');
    return visit;
  }

  private async contactIds(m: EntityManager, visitId: string): Promise<string[]> {
    const rows: { contact_id: string }[] = await m.query(`SELECT contact_id FROM company_visit_contacts WHERE visit_id = $1 ORDER BY contact_id`, [visitId]);
    return rows.map((r) => r.contact_id);
  }

  private async setContacts(m: EntityManager, visitId: string, contactIds: string[]): Promise<void> {
    await m.query(`DELETE FROM company_visit_contacts WHERE visit_id = $1 AND NOT (contact_id = ANY($2::uuid[]))`, [visitId, contactIds]);
    if (contactIds.length) {
      await m.query(
        `INSERT INTO company_visit_contacts (visit_id, contact_id) SELECT $1::uuid, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
        [visitId, contactIds],
      );
    }
  }
}

function auditable(v: Auditable): Record<string, unknown> {
  const values: Record<string, unknown> = Object.fromEntries(AUDITED.map((k) => [k, v[k] ?? null]));
  if (Array.isArray(values.contactIds)) values.contactIds = [...(values.contactIds as string[])].sort();
  return values;
}

function summary(org: OrganisationRef, visit: CompanyVisit): string {
  return `${org.name}, ${visit.visitedOn}`;
}

function filters(query: VisitQuery): Where {
  const where = new Where();
  if (query.q) where.add(`(o.name ILIKE ? OR v.notes ILIKE ? OR array_to_string(v.themes, ' ') ILIKE ?)`, `%${escapeLike(query.q)}%`);
  if (query.organisationId) where.add('v.organisation_id = ?', query.organisationId);
  if (query.accountManagerId) where.add('v.account_manager_id = ?', query.accountManagerId);
  if (query.programmeLine) where.add('? = ANY(v.programme_lines)', query.programmeLine);
  if (query.theme) where.add('? = ANY(v.themes)', query.theme.toLowerCase());
  return where.municipality(query.municipality).dateRange('v.visited_on', query.from, query.to);
}
