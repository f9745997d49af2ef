import { ForbiddenError, NotFoundError } from '@keyport/common';
import { Actor, Role } from '@keyport/users';
import { EntityManager } from 'typeorm';
import type { TargetView } from './target.dto';

export const isUuid = (id: unknown): id is string => typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** Plans, targets and their figures are kept by administrators and organisers. */
export function requireEditor(actor: Actor | 'system'): void {
  if (actor !== 'system' && actor.role !== Role.Admin && actor.role !== Role.Organiser) {
    throw new ForbiddenError('Only administrators and organisers change year plans and their figures');
  }
}

/** Programme lines in the plan's order, then the target's position within its line. */
export const TARGET_ORDER = `array_position(ARRAY['innovation', 'entrepreneurship', 'labour_market', 'communication', 'project_development'], t.programme_line), t.position, t.id`;

export const TARGET_SELECT = `
  SELECT t.id, t.plan_id AS "planId", p.year, t.programme_line AS "programmeLine", t.position, t.key, t.title_nl AS title, t.title_en AS "titleEn",
         t.target_value AS target, t.metric, t.filters, t.manual_aggregate AS "manualAggregate", t.baseline, t.counting_note AS "countingNote",
         t.created_at AS "createdAt", t.updated_at AS "updatedAt"
    FROM targets t JOIN year_plans p ON p.id = t.plan_id`;

export async function findTarget(m: EntityManager, id: string, lock = false): Promise<TargetView> {
  if (!isUuid(id)) throw new NotFoundError('Target');
  const rows: TargetView[] = await m.query(`${TARGET_SELECT} WHERE t.id = $1${lock ? ' FOR UPDATE OF t' : ''}`, [id]);
  if (!rows.length) throw new NotFoundError('Target');
  return rows[0];
}

/** Locks a year's plan row (so targets are numbered one at a time) and returns its id. */
export async function lockPlan(m: EntityManager, year: number): Promise<string> {
  const rows = Number.isInteger(year) ? await m.query(`SELECT id FROM year_plans WHERE year = $1 FOR UPDATE`, [year]) : [];
  if (!rows.length) throw new NotFoundError(`Year plan ${year}`);
  return rows[0].id;
}
