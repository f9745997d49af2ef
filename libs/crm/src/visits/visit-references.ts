import { DISPLAY_TIME_ZONE, FieldError, ForbiddenError, ValidationError } from '@keyport/common';
import { Actor, Role } from '@keyport/users';
import { EntityManager } from 'typeorm';
import { OUTSIDE_REGION, textKey } from '../municipalities';
import { isUuid } from './visits.util';

/** Today in Europe/Amsterdam, inside SQL (due dates and "overdue" are calendar dates there). */
export const TODAY_SQL = `(now() AT TIME ZONE '${DISPLAY_TIME_ZONE}')::date`;

/** The staff roles that log visits and may be account manager or assignee. */
export const CRM_STAFF_ROLES: Role[] = [Role.AccountManager, Role.Organiser, Role.Admin];

/** Account managers, organisers and admins read and write visits, questions and follow-ups. */
export function assertCrmStaff(actor: Actor): void {
  if (!CRM_STAFF_ROLES.includes(actor.role)) throw new ForbiddenError();
}

export interface OrganisationRef {
  id: string;
  name: string;
  municipality: string | null;
}

/** The organisation, which must exist and not be merged (locked against a concurrent merge); else a field error. */
export async function activeOrganisation(m: EntityManager, id: string, field: string): Promise<OrganisationRef> {
  const rows: (OrganisationRef & { merged_into_id: string | null })[] = isUuid(id)
    ? await m.query(`SELECT id, name, municipality, merged_into_id FROM organisations WHERE id = $1 FOR SHARE`, [id])
    : [];
  if (!rows.length) throw new ValidationError([{ field, message: `${field} is not a known organisation`, rule: 'unknownOrganisation' }]);
  if (rows[0].merged_into_id) {
    throw new ValidationError([{ field, message: `${field} was merged into organisation ${rows[0].merged_into_id}`, rule: 'mergedOrganisation' }]);
  }
  const { merged_into_id: _merged, ...org } = rows[0];
  return org;
}

/** Adds an error unless `userId` is an active account manager, organiser or admin. */
export async function checkStaffUser(m: EntityManager, errors: FieldError[], field: string, userId: string): Promise<void> {
  const rows = isUuid(userId) ? await m.query(`SELECT 1 FROM users WHERE id = $1 AND active AND role = ANY($2)`, [userId, CRM_STAFF_ROLES]) : [];
  if (!rows.length) errors.push({ field, message: `${field} is not an active staff member`, rule: 'unknownUser' });
}

/** Adds an error (`field.i`, or `field` for a single id) for each id that is not a current (not merged, not erased) contact. */
export async function checkContacts(m: EntityManager, errors: FieldError[], field: string, ids: string[] | string): Promise<void> {
  const list = typeof ids === 'string' ? [ids] : ids;
  if (!list.length) return;
  const rows: { id: string }[] = await m.query(
    `SELECT id FROM contacts WHERE id = ANY($1::uuid[]) AND merged_into_id IS NULL AND erased_at IS NULL`,
    [list.filter(isUuid)],
  );
  const known = new Set(rows.map((r) => r.id));
  list.forEach((id, i) => {
    if (!known.has(id)) errors.push({ field: typeof ids === 'string' ? field : `${field}.${i}`, message: `${id} is not a known contact`, rule: 'unknownContact' });
  });
}

/** Adds an error unless `visitId` is a visit of `organisationId`. */
export async function checkVisitOf(m: EntityManager, errors: FieldError[], field: string, visitId: string, organisationId: string): Promise<void> {
  const rows: { organisation_id: string }[] = isUuid(visitId) ? await m.query(`SELECT organisation_id FROM company_visits WHERE id = $1`, [visitId]) : [];
  if (!rows.length) errors.push({ field, message: `${field} is not a known visit`, rule: 'unknownVisit' });
  else if (rows[0].organisation_id !== organisationId) errors.push({ field, message: `${field} is a visit of another organisation`, rule: 'visitOfOtherOrganisation' });
}

/**
 * A WHERE clause built from filters: `add('o.name ILIKE ?', value)` binds the value once and puts its
 * `$n` wherever the fragment has `?`.
 */
export class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(sql.replace(/\?/g, `$${this.params.length}`));
    return this;
  }

  raw(sql: string): this {
    this.clauses.push(sql);
    return this;
  }

  /** The municipality of the organisation aliased `o`: a name, or 'outside' the region. */
  municipality(value: string | undefined): this {
    if (!value) return this;
    return value === OUTSIDE_REGION ? this.raw('o.in_region = false') : this.add('o.municipality_key = ?', textKey(value));
  }

  dateRange(column: string, from: string | undefined, to: string | undefined): this {
    if (from) this.add(`${column} >= ?::date`, from);
    if (to) this.add(`${column} <= ?::date`, to);
    return this;
  }

  get sql(): string {
    return this.clauses.length ? this.clauses.join(' AND ') : 'true';
  }
}
