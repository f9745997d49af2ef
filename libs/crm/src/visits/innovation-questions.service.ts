import { allPages, escapeLike, FieldError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, diff } from '../audit/audit.service';
import { AnswerQuestionDto, CreateQuestionDto, QuestionQuery, QuestionView, UpdateQuestionDto } from './innovation-question.dto';
import { InnovationQuestion } from './visit.entity';
import { activeOrganisation, assertCrmStaff, checkContacts, checkVisitOf, Where } from './visit-references';
import { checkNotInFuture, isUuid, sortDir, todayInAmsterdam } from './visits.util';

const AUDITED = ['organisationId', 'visitId', 'contactId', 'question', 'raisedOn', 'status', 'answeredBy', 'answeredByName', 'answer', 'answeredOn'] as const;

const SELECT = `
  SELECT q.id, q.organisation_id AS "organisationId", o.name AS "organisationName", o.municipality,
         q.visit_id AS "visitId", to_char(v.visited_on, 'YYYY-MM-DD') AS "visitedOn", COALESCE(vu.name, ou.name) AS "accountManagerName",
         q.contact_id AS "contactId", CASE WHEN c.id IS NULL THEN NULL ELSE trim(c.first_name || ' ' || c.last_name) END AS "contactName",
         q.question, to_char(q.raised_on, 'YYYY-MM-DD') AS "raisedOn", q.status, q.answered_by AS "answeredBy",
         q.answered_by_name AS "answeredByName", q.answer, to_char(q.answered_on, 'YYYY-MM-DD') AS "answeredOn",
         q.created_at AS "createdAt", q.updated_at AS "updatedAt"`;
const FROM = `
    FROM innovation_questions q
    JOIN organisations o ON o.id = q.organisation_id
    LEFT JOIN company_visits v ON v.id = q.visit_id
    LEFT JOIN users vu ON vu.id = v.account_manager_id
    LEFT JOIN users ou ON ou.id = o.account_manager_id
    LEFT JOIN contacts c ON c.id = q.contact_id`;
const SORT_SQL: Record<string, (dir: string) => string> = {
  raisedOn: (d) => `q.raised_on ${d}, q.created_at ${d}`,
  answeredOn: (d) => `q.answered_on ${d} NULLS LAST, q.raised_on ${d}`,
  organisation: (d) => `o.name ${d}, q.raised_on DESC`,
  status: (d) => `q.status ${d}, q.raised_on DESC`,
};

/** What a question is created from, inside a visit's transaction or on its own. */
export interface NewQuestion {
  organisationId: string;
  visitId?: string | null;
  contactId?: string | null;
  question: string;
  raisedOn: string;
}

/**
 * Innovation questions of companies: raised (often during a visit), answered by an SME, a knowledge
 * institute or Keyport itself, and reopened when the answer did not hold. Answered questions count
 * for the year plan's "innovation questions answered" target.
 */
@Injectable()
export class InnovationQuestionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: CreateQuestionDto): Promise<QuestionView> {
    assertCrmStaff(actor);
    const id = await this.dataSource.transaction(async (m) => {
      const org = await activeOrganisation(m, input.organisationId, 'organisationId');
      let raisedOn = input.raisedOn;
      if (!raisedOn && input.visitId && isUuid(input.visitId)) {
        const visit = await m.query(`SELECT to_char(visited_on, 'YYYY-MM-DD') AS d FROM company_visits WHERE id = $1`, [input.visitId]);
        raisedOn = visit[0]?.d;
      }
      return (await this.createIn(m, actor, { ...input, organisationId: org.id, raisedOn: raisedOn ?? todayInAmsterdam() }, '', org.name)).id;
    });
    return this.get(actor, id);
  }

  /**
   * Creates a question with the caller's transaction (a visit being logged), checking its own rules;
   * field errors are named under `prefix` (e.g. `questions.0.`). The organisation is checked by the caller.
   */
  async createIn(m: EntityManager, actor: Actor, input: NewQuestion, prefix = '', organisationName?: string): Promise<InnovationQuestion> {
    const errors: FieldError[] = [];
    checkNotInFuture(errors, `${prefix}raisedOn`, input.raisedOn);
    if (input.visitId) await checkVisitOf(m, errors, `${prefix}visitId`, input.visitId, input.organisationId);
    if (input.contactId) await checkContacts(m, errors, `${prefix}contactId`, input.contactId);
    if (errors.length) throw new ValidationError(errors);
    const saved = await m.save(
      m.create(InnovationQuestion, {
        organisationId: input.organisationId,
        visitId: input.visitId ?? null,
        contactId: input.contactId ?? null,
        question: input.question,
        raisedOn: input.raisedOn,
        status: 'open',
      }),
    );
    await this.audit.record(m, actor, 'create', 'innovation_question', saved.id, diff({}, auditable(saved)), organisationName);
    return saved;
  }

  async update(actor: Actor, id: string, input: UpdateQuestionDto): Promise<QuestionView> {
    assertCrmStaff(actor);
    await this.dataSource.transaction(async (m) => {
      const question = await this.lock(m, id);
      const before = auditable(question);
      const errors: FieldError[] = [];
      if (input.raisedOn !== undefined) {
        checkNotInFuture(errors, 'raisedOn', input.raisedOn);
        if (question.answeredOn && input.raisedOn > question.answeredOn) errors.push({ field: 'raisedOn', message: 'raisedOn must not be after answeredOn', rule: 'raisedAfterAnswered' });
      }
      if (input.contactId) await checkContacts(m, errors, 'contactId', input.contactId);
      if (errors.length) throw new ValidationError(errors);
      if (input.question !== undefined) question.question = input.question;
      if (input.raisedOn !== undefined) question.raisedOn = input.raisedOn;
      if (input.contactId !== undefined) question.contactId = input.contactId;
      await this.saveAudited(m, actor, question, before);
    });
    return this.get(actor, id);
  }

  /** Marks the question answered (again, if it was): by whom, what, when (today when not given). */
  async answer(actor: Actor, id: string, input: AnswerQuestionDto): Promise<QuestionView> {
    assertCrmStaff(actor);
    await this.dataSource.transaction(async (m) => {
      const question = await this.lock(m, id);
      const before = auditable(question);
      const answeredOn = input.answeredOn ?? todayInAmsterdam();
      const errors: FieldError[] = [];
      checkNotInFuture(errors, 'answeredOn', answeredOn);
      if (answeredOn < question.raisedOn) errors.push({ field: 'answeredOn', message: `answeredOn must not be before the question was raised (${question.raisedOn})`, rule: 'beforeRaised' });
      if (errors.length) throw new ValidationError(errors);
      Object.assign(question, {
        status: 'answered',
        answeredBy: input.answeredBy,
        answeredByName: input.answeredByName ?? null,
        answer: input.answer ?? null,
        answeredOn,
      });
      await this.saveAudited(m, actor, question, before, 'answered');
    });
    return this.get(actor, id);
  }

  /** Opens an answered question again; the old answer stays in the audit log. */
  async reopen(actor: Actor, id: string): Promise<QuestionView> {
    assertCrmStaff(actor);
    await this.dataSource.transaction(async (m) => {
      const question = await this.lock(m, id);
      const before = auditable(question);
      Object.assign(question, { status: 'open', answeredBy: null, answeredByName: null, answer: null, answeredOn: null });
      await this.saveAudited(m, actor, question, before, 'reopened');
    });
    return this.get(actor, id);
  }

  async get(actor: Actor, id: string): Promise<QuestionView> {
    assertCrmStaff(actor);
    if (!isUuid(id)) throw new NotFoundError('Innovation question');
    const rows = await this.dataSource.query(`${SELECT} ${FROM} WHERE q.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Innovation question');
    return rows[0];
  }

  async list(actor: Actor, query: QuestionQuery): Promise<Page<QuestionView>> {
    assertCrmStaff(actor);
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const where = filters(query);
    const key = query.sort ?? 'raisedOn';
    const sort = SORT_SQL[key](sortDir(query.dir, key.endsWith('On') ? 'desc' : 'asc'));
    const [rows, count] = await Promise.all([
      this.dataSource.query(`${SELECT} ${FROM} WHERE ${where.sql} ORDER BY ${sort}, q.id LIMIT ${pageSize} OFFSET ${offset}`, where.params),
      this.dataSource.query(`SELECT count(*)::int AS n ${FROM} WHERE ${where.sql}`, where.params),
    ]);
    return pageOf(rows, count[0].n, page, pageSize);
  }

  all(actor: Actor, query: QuestionQuery): AsyncGenerator<QuestionView> {
    return allPages((page, pageSize) => this.list(actor, { ...query, page, pageSize }));
  }

  private async lock(m: EntityManager, id: string): Promise<InnovationQuestion> {
    const question = isUuid(id) ? await m.findOne(InnovationQuestion, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!question) throw new NotFoundError('Innovation question');
    return question;
  }

  private async saveAudited(m: EntityManager, actor: Actor, question: InnovationQuestion, before: Record<string, unknown>, summary?: string): Promise<void> {
    const saved = await m.save(question);
    const changes = diff(before, auditable(saved));
    if (Object.keys(changes).length) await this.audit.record(m, actor, 'update', 'innovation_question', saved.id, changes, summary);
  }
}

function auditable(q: Partial<InnovationQuestion>): Record<string, unknown> {
  return Object.fromEntries(AUDITED.map((k) => [k, q[k] ?? null]));
}

function filters(query: QuestionQuery): Where {
  const where = new Where();
  if (query.q) where.add('(q.question ILIKE ? OR q.answer ILIKE ? OR q.answered_by_name ILIKE ? OR o.name ILIKE ?)', `%${escapeLike(query.q)}%`);
  if (query.organisationId) where.add('q.organisation_id = ?', query.organisationId);
  if (query.visitId) where.add('q.visit_id = ?', query.visitId);
  if (query.accountManagerId) where.add('COALESCE(v.account_manager_id, o.account_manager_id) = ?', query.accountManagerId);
  if (query.programmeLine) where.add('? = ANY(v.programme_lines)', query.programmeLine);
  if (query.status) where.add('q.status = ?', query.status);
  if (query.answeredBy) where.add('q.answered_by = ?', query.answeredBy);
  return where.municipality(query.municipality).dateRange('q.raised_on', query.from, query.to);
}
