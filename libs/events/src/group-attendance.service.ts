import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { AuditService, organisationNameKey } from '@keyport/crm';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { checkGroupAttendance, GroupAttendanceDto, GroupAttendanceView } from './group-attendance.dto';

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

const SELECT_GROUP = `
  SELECT g.id, g.event_id AS "eventId", g.organisation_id AS "organisationId", o.name AS "organisationName", g.label, g.headcount,
         g.participant_type AS "participantType", g.education_level AS "educationLevel", g.recorded_by AS "recordedBy",
         u.name AS "recordedByName", g.created_at AS "createdAt"
    FROM group_attendances g
    LEFT JOIN organisations o ON o.id = g.organisation_id
    LEFT JOIN users u ON u.id = g.recorded_by`;

/**
 * Whole groups at an event (a VMBO class meeting employers), counted by headcount: they add to the
 * event's figures (EventsService.stats().groupHeadcount) without a registration per person.
 */
@Injectable()
export class GroupAttendanceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async record(actor: Actor, eventId: string, input: GroupAttendanceDto): Promise<GroupAttendanceView> {
    const errors = checkGroupAttendance(input);
    if (input.organisationId && !isUuid(input.organisationId)) errors.push({ field: 'organisationId', message: 'organisationId must be a UUID', rule: 'isUuid' });
    if (errors.length) throw new ValidationError(errors);
    if (!isUuid(eventId)) throw new NotFoundError('Event');
    const id = await this.dataSource.transaction(async (m) => {
      const [event] = await m.query(`SELECT status FROM events WHERE id = $1 FOR SHARE`, [eventId]);
      if (!event) throw new NotFoundError('Event');
      if (event.status !== 'published' && event.status !== 'held') throw new ConflictError(`Groups can be recorded for a published or held event, not a ${event.status} one`);
      const organisationId = await this.resolveOrganisation(m, input);
      const label = input.label.trim();
      const [row] = await m.query(
        `INSERT INTO group_attendances (event_id, organisation_id, label, headcount, participant_type, education_level, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [eventId, organisationId, label, input.headcount, input.participantType, input.educationLevel || null, actor.id],
      );
      await this.audit.record(
        m, actor, 'create', 'group_attendance', row.id,
        { eventId: { old: null, new: eventId }, headcount: { old: null, new: input.headcount }, participantType: { old: null, new: input.participantType } },
        label,
      );
      return row.id as string;
    });
    return this.get(id);
  }

  async get(id: string): Promise<GroupAttendanceView> {
    if (!isUuid(id)) throw new NotFoundError('Group attendance');
    const rows = await this.dataSource.query(`${SELECT_GROUP} WHERE g.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Group attendance');
    return rows[0];
  }

  /** The groups of one event, in the order they came in. */
  async list(eventId: string): Promise<GroupAttendanceView[]> {
    if (!isUuid(eventId)) throw new NotFoundError('Event');
    return this.dataSource.query(`${SELECT_GROUP} WHERE g.event_id = $1 ORDER BY g.created_at, g.id`, [eventId]);
  }

  /** Removes a group recorded by mistake; the audit log keeps what it was. */
  async remove(actor: Actor, eventId: string, id: string): Promise<GroupAttendanceView> {
    const group = await this.get(id);
    if (group.eventId !== eventId) throw new NotFoundError('Group attendance');
    await this.dataSource.transaction(async (m) => {
      // TypeORM answers a DELETE with [rows, affected].
      const [, affected] = await m.query(`DELETE FROM group_attendances WHERE id = $1 AND event_id = $2`, [id, eventId]);
      if (!affected) throw new NotFoundError('Group attendance');
      await this.audit.record(
        m, actor, 'delete', 'group_attendance', id,
        { eventId: { old: eventId, new: null }, headcount: { old: group.headcount, new: null }, participantType: { old: group.participantType, new: null } },
        group.label,
      );
    });
    return group;
  }

  /**
   * The organisation of the group: by id, or by name (the same name key as duplicate detection uses;
   * schools first, then the oldest). A name that matches nothing leaves the group without one.
   */
  private async resolveOrganisation(m: EntityManager, input: GroupAttendanceDto): Promise<string | null> {
    if (input.organisationId) {
      const [org] = await m.query(`SELECT id, merged_into_id AS "mergedIntoId" FROM organisations WHERE id = $1`, [input.organisationId]);
      if (!org) throw new ValidationError([{ field: 'organisationId', message: 'no such organisation', rule: 'unknownOrganisation' }]);
      return org.mergedIntoId ?? org.id;
    }
    const name = input.organisationName?.trim();
    if (!name) return null;
    const [org] = await m.query(
      `SELECT id FROM organisations WHERE name_key = $1 AND merged_into_id IS NULL ORDER BY (type = 'education') DESC, created_at, id LIMIT 1`,
      [organisationNameKey(name)],
    );
    return org?.id ?? null;
  }
}
