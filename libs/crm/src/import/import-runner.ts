import { DomainError, ErrorCode } from '@keyport/common';
import { Actor, UsersService } from '@keyport/users';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ContactsService } from '../contacts/contacts.service';
import { OrganisationsService } from '../organisations/organisations.service';
import { CsvRow, readCsv } from './csv-reader';
import { ClassifiedRow, ImportClassifier, RowPlan } from './import-classifier';
import { ImportKind } from './import-format';
import { ImportLookups, MemorySeenKeys } from './import-lookups';
import { batches, IMPORT_BATCH_SIZE, skip } from './import-stream';
import { RowReason } from './import.types';
import { ImportsRepository } from './imports.repository';

const ANALYZE_EVERY_BATCHES = 8;

/** A line failed in a batch written without savepoints: the batch is rolled back and written again, line by line. */
class RetryLineByLine extends Error {}

export interface RunContext {
  attempt: number;
  maxAttempts: number;
}

/**
 * Writes an import: streams the stored file again, classifies each batch anew inside its own
 * transaction (a line that became a duplicate since the preview is counted as one), creates the
 * accepted lines through OrganisationsService/ContactsService (their checks and audit entries), and
 * commits the batch together with the lines' outcomes and the progress counters. So an interrupted run
 * resumes exactly where it stopped, and two runners of one import cannot both write a batch.
 */
@Injectable()
export class ImportRunner {
  private readonly logger = new Logger(ImportRunner.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: ImportsRepository,
    private readonly organisations: OrganisationsService,
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

  async run(importId: string, ctx: RunContext = { attempt: 1, maxAttempts: 1 }): Promise<void> {
    const start = await this.dataSource.transaction(async (m) => {
      const current = await this.repo.lock(m, importId);
      // Done, failed for good, or never asked for: nothing to do.
      if (!current || (current.status !== 'queued' && current.status !== 'running')) return null;
      await this.repo.setStatus(m, importId, 'running', { resetCounts: current.processedRows === 0 });
      return current;
    });
    if (!start) return;
    const actor = await this.actorOf(start.createdBy);
    const started = Date.now();
    let position = start.processedRows;
    try {
      const lines = skip(readCsv(start.kind, this.repo.file(importId)), position);
      let batchesWritten = 0;
      for await (const batch of batches(lines, IMPORT_BATCH_SIZE)) {
        if (!(await this.writeBatch(importId, start.kind, actor, batch, position))) {
          this.logger.warn(`import ${importId}: another runner took over at line ${position}; stopping`);
          return;
        }
        position += batch.length;
        // A large import can grow the tables many times over before autovacuum notices; stale statistics
        // then make the planner scan whole tables for every duplicate check. Refresh them as we go.
        if (++batchesWritten % ANALYZE_EVERY_BATCHES === 0) {
          await this.dataSource.query(`ANALYZE organisations, contacts, contact_organisations`);
        }
      }
      await this.dataSource.transaction(async (m) => {
        const current = await this.repo.lock(m, importId);
        if (!current || current.status !== 'running') return;
        await this.repo.setStatus(m, importId, 'done', { finished: true });
        await this.audit.record(m, actor, 'import', 'import', importId, { kind: current.kind, created: current.createdCount, duplicates: current.duplicateCount, rejected: current.rejectedCount },
          `${current.fileName}: ${current.createdCount} created, ${current.duplicateCount} duplicate, ${current.rejectedCount} rejected`);
        this.logger.log(`import ${importId} done: ${current.processedRows} lines, ${current.createdCount} created, ${current.duplicateCount} duplicate, ${current.rejectedCount} rejected in ${Date.now() - started} ms`);
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      this.logger.error(`import ${importId} stopped at line ${position} (attempt ${ctx.attempt} of ${ctx.maxAttempts}): ${code}`);
      if (ctx.attempt >= ctx.maxAttempts) {
        await this.dataSource.transaction(async (m) => {
          const current = await this.repo.lock(m, importId);
          if (current?.status === 'running') {
            await this.repo.setStatus(m, importId, 'failed', { error: `Stopped after ${current.processedRows} of ${current.totalRows} lines by an unexpected error (${code}). Run it again to continue where it stopped.` });
          }
        });
      }
      throw error;
    }
  }

  /** False when this runner is not the one that should write this batch (another one got further). */
  private async writeBatch(importId: string, kind: ImportKind, actor: Actor | 'system', rows: CsvRow[], position: number): Promise<boolean> {
    try {
      return await this.dataSource.transaction((m) => this.applyBatch(m, importId, kind, actor, rows, position, false));
    } catch (error) {
      if (!(error instanceof RetryLineByLine)) throw error;
      return this.dataSource.transaction((m) => this.applyBatch(m, importId, kind, actor, rows, position, true));
    }
  }

  private async applyBatch(m: EntityManager, importId: string, kind: ImportKind, actor: Actor | 'system', rows: CsvRow[], position: number, lineByLine: boolean): Promise<boolean> {
    const current = await this.repo.lock(m, importId);
    if (!current || current.status !== 'running' || current.processedRows !== position) return false;
    const classified = await new ImportClassifier(kind, new ImportLookups(m), new MemorySeenKeys()).classify(rows);
    const organisationOfRow = new Map<number, string>();
    for (const line of classified) {
      if (line.status !== 'accepted') continue;
      if (!lineByLine) {
        try {
          await this.write(m, actor, line, organisationOfRow, false);
        } catch {
          throw new RetryLineByLine();
        }
        continue;
      }
      await m.query('SAVEPOINT import_line');
      try {
        await this.write(m, actor, line, organisationOfRow, true);
        await m.query('RELEASE SAVEPOINT import_line');
      } catch (error) {
        await m.query('ROLLBACK TO SAVEPOINT import_line');
        this.failLine(line, error);
      }
    }
    const count = (s: string) => classified.filter((r) => r.status === s).length;
    await this.repo.saveRows(m, importId, classified.map(({ plan: _plan, ...r }) => r));
    await this.repo.addProgress(m, importId, { processed: classified.length, created: count('created'), duplicate: count('duplicate'), rejected: count('rejected') });
    return true;
  }

  private async write(m: EntityManager, actor: Actor | 'system', line: ClassifiedRow, organisationOfRow: Map<number, string>, savepoints: boolean): Promise<void> {
    const plan = line.plan as RowPlan;
    if (plan.kind === 'contacts') {
      const organisations = plan.organisationId ? [{ organisationId: plan.organisationId, role: plan.role }] : undefined;
      await this.contacts.create(actor, { ...plan.contact, organisations }, m);
      line.status = 'created';
      return;
    }
    let organisationId: string;
    if ('create' in plan.organisation) {
      organisationId = (await this.organisations.create(actor, plan.organisation.create, m)).id;
      organisationOfRow.set(line.row, organisationId);
    } else if ('existingId' in plan.organisation) {
      organisationId = plan.organisation.existingId;
    } else {
      const created = organisationOfRow.get(plan.organisation.sameAsRow);
      if (!created) throw new LineError({ code: 'failed', row: plan.organisation.sameAsRow, message: `the organisation of row ${plan.organisation.sameAsRow} could not be saved` });
      organisationId = created;
    }
    line.status = 'created';
    if (!plan.contact) return;
    const person = { ...plan.contact.create, organisations: [{ organisationId, role: plan.contact.role }] };
    if (!savepoints || !('create' in plan.organisation)) {
      await this.contacts.create(actor, person, m);
      return;
    }
    // The organisation stands even if its person turned out to exist meanwhile.
    await m.query('SAVEPOINT import_person');
    try {
      await this.contacts.create(actor, person, m);
      await m.query('RELEASE SAVEPOINT import_person');
    } catch (error) {
      await m.query('ROLLBACK TO SAVEPOINT import_person');
      if (!(error instanceof DomainError) || error.code !== ErrorCode.Conflict) throw error;
      line.reasons = [{ code: 'contactExists', entity: 'contact', message: `the organisation is added; the person exists: ${error.message}` }];
    }
  }

  /** A line that could not be written: a duplicate by now (a concurrent save), invalid, or failed. */
  private failLine(line: ClassifiedRow, error: unknown): void {
    if (error instanceof LineError) {
      line.status = 'rejected';
      line.reasons = [error.reason];
    } else if (error instanceof DomainError && error.code === ErrorCode.Conflict) {
      line.status = 'duplicate';
      line.reasons = [{ code: 'duplicate', message: error.message, ...(error.fields[0] ? { field: error.fields[0].field } : {}) }];
    } else if (error instanceof DomainError && error.code === ErrorCode.Invalid) {
      line.status = 'rejected';
      line.reasons = error.fields.map((f) => ({ code: 'invalid' as const, field: f.field, rule: f.rule, message: f.message }));
    } else {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      // The error code only: a database message may quote the line's values.
      this.logger.warn(`import line ${line.row} could not be saved: ${code}`);
      line.status = 'rejected';
      line.reasons = [{ code: 'failed', message: `could not be saved (${code})` }];
    }
  }

  private async actorOf(userId: string | null): Promise<Actor | 'system'> {
    const user = userId ? await this.users.findActive(userId) : null;
    return user ? { id: user.id, role: user.role, name: user.name, email: user.email } : 'system';
  }
}

class LineError extends Error {
  constructor(readonly reason: RowReason) {
    super(reason.message);
  }
}
