import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { AuditService, diff, KEYPORT_MUNICIPALITIES, textKey } from '@keyport/crm';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { breakdownSql, drillDownSql, monthlySql, Statement, tallySql } from './metric-sql';
import { pace, Period, PeriodInput, resolvePeriod } from './period';
import { CreateTargetDto, DrillDownItem, MonthlyPoint, MunicipalityFigure, PeriodView, Tally, TargetFigure, TargetView, UpdateTargetDto } from './target.dto';
import { findTarget, lockPlan, requireEditor, TARGET_ORDER, TARGET_SELECT } from './target-queries';
import { checkTarget, TargetDefinition } from './target-rules';
import { ATTENDANCE_METRICS, AUDIT, ItemKind, OUTSIDE } from './targets.constants';

const MUNICIPALITY_NAMES = new Map<string, string>(KEYPORT_MUNICIPALITIES.map((m) => [textKey(m), m]));
const municipalityName = (key: string | null) => (key && MUNICIPALITY_NAMES.get(key)) || OUTSIDE;
const periodView = ({ kind, label, start, end, startsAt, endsAt }: Period): PeriodView => ({ kind, label, start, end, startsAt, endsAt });
const num = (v: unknown): number => Number(v);

const EDITABLE: (keyof TargetDefinition)[] = ['programmeLine', 'key', 'title', 'titleEn', 'target', 'metric', 'filters', 'manualAggregate', 'baseline', 'countingNote'];

/**
 * The targets of the year plans and their figures. A target is a number, a metric and filters; its
 * figure for a period (a year, a quarter, a month or any range of days, in Europe/Amsterdam) is one
 * aggregate SQL statement over the records (see metric-sql.ts), always current. A figure can be broken
 * down per municipality, drilled down to exactly the records that make it up, and followed month by month.
 */
@Injectable()
export class TargetsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor | 'system', year: number, input: CreateTargetDto): Promise<TargetView> {
    requireEditor(actor);
    const { value, errors } = checkTarget({ ...input });
    if (errors.length) throw new ValidationError(errors);
    const id = await this.dataSource.transaction(async (m) => {
      const planId = await lockPlan(m, year);
      const [row] = await this.keyed(() =>
        m.query(
          `INSERT INTO targets (plan_id, programme_line, position, key, title_nl, title_en, target_value, metric, filters, manual_aggregate, baseline, counting_note)
           VALUES ($1, $2, (SELECT coalesce(max(position) + 1, 0) FROM targets WHERE plan_id = $1 AND programme_line = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11)
           RETURNING id`,
          [planId, value.programmeLine, value.key, value.title, value.titleEn, value.target, value.metric, JSON.stringify(value.filters), value.manualAggregate, value.baseline, value.countingNote],
        ),
      );
      await this.audit.record(m, actor, 'create', AUDIT.target, row.id, diff({}, { year, ...value }), value.title);
      return row.id as string;
    });
    return this.get(id);
  }

  /**
   * Changes a target. Fields left out stay; null clears an optional one. Leaving the manual metric clears
   * manualAggregate and baseline, but is refused (409) while the target has manual figures.
   */
  async update(actor: Actor | 'system', id: string, input: UpdateTargetDto): Promise<TargetView> {
    requireEditor(actor);
    await this.dataSource.transaction(async (m) => {
      const before = await findTarget(m, id, true);
      const next: Record<string, unknown> = Object.fromEntries(EDITABLE.map((k) => [k, before[k]]));
      for (const k of EDITABLE) if ((input as Record<string, unknown>)[k] !== undefined) next[k] = (input as Record<string, unknown>)[k];
      if (next.metric !== 'manual') {
        if (input.manualAggregate === undefined) next.manualAggregate = null;
        if (input.baseline === undefined) next.baseline = null;
      }
      const { value, errors } = checkTarget(next);
      if (errors.length) throw new ValidationError(errors);
      if (before.metric === 'manual' && value.metric !== 'manual') {
        const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM manual_figures WHERE target_id = $1`, [id]);
        if (n) throw new ConflictError(`This target has ${n} manual figure(s): remove them before counting it another way`, [{ field: 'metric', message: 'has manual figures', rule: 'hasManualFigures' }]);
      }
      const changes = diff(pick(before), pick(value));
      if (!Object.keys(changes).length) return;
      const moved = value.programmeLine !== before.programmeLine;
      await this.keyed(() =>
        m.query(
          `UPDATE targets SET programme_line = $2, key = $3, title_nl = $4, title_en = $5, target_value = $6, metric = $7, filters = $8, manual_aggregate = $9,
                  baseline = $10, counting_note = $11, updated_at = now(),
                  position = CASE WHEN $12 THEN (SELECT coalesce(max(o.position) + 1, 0) FROM targets o WHERE o.plan_id = targets.plan_id AND o.programme_line = $2) ELSE position END
            WHERE id = $1`,
          [id, value.programmeLine, value.key, value.title, value.titleEn, value.target, value.metric, JSON.stringify(value.filters), value.manualAggregate, value.baseline, value.countingNote, moved],
        ),
      );
      await this.audit.record(m, actor, 'update', AUDIT.target, id, changes, value.title);
    });
    return this.get(id);
  }

  /** Removes a target with its manual figures; the audit log keeps its definition. */
  async delete(actor: Actor | 'system', id: string): Promise<void> {
    requireEditor(actor);
    await this.dataSource.transaction(async (m) => {
      const before = await findTarget(m, id, true);
      await m.query(`DELETE FROM targets WHERE id = $1`, [id]);
      await this.audit.record(m, actor, 'delete', AUDIT.target, id, diff({ year: before.year, ...pick(before) }, {}), before.title);
    });
  }

  get(id: string, manager: EntityManager = this.dataSource.manager): Promise<TargetView> {
    return findTarget(manager, id);
  }

  /**
   * Every target of a year's plan with its figure for the period (default: that year), its pace by
   * `asOf` and, for attendance, the registered and no-show counts. One statement per target.
   */
  async listForYear(year: number, period?: PeriodInput, asOf: Date = new Date()): Promise<TargetFigure[]> {
    const resolved = resolvePeriod(period ?? { year });
    const plan = Number.isInteger(year) ? await this.dataSource.query(`SELECT id FROM year_plans WHERE year = $1`, [year]) : [];
    if (!plan.length) throw new NotFoundError(`Year plan ${year}`);
    const targets: TargetView[] = await this.dataSource.query(`${TARGET_SELECT} WHERE p.year = $1 ORDER BY ${TARGET_ORDER}`, [year]);
    return Promise.all(targets.map((t) => this.figure(t, resolved, asOf)));
  }

  /** One target's figure, with its pace, for a period (default: the target's year). */
  async figureOf(id: string, period?: PeriodInput, asOf: Date = new Date()): Promise<TargetFigure> {
    const target = await this.get(id);
    return this.figure(target, resolvePeriod(period ?? { year: target.year }), asOf);
  }

  async tally(id: string, period?: PeriodInput): Promise<Tally> {
    const target = await this.get(id);
    return this.tallyOf(target, resolvePeriod(period ?? { year: target.year }));
  }

  /**
   * The figure per funding municipality (all seven always listed, then 'outside' for outside the region
   * or unknown). Each unit counts in one municipality, so the parts add up to the figure: an organisation
   * in its own, a person or group in that of the organisation they came for (the latest), an event held
   * in the event's. Manual figures and progress reports are not broken down (an empty list).
   */
  async breakdown(id: string, period?: PeriodInput): Promise<MunicipalityFigure[]> {
    const target = await this.get(id);
    if (target.metric === 'manual' || target.metric === 'progress_reports') return [];
    const rows: { municipality: string; value: string; items: number }[] = await this.run(breakdownSql(target, resolvePeriod(period ?? { year: target.year })));
    const byKey = new Map(rows.map((r) => [MUNICIPALITY_NAMES.has(r.municipality) ? r.municipality : OUTSIDE, r]));
    return [...KEYPORT_MUNICIPALITIES.map((m) => textKey(m)), OUTSIDE].map((key) => ({
      municipality: municipalityName(key),
      inRegion: key !== OUTSIDE,
      value: num(byKey.get(key)?.value ?? 0),
      items: byKey.get(key)?.items ?? 0,
    }));
  }

  /**
   * Exactly what the figure counts, by name: its length is the figure (for headcounts and summed manual
   * figures, the counts add up to it). Erased persons are listed anonymised, by their id.
   */
  async drillDown(id: string, period?: PeriodInput): Promise<DrillDownItem[]> {
    const target = await this.get(id);
    const rows: { kind: ItemKind; id: string; label: string; municipality: string; at: Date | null; weight: string; recordIds: string[] | null; detail: Record<string, unknown> }[] =
      await this.run(drillDownSql(target, resolvePeriod(period ?? { year: target.year })));
    return rows.map((r) => ({
      kind: r.kind,
      id: r.id,
      name: r.label,
      municipality: target.metric === 'manual' || target.metric === 'progress_reports' ? OUTSIDE : municipalityName(r.municipality),
      at: r.at,
      count: num(r.weight),
      recordIds: r.recordIds ?? [],
      detail: r.detail ?? {},
    }));
  }

  /** The figure month by month, cumulative over the period (default: the target's year), for a chart. */
  async monthly(id: string, period?: PeriodInput): Promise<MonthlyPoint[]> {
    const target = await this.get(id);
    const rows: { month: string; value: string | null; added: string | null }[] = await this.run(monthlySql(target, resolvePeriod(period ?? { year: target.year })));
    return rows.map((r) => ({ month: r.month, value: r.value === null ? null : num(r.value), added: r.added === null ? null : num(r.added) }));
  }

  private async figure(target: TargetView, period: Period, asOf: Date): Promise<TargetFigure> {
    const { targetId, ...tally } = await this.tallyOf(target, period);
    void targetId;
    return { ...target, ...tally, pace: pace({ target: target.target, baseline: target.baseline, value: tally.value }, period, target.year, asOf) };
  }

  private async tallyOf(target: TargetView, period: Period): Promise<Tally> {
    const [row] = await this.run(tallySql(target, period));
    const attendance = ATTENDANCE_METRICS.includes(target.metric) && (target.metric !== 'group_headcount' || target.filters.includePersons)
      ? { registered: row.registered, attended: row.attended, noShow: row.noShow }
      : null;
    return { targetId: target.id, period: periodView(period), value: row.value === null ? null : num(row.value), items: row.items, attendance };
  }

  private run(statement: Statement) {
    return this.dataSource.query(statement.sql, statement.params);
  }

  /** A second target with the same key in one plan is a 409 naming the field. */
  private async keyed<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if ((e as { code?: string }).code === '23505' && (e as { constraint?: string }).constraint === 'targets_plan_id_key_key') {
        throw new ConflictError('Another target of this plan has that key', [{ field: 'key', message: 'is taken in this plan', rule: 'keyTaken' }]);
      }
      throw e;
    }
  }
}

function pick(t: Record<string, unknown> | TargetDefinition): Record<string, unknown> {
  return Object.fromEntries(EDITABLE.map((k) => [k, (t as Record<string, unknown>)[k] ?? null]));
}
