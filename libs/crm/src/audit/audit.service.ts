import { Page, pageOf, pageWindow } from '@keyport/common';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export type AuditAction = 'create' | 'update' | 'delete' | 'merge' | 'erase' | 'import' | 'send' | 'pause' | 'resume' | 'cancel' | 'unsubscribe' | 'resubscribe' | 'bounce';

export interface AuditEntry {
  id: string;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  action: AuditAction;
  entity: string;
  entityId: string;
  changes: Record<string, { old: unknown; new: unknown }> | Record<string, unknown>;
  summary: string | null;
}

/** The fields that differ between two versions of a record, as { field: { old, new } }. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { old: unknown; new: unknown }> {
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = normalise(before[key]);
    const b = normalise(after[key]);
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[key] = { old: a, new: b };
  }
  return changes;
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value === undefined ? null : value;
}

/**
 * Who created, changed, merged, erased or deleted what, when, with old and new values. Written with the
 * caller's EntityManager, so the entry commits or rolls back with the change itself.
 */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    manager: EntityManager,
    actor: Actor | 'system',
    action: AuditAction,
    entity: string,
    entityId: string,
    changes: AuditEntry['changes'] = {},
    summary?: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, changes, summary) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [actor === 'system' ? null : actor.id, actor === 'system' ? 'system' : actor.name, action, entity, entityId, JSON.stringify(changes), summary ?? null],
    );
  }

  async forEntity(entity: string, entityId: string, page = 1, pageSize = 50): Promise<Page<AuditEntry>> {
    const w = pageWindow(page, pageSize);
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT id, at, actor_id AS "actorId", actor_name AS "actorName", action, entity, entity_id AS "entityId", changes, summary
           FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY at DESC, id DESC LIMIT $3 OFFSET $4`,
        [entity, entityId, w.pageSize, w.offset],
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity = $1 AND entity_id = $2`, [entity, entityId]),
    ]);
    return pageOf(rows, count[0].n, w.page, w.pageSize);
  }
}
