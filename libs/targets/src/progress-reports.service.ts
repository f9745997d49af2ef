import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { AuditService } from '@keyport/crm';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { resolvePeriod } from './period';
import { IssueProgressReportDto, ProgressReportView, ProgressSnapshot } from './target.dto';
import { isUuid, requireEditor } from './target-queries';
import { TargetsService } from './targets.service';
import { AUDIT, YEAR_MAX, YEAR_MIN } from './targets.constants';

const REPORT_SELECT = `
  SELECT r.id, r.year, r.quarter, r.highlights, r.issued_at AS "issuedAt", r.issued_by AS "issuedBy", r.issued_by_name AS "issuedByName", r.snapshot
    FROM progress_reports r`;

/**
 * Quarterly progress reports for the stakeholders. Issuing one freezes its figures (the targets table
 * with pace, per-municipality figures and the events held in the quarter) in a snapshot, so the archive
 * shows what was reported; each issued report counts towards "progress communicated 4 times a year",
 * in the period it was issued.
 */
@Injectable()
export class ProgressReportsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly targets: TargetsService,
  ) {}

  /** Issues the report of a quarter, once (409 when that quarter's report was issued already). */
  async issue(actor: Actor | 'system', input: IssueProgressReportDto, asOf: Date = new Date()): Promise<ProgressReportView> {
    requireEditor(actor);
    const errors = [];
    if (!Number.isInteger(input.year) || input.year < YEAR_MIN || input.year > YEAR_MAX) errors.push({ field: 'year', message: `year must be a whole number from ${YEAR_MIN} to ${YEAR_MAX}`, rule: 'isYear' });
    if (!Number.isInteger(input.quarter) || input.quarter < 1 || input.quarter > 4) errors.push({ field: 'quarter', message: 'quarter must be 1, 2, 3 or 4', rule: 'isQuarter' });
    if (typeof input.highlights === 'string' && input.highlights.length > 20_000) errors.push({ field: 'highlights', message: 'highlights must be at most 20000 characters', rule: 'maxLength' });
    if (errors.length) throw new ValidationError(errors);
    const exists = await this.dataSource.query(`SELECT 1 FROM progress_reports WHERE year = $1 AND quarter = $2 AND issued_at IS NOT NULL`, [input.year, input.quarter]);
    if (exists.length) throw this.issued(input.year, input.quarter);
    const plan = await this.dataSource.query(`SELECT 1 FROM year_plans WHERE year = $1`, [input.year]);
    if (!plan.length) throw new ValidationError([{ field: 'year', message: `there is no plan for ${input.year}`, rule: 'planExists' }]);
    const snapshot = await this.snapshot(input.year, input.quarter, asOf);
    const id = await this.dataSource.transaction(async (m) => {
      const rows: { id: string }[] = await m.query(
        `INSERT INTO progress_reports (year, quarter, highlights, snapshot, issued_at, issued_by, issued_by_name)
         VALUES ($1, $2, $3, $4, now(), $5, $6)
         ON CONFLICT (year, quarter) DO UPDATE SET highlights = excluded.highlights, snapshot = excluded.snapshot, issued_at = excluded.issued_at,
                issued_by = excluded.issued_by, issued_by_name = excluded.issued_by_name, updated_at = now()
          WHERE progress_reports.issued_at IS NULL
         RETURNING id`,
        [input.year, input.quarter, input.highlights?.trim() ?? '', JSON.stringify(snapshot), actor === 'system' ? null : actor.id, actor === 'system' ? 'system' : actor.name],
      );
      if (!rows.length) throw this.issued(input.year, input.quarter);
      await this.audit.record(m, actor, 'create', AUDIT.report, rows[0].id, { year: { old: null, new: input.year }, quarter: { old: null, new: input.quarter } }, `Progress report Q${input.quarter} ${input.year} issued`);
      return rows[0].id;
    });
    return this.get(id);
  }

  async get(id: string): Promise<ProgressReportView> {
    const rows = isUuid(id) ? await this.dataSource.query(`${REPORT_SELECT} WHERE r.id = $1`, [id]) : [];
    if (!rows.length) throw new NotFoundError('Progress report');
    return rows[0];
  }

  /** The archive: every report (of a year), newest quarter first. */
  list(year?: number): Promise<ProgressReportView[]> {
    return year === undefined
      ? this.dataSource.query(`${REPORT_SELECT} ORDER BY r.year DESC, r.quarter DESC`)
      : this.dataSource.query(`${REPORT_SELECT} WHERE r.year = $1 ORDER BY r.quarter DESC`, [year]);
  }

  private async snapshot(year: number, quarter: number, asOf: Date): Promise<ProgressSnapshot> {
    const period = resolvePeriod({ year, quarter });
    const figures = await this.targets.listForYear(year, { year, quarter }, asOf);
    const targets = await Promise.all(
      figures.map(async (f) => ({
        id: f.id, programmeLine: f.programmeLine, key: f.key, title: f.title, titleEn: f.titleEn, target: f.target, metric: f.metric,
        value: f.value, baseline: f.baseline, attendance: f.attendance, pace: f.pace,
        municipalities: await this.targets.breakdown(f.id, { year, quarter }),
      })),
    );
    const eventsHeld = await this.dataSource.query(
      `SELECT e.id, e.title, e.format, e.starts_at AS "startsAt", e.municipality FROM events e
        WHERE e.status = 'held' AND e.starts_at >= $1 AND e.starts_at < $2 ORDER BY e.starts_at, e.id`,
      [period.startsAt, period.endsAt],
    );
    const { kind, label, start, end, startsAt, endsAt } = period;
    return { period: { kind, label, start, end, startsAt, endsAt }, targets, eventsHeld };
  }

  private issued(year: number, quarter: number): ConflictError {
    return new ConflictError(`The progress report of Q${quarter} ${year} was issued already`, [{ field: 'quarter', message: 'was issued already', rule: 'reportIssued' }]);
  }
}
