import { allPages, escapeLike, FieldError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, diff } from '../audit/audit.service';
import { CreateFollowUpDto, FollowUpQuery, FollowUpView, UpdateFollowUpDto } from './follow-up.dto';
import { FollowUpAction } from './visit.entity';
import { activeOrganisation, assertCrmStaff, checkStaffUser, checkVisitOf, TODAY_SQL, Where } from './visit-references';
import { isUuid, sortDir } from './visits.util';

const AUDITED = ['organisationId', 'visitId', 'description', 'assigneeId', 'dueOn', 'doneAt'] as const;

const SELECT = `
  SELECT f.id, f.organisation_id AS "organisationId", o.name AS "organisationName", o.municipality,
         f.visit_id AS "visitId", to_char(v.visited_on, 'YYYY-MM-DD') AS "visitedOn", f.description,
         f.assignee_id AS "assigneeId", u.name AS "assigneeName", to_char(f.due_on, 'YYYY-MM-DD') AS "dueOn",
         f.done_at AS "doneAt", (f.done_at IS NOT NULL) AS done,
         COALESCE(f.done_at IS NULL AND f.due_on < ${TODAY_SQL}, false) AS overdue,
         f.created_at AS "createdAt", f.updated_at AS "updatedAt"`;
const FROM = `
    FROM follow_up_actions f
    JOIN organisations o ON o.id = f.organisation_id
    JOIN users u ON u.id = f.assignee_id
    LEFT JOIN company_visits v ON v.id = f.visit_id`;
const SORT_SQL: Record<string, (dir: string) => string> = {
  dueOn: (d) => `f.due_on ${d} NULLS LAST, f.created_at`,
  organisation: (d) => `o.name ${d}, f.due_on NULLS LAST`,
  assignee: (d) => `u.name ${d}, f.due_on NULLS LAST`,
  created: (d) => `f.created_at ${d}`,
  done: (d) => `f.done_at ${d} NULLS LAST, f.due_on NULLS LAST`,
};
const NATURAL_DIR: Record<string, 'asc' | 'desc'> = { dueOn: 'asc', organisation: 'asc', assignee: 'asc', created: 'desc', done: 'desc' };

/** What a follow-up is created from, inside a visit's transaction or on its own. */
export interface NewFollowUp {
  organisationId: string;
  visitId?: string | null;
  description: string;
  assigneeId: string;
  dueOn?: string | null;
}

/** Follow-up actions: one staff member does something for an organisation, maybe by a date. */
@Injectable()
export class FollowUpsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: CreateFollowUpDto): Promise<FollowUpView> {
    assertCrmStaff(actor);
    const id = await this.dataSource.transaction(async (m) => {
      const org = await activeOrganisation(m, input.organisationId, 'organisationId');
      return (await this.createIn(m, actor, { ...input, organisationId: org.id, assigneeId: input.assigneeId ?? actor.id }, '', org.name)).id;
    });
    return this.get(actor, id);
  }

  /**
   * Creates a follow-up with the caller's transaction (a visit being logged), checking its own rules;
   * field errors are named under `prefix` (e.g. `followUps.0.`). The organisation is checked by the caller.
   */
  async createIn(m: EntityManager, actor: Actor, input: NewFollowUp, prefix = '', organisationName?: string): Promise<FollowUpAction> {
    const errors: FieldError[] = [];
    await checkStaffUser(m, errors, `${prefix}assigneeId`, input.assigneeId);
    if (input.visitId) await checkVisitOf(m, errors, `${prefix}visitId`, input.visitId, input.organisationId);
    if (errors.length) throw new ValidationError(errors);
    const saved = await m.save(
      m.create(FollowUpAction, {
        organisationId: input.organisationId,
        visitId: input.visitId ?? null,
        description: input.description,
        assigneeId: input.assigneeId,
        dueOn: input.dueOn ?? null,
        doneAt: null,
      }),
    );
    await this.audit.record(m, actor, 'create', 'follow_up_action', saved.id, diff({}, auditable(saved)), organisationName);
    return saved;
  }

  async update(actor: Actor, id: string, input: UpdateFollowUpDto): Promise<FollowUpView> {
    assertCrmStaff(actor);
    await this.dataSource.transaction(async (m) => {
      const action = await this.lock(m, id);
      const before = auditable(action);
      const errors: FieldError[] = [];
      if (input.assigneeId !== undefined) await checkStaffUser(m, errors, 'assigneeId', input.assigneeId);
      if (errors.length) throw new ValidationError(errors);
      if (input.description !== undefined) action.description = input.description;
      if (input.assigneeId !== undefined) action.assigneeId = input.assigneeId;
      if (input.dueOn !== undefined) action.dueOn = input.dueOn;
      await this.saveAudited(m, actor, action, before);
    });
    return this.get(actor, id);
  }

  /** Marks it done now (a second time changes nothing). */
  async markDone(actor: Actor, id: string): Promise<FollowUpView> {
    return this.setDone(actor, id, true);
  }

  /** Opens it again. */
  async markUndone(actor: Actor, id: string): Promise<FollowUpView> {
    return this.setDone(actor, id, false);
  }

  async get(actor: Actor, id: string): Promise<FollowUpView> {
    assertCrmStaff(actor);
    if (!isUuid(id)) throw new NotFoundError('Follow-up action');
    const rows = await this.dataSource.query(`${SELECT} ${FROM} WHERE f.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Follow-up action');
    return rows[0];
  }

  async list(actor: Actor, query: FollowUpQuery): Promise<Page<FollowUpView>> {
    assertCrmStaff(actor);
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const where = filters(query);
    const key = query.sort ?? 'dueOn';
    const order = SORT_SQL[key](sortDir(query.dir, NATURAL_DIR[key]));
    const [rows, count] = await Promise.all([
      this.dataSource.query(`${SELECT} ${FROM} WHERE ${where.sql} ORDER BY ${order}, f.id LIMIT ${pageSize} OFFSET ${offset}`, where.params),
      this.dataSource.query(`SELECT count(*)::int AS n ${FROM} WHERE ${where.sql}`, where.params),
    ]);
    return pageOf(rows, count[0].n, page, pageSize);
  }

  all(actor: Actor, query: FollowUpQuery): AsyncGenerator<FollowUpView> {
    return allPages((page, pageSize) => this.list(actor, { ...query, page, pageSize }));
  }

  /** A staff member's open follow-ups: overdue first, then by due date, undated last. */
  async openFollowUpsFor(userId: string, limit = 50): Promise<FollowUpView[]> {
    if (!isUuid(userId)) return [];
    return this.dataSource.query(
      `${SELECT} ${FROM}
        WHERE f.assignee_id = $1 AND f.done_at IS NULL
        ORDER BY (f.due_on < ${TODAY_SQL}) DESC NULLS LAST, f.due_on ASC NULLS LAST, f.created_at, f.id
        LIMIT $2`,
      [userId, limit],
    );
  }

  private async setDone(actor: Actor, id: string, done: boolean): Promise<FollowUpView> {
    assertCrmStaff(actor);
    await this.dataSource.transaction(async (m) => {
      const action = await this.lock(m, id);
      if (done === (action.doneAt !== null)) return;
      const before = auditable(action);
      action.doneAt = done ? new Date() : null;
      await this.saveAudited(m, actor, action, before, done ? 'done' : 'reopened');
    });
    return this.get(actor, id);
  }

  private async lock(m: EntityManager, id: string): Promise<FollowUpAction> {
    const action = isUuid(id) ? await m.findOne(FollowUpAction, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!action) throw new NotFoundError('Follow-up action');
    return action;
  }

  private async saveAudited(m: EntityManager, actor: Actor, action: FollowUpAction, before: Record<string, unknown>, summary?: string): Promise<void> {
    const saved = await m.save(action);
    const changes = diff(before, auditable(saved));
    if (Object.keys(changes).length) await this.audit.record(m, actor, 'update', 'follow_up_action', saved.id, changes, summary);
  }
}

function auditable(f: Partial<FollowUpAction>): Record<string, unknown> {
  return Object.fromEntries(AUDITED.map((k) => [k, f[k] ?? null]));
}

function filters(query: FollowUpQuery): Where {
  const where = new Where();
  if (query.q) where.add('(f.description ILIKE ? OR o.name ILIKE ?)', `%${escapeLike(query.q)}%`);
  if (query.organisationId) where.add('f.organisation_id = ?', query.organisationId);
  if (query.visitId) where.add('f.visit_id = ?', query.visitId);
  if (query.assigneeId) where.add('f.assignee_id = ?', query.assigneeId);
  if (query.programmeLine) where.add('? = ANY(v.programme_lines)', query.programmeLine);
  if (query.status === 'open') where.raw('f.done_at IS NULL');
  if (query.status === 'done') where.raw('f.done_at IS NOT NULL');
  if (query.status === 'overdue') where.raw(`f.done_at IS NULL AND f.due_on < ${TODAY_SQL}`);
  return where.municipality(query.municipality).dateRange('f.due_on', query.from, query.to);
}
