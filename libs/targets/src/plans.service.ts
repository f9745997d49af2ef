import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@keyport/common';
import { AuditService } from '@keyport/crm';
import { Actor, Role } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CreatePlanDto, PlanSummary, PlanView, TargetView } from './target.dto';
import { requireEditor, TARGET_ORDER, TARGET_SELECT } from './target-queries';
import { AUDIT, YEAR_MAX, YEAR_MIN } from './targets.constants';

const PLAN_SELECT = `
  SELECT p.id, p.year, p.title, p.copied_from_year AS "copiedFromYear", p.created_at AS "createdAt",
         (SELECT count(*)::int FROM targets t WHERE t.plan_id = p.id) AS "targetCount"
    FROM year_plans p`;

/**
 * Year plans: one per year, holding its targets. A plan starts empty or as a copy of another year's
 * targets (their definitions: metric, filters, numbers; not their manual figures), to be edited after.
 */
@Injectable()
export class PlansService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** 409 when the year has a plan already; a ValidationError when copyFrom names a year without one. */
  async createPlan(actor: Actor | 'system', input: CreatePlanDto): Promise<PlanView> {
    requireEditor(actor);
    const errors = [];
    if (!Number.isInteger(input.year) || input.year < YEAR_MIN || input.year > YEAR_MAX) errors.push({ field: 'year', message: `year must be a whole number from ${YEAR_MIN} to ${YEAR_MAX}`, rule: 'isYear' });
    if (input.copyFrom !== undefined && input.copyFrom !== null && !Number.isInteger(input.copyFrom)) errors.push({ field: 'copyFrom', message: 'copyFrom must be a year', rule: 'isYear' });
    if (errors.length) throw new ValidationError(errors);
    const title = input.title?.trim() || null;
    await this.dataSource.transaction(async (m) => {
      let sourceId: string | null = null;
      if (input.copyFrom !== undefined && input.copyFrom !== null) {
        const source = await m.query(`SELECT id FROM year_plans WHERE year = $1`, [input.copyFrom]);
        if (!source.length) throw new ValidationError([{ field: 'copyFrom', message: `there is no plan for ${input.copyFrom} to copy`, rule: 'planExists' }]);
        sourceId = source[0].id;
      }
      const created = await m.query(
        `INSERT INTO year_plans (year, title, copied_from_year, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (year) DO NOTHING RETURNING id`,
        [input.year, title, sourceId ? input.copyFrom : null, actor === 'system' ? null : actor.id],
      );
      if (!created.length) throw new ConflictError(`There is a plan for ${input.year} already`, [{ field: 'year', message: 'has a plan already', rule: 'planExists' }]);
      const id: string = created[0].id;
      if (sourceId) {
        await m.query(
          `INSERT INTO targets (plan_id, programme_line, position, key, title_nl, title_en, target_value, metric, filters, manual_aggregate, baseline, counting_note)
           SELECT $1, programme_line, position, key, title_nl, title_en, target_value, metric, filters, manual_aggregate, baseline, counting_note
             FROM targets WHERE plan_id = $2`,
          [id, sourceId],
        );
      }
      await this.audit.record(m, actor, 'create', AUDIT.plan, id, { year: { old: null, new: input.year }, copiedFrom: { old: null, new: input.copyFrom ?? null } }, `Year plan ${input.year}`);
    });
    return this.getPlan(input.year);
  }

  async getPlan(year: number): Promise<PlanView> {
    const rows: PlanSummary[] = Number.isInteger(year) ? await this.dataSource.query(`${PLAN_SELECT} WHERE p.year = $1`, [year]) : [];
    if (!rows.length) throw new NotFoundError(`Year plan ${year}`);
    const targets: TargetView[] = await this.dataSource.query(`${TARGET_SELECT} WHERE t.plan_id = $1 ORDER BY ${TARGET_ORDER}`, [rows[0].id]);
    return { ...rows[0], targets };
  }

  /** Every plan, newest year first. */
  listPlans(): Promise<PlanSummary[]> {
    return this.dataSource.query(`${PLAN_SELECT} ORDER BY p.year DESC`);
  }

  /** Removes a plan with its targets and manual figures (administrators only); the audit log keeps that it existed. */
  async deletePlan(actor: Actor, year: number): Promise<void> {
    if (actor.role !== Role.Admin) throw new ForbiddenError('Only administrators delete year plans');
    await this.dataSource.transaction(async (m) => {
      const rows = Number.isInteger(year) ? await m.query(`DELETE FROM year_plans WHERE year = $1 RETURNING id`, [year]) : [[]];
      const deleted = rows[0] as { id: string }[];
      if (!deleted.length) throw new NotFoundError(`Year plan ${year}`);
      await this.audit.record(m, actor, 'delete', AUDIT.plan, deleted[0].id, { year: { old: year, new: null } }, `Year plan ${year}`);
    });
  }
}
