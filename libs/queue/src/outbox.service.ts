import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JOB_RULES, JobName, JobPayloads } from './jobs';

export interface OutboxOptions {
  /** Run no earlier than this. */
  runAt?: Date;
  priority?: number;
}

/**
 * The transactional outbox: a job written with the same EntityManager (transaction) as the change that
 * causes it. If the transaction rolls back, no job; if it commits, the relay hands it to the queue, however
 * long the queue is down. The job id on the queue is derived from the row, so a relay that dies between
 * adding and marking cannot enqueue twice.
 */
@Injectable()
export class OutboxService {
  async add<N extends JobName>(manager: EntityManager, name: N, data: JobPayloads[N], options: OutboxOptions = {}): Promise<string> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO job_outbox (name, payload, priority, run_at) VALUES ($1, $2, $3, COALESCE($4, now())) RETURNING id`,
      [name, JSON.stringify(data), options.priority ?? JOB_RULES[name].priority, options.runAt ?? null],
    );
    return rows[0].id;
  }
}
