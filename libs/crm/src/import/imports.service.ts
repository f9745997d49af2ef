import { ConflictError, ForbiddenError, NotFoundError, Page, ValidationError } from '@keyport/common';
import { OutboxService } from '@keyport/queue';
import { Actor, Role } from '@keyport/users';
import { Injectable, Logger } from '@nestjs/common';
import { isUtf8 } from 'node:buffer';
import { DataSource } from 'typeorm';
import { CsvHeader, ImportFileError, readCsv } from './csv-reader';
import { ImportClassifier } from './import-classifier';
import { IMPORT_KINDS, ImportKind } from './import-format';
import { ImportLookups, TableSeenKeys } from './import-lookups';
import { chunksOf, classifyStream } from './import-stream';
import { ImportProgress, ImportView, PreviewSummary, ROW_STATUSES, RowResult, RowStatus } from './import.types';
import { ImportsRepository } from './imports.repository';

export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** How many lines the preview keeps with the import itself (all of them are in import_rows). */
export const PREVIEW_LINES = 200;
const IMPORT_ROLES: Role[] = [Role.Admin, Role.AccountManager, Role.Organiser];

export interface ReportLine extends RowResult {
  values: Record<string, string>;
}

export function parseKind(value: unknown): ImportKind {
  if (typeof value === 'string' && (IMPORT_KINDS as readonly string[]).includes(value)) return value as ImportKind;
  throw new ValidationError([{ field: 'kind', message: `kind must be one of: ${IMPORT_KINDS.join(', ')}`, rule: 'isIn' }]);
}

export function parseRowStatus(value: unknown): RowStatus | undefined {
  return typeof value === 'string' && (ROW_STATUSES as readonly string[]).includes(value) ? (value as RowStatus) : undefined;
}

/**
 * CSV imports of organisations (optionally with a person working at each) and of contacts: an upload is
 * checked line by line into a preview (nothing written to the CRM), then, on request, a job writes the
 * accepted lines (ImportRunner). The file is kept with the import, and read as a stream each time.
 */
@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: ImportsRepository,
    private readonly outbox: OutboxService,
  ) {}

  /** Stores the file and classifies every line: accepted / duplicate / rejected, with the reasons. */
  async preview(actor: Actor, input: { kind: unknown; fileName?: string; content: Buffer }): Promise<ImportView> {
    mayImport(actor);
    const kind = parseKind(input.kind);
    const content = asUtf8(input.content);
    const fileName = cleanFileName(input.fileName);
    const started = Date.now();
    const id = await this.dataSource.transaction(async (m) => {
      const id = await this.repo.insert(m, { kind, fileName, file: content, createdBy: actor.id });
      const classifier = new ImportClassifier(kind, new ImportLookups(m), await TableSeenKeys.create(m));
      let header: CsvHeader | undefined;
      const summary: PreviewSummary = { accepted: 0, duplicate: 0, rejected: 0, delimiter: '', ignoredColumns: [], lines: [] };
      let total = 0;
      for await (const batch of classifyStream(classifier, readCsv(kind, chunksOf(content), (h) => (header = h)))) {
        const results = batch.map(({ plan: _plan, ...r }) => r);
        for (const r of results) summary[r.status as 'accepted' | 'duplicate' | 'rejected']++;
        total += results.length;
        if (summary.lines.length < PREVIEW_LINES) summary.lines.push(...results.slice(0, PREVIEW_LINES - summary.lines.length));
        await this.repo.saveRows(m, id, results);
      }
      if (!total) throw new ImportFileError('noRows', 'there are no lines below the header');
      summary.delimiter = header!.delimiter;
      summary.ignoredColumns = header!.ignored;
      await this.repo.finishPreview(m, id, total, summary);
      this.logger.log(`import ${id} previewed: ${kind}, ${total} lines (${summary.accepted} accepted, ${summary.duplicate} duplicate, ${summary.rejected} rejected) in ${Date.now() - started} ms`);
      return id;
    });
    return (await this.repo.get(id))!;
  }

  /** Queues the run (through the outbox, in the same transaction). A done import is not run again. */
  async requestRun(actor: Actor, id: string): Promise<ImportView> {
    mayImport(actor);
    await this.dataSource.transaction(async (m) => {
      const current = await this.repo.lock(m, id);
      if (!current) throw new NotFoundError('Import');
      if (current.status === 'done') throw new ConflictError('This import is done; importing the same file again would add nothing');
      if (current.status === 'queued' || current.status === 'running') throw new ConflictError('This import is already queued or running');
      // From here on the counters are the run's (the preview's stay in `preview`).
      await this.repo.setStatus(m, id, 'queued', { resetCounts: current.processedRows === 0 });
      await this.outbox.add(m, 'run-import', { importId: id });
    });
    this.logger.log(`import ${id} queued`);
    return this.get(actor, id);
  }

  /**
   * Deletes an import: the uploaded file (personal data of everyone in it) and its per-line results. What
   * it created stays. Not while it is queued or running.
   */
  async delete(actor: Actor, id: string): Promise<void> {
    mayImport(actor);
    await this.dataSource.transaction(async (m) => {
      const current = await this.repo.lock(m, id);
      if (!current) throw new NotFoundError('Import');
      if (current.status === 'queued' || current.status === 'running') throw new ConflictError('This import is queued or running; delete it when it is done');
      await m.query(`DELETE FROM imports WHERE id = $1`, [id]);
    });
    this.logger.log(`import ${id} deleted`);
  }

  async list(actor: Actor, page?: number, pageSize?: number): Promise<Page<ImportView>> {
    mayImport(actor);
    return this.repo.list(page, pageSize);
  }

  async get(actor: Actor, id: string): Promise<ImportView> {
    mayImport(actor);
    const found = await this.repo.get(id);
    if (!found) throw new NotFoundError('Import');
    return found;
  }

  async progress(actor: Actor, id: string): Promise<ImportProgress> {
    const i = await this.get(actor, id);
    const percent = i.totalRows ? Math.floor((i.processedRows / i.totalRows) * 100) : 0;
    return { status: i.status, totalRows: i.totalRows, processedRows: i.processedRows, createdCount: i.createdCount, duplicateCount: i.duplicateCount, rejectedCount: i.rejectedCount, percent };
  }

  /** The outcome of the lines, a page at a time, optionally of one status. */
  async rows(actor: Actor, id: string, status?: RowStatus, page?: number, pageSize?: number): Promise<Page<RowResult>> {
    await this.get(actor, id);
    return this.repo.rows(id, status, page, pageSize);
  }

  /**
   * Every line of the file with its outcome (the preview's, or the run's once it ran), in file order,
   * streamed: the file and the outcomes are both read a slice at a time and joined by row number.
   */
  async report(actor: Actor, id: string): Promise<{ importView: ImportView; columns: string[]; lines: AsyncGenerator<ReportLine> }> {
    const importView = await this.get(actor, id);
    let columns: string[] = [];
    const rows = readCsv(importView.kind, this.repo.file(id), (h) => (columns = h.columns));
    const first = await rows.next();
    const outcomes = this.repo.allRows(id);
    async function* lines(): AsyncGenerator<ReportLine> {
      let outcome = await outcomes.next();
      for (let next = first; !next.done; next = await rows.next()) {
        const row = next.value;
        while (!outcome.done && outcome.value.row < row.row) outcome = await outcomes.next();
        if (!outcome.done && outcome.value.row === row.row) yield { ...outcome.value, values: row.values };
      }
    }
    return { importView, columns, lines: lines() };
  }
}

export function mayImport(actor: Actor): void {
  if (!IMPORT_ROLES.includes(actor.role)) throw new ForbiddenError('Imports are for account managers and organisers');
}

/**
 * The upload as UTF-8 text. Not UTF-8 but text (a "CSV" saved by older Excel versions in Windows-1252):
 * converted, so the stored file is always UTF-8. Binary content (a spreadsheet, a picture): refused.
 */
function asUtf8(content: Buffer): Buffer {
  if (!content.length) throw new ImportFileError('empty', 'the file is empty');
  if (content.subarray(0, 8192).includes(0)) throw new ImportFileError('notText', 'this is not a text (CSV) file; in Excel, save as "CSV UTF-8"');
  if (content.length > MAX_IMPORT_BYTES) throw new ImportFileError('tooLarge', `the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`, { mb: MAX_IMPORT_BYTES / 1024 / 1024 });
  if (isUtf8(content)) return content;
  return Buffer.from(new TextDecoder('windows-1252').decode(content), 'utf8');
}

function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'import.csv').slice(0, 200);
}
