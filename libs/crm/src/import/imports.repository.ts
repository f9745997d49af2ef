import { Page, pageOf, pageWindow } from '@keyport/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ImportKind } from './import-format';
import { ImportStatus, ImportView, PreviewSummary, RowResult, RowStatus } from './import.types';

export const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

const VIEW_COLUMNS = `i.id, i.kind, i.file_name, i.status, i.total_rows, i.processed_rows, i.created_count, i.duplicate_count,
  i.rejected_count, i.preview, i.error, i.created_by, u.name AS created_by_name, i.created_at, i.finished_at`;

export interface LockedImport {
  kind: ImportKind;
  fileName: string;
  status: ImportStatus;
  processedRows: number;
  totalRows: number;
  createdCount: number;
  duplicateCount: number;
  rejectedCount: number;
  createdBy: string | null;
}

/** Every SQL of the imports and import_rows tables. The file is only ever read a slice at a time. */
@Injectable()
export class ImportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, input: { kind: ImportKind; fileName: string; file: Buffer; createdBy: string | null }): Promise<string> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO imports (kind, file_name, file, status, created_by) VALUES ($1, $2, $3, 'previewed', $4) RETURNING id`,
      [input.kind, input.fileName, input.file, input.createdBy],
    );
    return rows[0].id;
  }

  async finishPreview(m: EntityManager, id: string, total: number, summary: PreviewSummary): Promise<void> {
    await m.query(
      `UPDATE imports SET total_rows = $2, duplicate_count = $3, rejected_count = $4, preview = $5 WHERE id = $1`,
      [id, total, summary.duplicate, summary.rejected, JSON.stringify(summary)],
    );
  }

  /** Stores (or, after the run, replaces) the outcome of some lines. */
  async saveRows(m: EntityManager, importId: string, rows: RowResult[]): Promise<void> {
    if (!rows.length) return;
    await m.query(
      `INSERT INTO import_rows (import_id, row_number, status, label, reasons)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT (import_id, row_number) DO UPDATE SET status = EXCLUDED.status, reasons = EXCLUDED.reasons`,
      [importId, rows.map((r) => r.row), rows.map((r) => r.status), rows.map((r) => r.label), rows.map((r) => JSON.stringify(r.reasons))],
    );
  }

  async get(id: string, m: EntityManager = this.dataSource.manager): Promise<ImportView | null> {
    if (!isUuid(id)) return null;
    const rows = await m.query(`SELECT ${VIEW_COLUMNS} FROM imports i LEFT JOIN users u ON u.id = i.created_by WHERE i.id = $1`, [id]);
    return rows.length ? toView(rows[0]) : null;
  }

  async list(page?: number, pageSize?: number): Promise<Page<ImportView>> {
    const w = pageWindow(page, pageSize);
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${VIEW_COLUMNS.replace('i.preview', `i.preview - 'lines' AS preview`)}
           FROM imports i LEFT JOIN users u ON u.id = i.created_by ORDER BY i.created_at DESC, i.id LIMIT $1 OFFSET $2`,
        [w.pageSize, w.offset],
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM imports`),
    ]);
    return pageOf(rows.map(toView), count[0].n, w.page, w.pageSize);
  }

  async rows(importId: string, status: RowStatus | undefined, page?: number, pageSize?: number): Promise<Page<RowResult>> {
    const w = pageWindow(page, pageSize);
    const where = `import_id = $1${status ? ' AND status = $2' : ''}`;
    const params: unknown[] = status ? [importId, status] : [importId];
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT row_number AS row, status, label, reasons FROM import_rows WHERE ${where} ORDER BY row_number LIMIT ${w.pageSize} OFFSET ${w.offset}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM import_rows WHERE ${where}`, params),
    ]);
    return pageOf(rows as RowResult[], count[0].n, w.page, w.pageSize);
  }

  /** Every line's outcome in file order, a thousand at a time (keyset, so a long report stays cheap). */
  async *allRows(importId: string): AsyncGenerator<RowResult> {
    let after = 0;
    for (;;) {
      const rows: RowResult[] = await this.dataSource.query(
        `SELECT row_number AS row, status, label, reasons FROM import_rows WHERE import_id = $1 AND row_number > $2 ORDER BY row_number LIMIT 1000`,
        [importId, after],
      );
      yield* rows;
      if (rows.length < 1000) return;
      after = rows[rows.length - 1].row;
    }
  }

  /** The stored file, a slice at a time. */
  async *file(id: string, chunkBytes = 1 << 20): AsyncGenerator<Buffer> {
    const [{ size }] = await this.dataSource.query(`SELECT octet_length(file) AS size FROM imports WHERE id = $1`, [id]);
    for (let offset = 0; offset < size; offset += chunkBytes) {
      const [{ chunk }] = await this.dataSource.query(`SELECT substring(file FROM $2 FOR $3) AS chunk FROM imports WHERE id = $1`, [id, offset + 1, chunkBytes]);
      yield chunk as Buffer;
    }
  }

  /** Locks the import for a state change; null when it does not exist. */
  async lock(m: EntityManager, id: string): Promise<LockedImport | null> {
    if (!isUuid(id)) return null;
    const rows = await m.query(
      `SELECT kind, file_name AS "fileName", status, processed_rows AS "processedRows", total_rows AS "totalRows", created_count AS "createdCount",
              duplicate_count AS "duplicateCount", rejected_count AS "rejectedCount", created_by AS "createdBy"
         FROM imports WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ?? null;
  }

  async setStatus(m: EntityManager, id: string, status: ImportStatus, extra: { error?: string | null; finished?: boolean; resetCounts?: boolean } = {}): Promise<void> {
    await m.query(
      `UPDATE imports SET status = $2, error = $3,
              finished_at = CASE WHEN $4 THEN now() ELSE finished_at END,
              created_count = CASE WHEN $5 THEN 0 ELSE created_count END,
              duplicate_count = CASE WHEN $5 THEN 0 ELSE duplicate_count END,
              rejected_count = CASE WHEN $5 THEN 0 ELSE rejected_count END
        WHERE id = $1`,
      [id, status, extra.error ?? null, extra.finished ?? false, extra.resetCounts ?? false],
    );
  }

  async addProgress(m: EntityManager, id: string, counts: { processed: number; created: number; duplicate: number; rejected: number }): Promise<void> {
    await m.query(
      `UPDATE imports SET processed_rows = processed_rows + $2, created_count = created_count + $3, duplicate_count = duplicate_count + $4, rejected_count = rejected_count + $5 WHERE id = $1`,
      [id, counts.processed, counts.created, counts.duplicate, counts.rejected],
    );
  }
}

function toView(r: Record<string, unknown>): ImportView {
  const preview = r.preview && !Array.isArray(r.preview) ? ({ lines: [], ...(r.preview as object) } as unknown as PreviewSummary) : null;
  return {
    id: r.id as string,
    kind: r.kind as ImportKind,
    fileName: r.file_name as string,
    status: r.status as ImportStatus,
    totalRows: r.total_rows as number,
    processedRows: r.processed_rows as number,
    createdCount: r.created_count as number,
    duplicateCount: r.duplicate_count as number,
    rejectedCount: r.rejected_count as number,
    preview,
    error: (r.error as string | null) ?? null,
    createdBy: r.created_by ? { id: r.created_by as string, name: (r.created_by_name as string | null) ?? '' } : null,
    createdAt: r.created_at as Date,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}
