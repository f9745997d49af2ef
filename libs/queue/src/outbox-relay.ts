import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobQueue } from './job-queue';
import { JOB_RULES, JobName } from './jobs';

interface OutboxRow {
  id: string;
  name: JobName;
  payload: never;
  priority: number;
  delay_ms: number;
}

export const outboxJobId = (rowId: string): string => `outbox-${rowId}`;

/**
 * Moves committed outbox rows to the queue. Any number of relays may run (API instances, workers):
 * each batch is claimed with FOR UPDATE SKIP LOCKED and marked relayed in the same transaction, only
 * after the queue accepted every job of it.
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private failing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
  ) {}

  start(intervalMs = 200): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      this.running = this.drain().then(() => undefined);
      await this.running;
      if (!this.stopped) this.timer = setTimeout(tick, this.failing ? Math.max(intervalMs, 2_000) : intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Relays everything pending now; returns how many jobs went to the queue. */
  async drain(batchSize = 200): Promise<number> {
    let total = 0;
    try {
      while (true) {
        const moved = await this.relayBatch(batchSize);
        total += moved;
        if (moved < batchSize) break;
      }
      if (this.failing) this.logger.log('outbox relay: queue reachable again, relaying');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`outbox relay paused: ${(error as Error).message}`);
      this.failing = true;
    }
    return total;
  }

  private async relayBatch(batchSize: number): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, name, payload, priority,
                GREATEST(0, (EXTRACT(EPOCH FROM run_at - now()) * 1000))::bigint AS delay_ms
           FROM job_outbox WHERE relayed_at IS NULL AND name = ANY($2) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        // Only jobs this version knows: a newer version's jobs wait for a worker that can run them.
        [batchSize, Object.keys(JOB_RULES)],
      );
      if (rows.length === 0) return 0;
      for (const row of rows) {
        await this.queue.add(row.name, row.payload, {
          jobId: outboxJobId(row.id),
          delayMs: Number(row.delay_ms),
          priority: row.priority,
        });
      }
      await manager.query(`UPDATE job_outbox SET relayed_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  /** Relayed rows are kept a week for inspection, then removed. */
  async prune(olderThanDays = 7): Promise<void> {
    await this.dataSource.query(`DELETE FROM job_outbox WHERE relayed_at < now() - make_interval(days => $1)`, [olderThanDays]);
  }
}
