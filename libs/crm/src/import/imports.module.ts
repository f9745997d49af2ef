import { UsersModule } from '@keyport/users';
import { Module } from '@nestjs/common';
import { CrmModule } from '../crm.module';
import { ImportRunner } from './import-runner';
import { ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';
import { RunImportProcessor } from './run-import.processor';

/** CSV imports: preview and queueing (ImportsService) and the run-import job (in the API without Redis, in apps/worker with it). */
@Module({
  imports: [CrmModule, UsersModule],
  providers: [ImportsRepository, ImportsService, ImportRunner, RunImportProcessor],
  exports: [ImportsService, ImportRunner],
})
export class ImportsModule {}
