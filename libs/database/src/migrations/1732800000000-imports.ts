import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CSV imports, per line: what the preview found and, after the run, what happened (created, duplicate,
 * rejected) with the reasons, so the page can page through them and the report is exact after the run.
 * Uploaded files are stored uncompressed, so the worker can read them a slice at a time (PostgreSQL
 * reads a slice of an EXTERNAL value without decompressing it from the start).
 */
export class Imports1732800000000 implements MigrationInterface {
  name = 'Imports1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports ALTER COLUMN file SET STORAGE EXTERNAL`);
    await q.query(`CREATE INDEX imports_created_idx ON imports (created_at DESC)`);
    await q.query(`
      CREATE TABLE import_rows (
        import_id uuid NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        row_number integer NOT NULL,
        status text NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected', 'created')),
        label text,
        reasons jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (import_id, row_number)
      )`);
    await q.query(`CREATE INDEX import_rows_status_idx ON import_rows (import_id, status, row_number)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_rows`);
    await q.query(`DROP INDEX imports_created_idx`);
    await q.query(`ALTER TABLE imports ALTER COLUMN file SET STORAGE EXTENDED`);
  }
}
