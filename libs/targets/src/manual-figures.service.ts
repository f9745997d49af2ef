import { ConflictError, FieldError, NotFoundError, ValidationError } from '@keyport/common';
import { AuditService } from '@keyport/crm';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isDate } from './period';
import { ManualFigureDto, ManualFigureView } from './target.dto';
import { findTarget, isUuid, requireEditor } from './target-queries';
import { AUDIT, NOTE_MAX, TARGET_MAX } from './targets.constants';

const FIGURE_SELECT = `
  SELECT f.id, f.target_id AS "targetId", to_char(f.recorded_on, 'YYYY-MM-DD') AS "recordedOn", f.value, f.note,
         f.recorded_by AS "recordedBy", u.name AS "recordedByName", f.created_at AS "createdAt"
    FROM manual_figures f LEFT JOIN users u ON u.id = f.recorded_by`;

export function checkManualFigure(input: Partial<Record<keyof ManualFigureDto, unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  if (!isDate(input.recordedOn)) errors.push({ field: 'recordedOn', message: 'recordedOn must be a date YYYY-MM-DD', rule: 'isDate' });
  const v = input.value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > TARGET_MAX) errors.push({ field: 'value', message: `value must be a whole number from 0 to ${TARGET_MAX}`, rule: 'isInt' });
  if (input.note !== undefined && input.note !== null && (typeof input.note !== 'string' || input.note.length > NOTE_MAX)) {
    errors.push({ field: 'note', message: `note must be a text of at most ${NOTE_MAX} characters`, rule: 'maxLength' });
  }
  return errors;
}

/**
 * The entries of manual targets (website visits, awards, job seekers placed, …): a value on a day with
 * a note saying where it comes from. Whether a period's figure is the latest entry or the sum of its
 * entries is the target's manualAggregate.
 */
@Injectable()
export class ManualFiguresService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async add(actor: Actor | 'system', targetId: string, input: ManualFigureDto): Promise<ManualFigureView> {
    requireEditor(actor);
    const errors = checkManualFigure(input);
    if (errors.length) throw new ValidationError(errors);
    const id = await this.dataSource.transaction(async (m) => {
      const target = await findTarget(m, targetId, true);
      if (target.metric !== 'manual') throw new ConflictError('This target is counted from the records: it takes no manual figures', [{ field: 'targetId', message: 'is not a manual figure', rule: 'notManual' }]);
      const note = input.note?.trim() || null;
      const [row] = await m.query(
        `INSERT INTO manual_figures (target_id, recorded_on, value, note, recorded_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [target.id, input.recordedOn, input.value, note, actor === 'system' ? null : actor.id],
      );
      await this.audit.record(m, actor, 'create', AUDIT.figure, row.id, { targetId: { old: null, new: target.id }, recordedOn: { old: null, new: input.recordedOn }, value: { old: null, new: input.value }, note: { old: null, new: note } }, target.title);
      return row.id as string;
    });
    return this.get(id);
  }

  async get(id: string): Promise<ManualFigureView> {
    const rows = isUuid(id) ? await this.dataSource.query(`${FIGURE_SELECT} WHERE f.id = $1`, [id]) : [];
    if (!rows.length) throw new NotFoundError('Manual figure');
    return rows[0];
  }

  /** A target's entries, newest first. */
  async list(targetId: string): Promise<ManualFigureView[]> {
    await findTarget(this.dataSource.manager, targetId);
    return this.dataSource.query(`${FIGURE_SELECT} WHERE f.target_id = $1 ORDER BY f.recorded_on DESC, f.created_at DESC, f.id DESC`, [targetId]);
  }

  async remove(actor: Actor | 'system', targetId: string, id: string): Promise<void> {
    requireEditor(actor);
    const figure = await this.get(id);
    if (figure.targetId !== targetId) throw new NotFoundError('Manual figure');
    await this.dataSource.transaction(async (m) => {
      const [, affected] = await m.query(`DELETE FROM manual_figures WHERE id = $1 AND target_id = $2`, [id, targetId]);
      if (!affected) throw new NotFoundError('Manual figure');
      await this.audit.record(m, actor, 'delete', AUDIT.figure, id, { recordedOn: { old: figure.recordedOn, new: null }, value: { old: figure.value, new: null }, note: { old: figure.note, new: null } });
    });
  }
}
