export * from './bullmq-job-queue';
export * from './in-process-job-queue';
export * from './job-queue';
export * from './jobs';
export * from './outbox-relay';
export * from './outbox.service';
export * from './processor';
export * from './queue.module';
