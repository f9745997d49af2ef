import { JobContext, JobProcessor, JobProcessorHandler, RunImportJob } from '@keyport/queue';
import { Injectable } from '@nestjs/common';
import { ImportRunner } from './import-runner';

/** Runs a queued import (POST /imports/{id}/run queued it through the outbox). */
@Injectable()
@JobProcessor('run-import')
export class RunImportProcessor implements JobProcessorHandler<'run-import'> {
  constructor(private readonly runner: ImportRunner) {}

  process(job: RunImportJob, ctx: JobContext): Promise<void> {
    return this.runner.run(job.importId, ctx);
  }
}
