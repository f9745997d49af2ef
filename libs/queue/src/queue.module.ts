import { DynamicModule, Global, Module } from '@nestjs/common';
import { BullmqJobQueue } from './bullmq-job-queue';
import { InProcessJobQueue } from './in-process-job-queue';
import { JobQueue } from './job-queue';
import { OutboxRelay } from './outbox-relay';
import { OutboxService } from './outbox.service';

export interface QueueModuleOptions {
  /** Without it, jobs run in this process. */
  redisUrl?: string;
  prefix?: string;
  /** BullMQ's job lock and stalled check (JOB_LOCK_SECONDS); default 30. */
  lockSeconds?: number;
}

@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions): DynamicModule {
    return {
      module: QueueModule,
      providers: [
        {
          provide: JobQueue,
          useFactory: () =>
            options.redisUrl
              ? new BullmqJobQueue({ url: options.redisUrl, prefix: options.prefix ?? 'keyport', lockSeconds: options.lockSeconds })
              : new InProcessJobQueue(),
        },
        OutboxService,
        OutboxRelay,
      ],
      exports: [JobQueue, OutboxService, OutboxRelay],
    };
  }
}
