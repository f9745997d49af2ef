import { JOB_STATES, JobQueue, QUEUE_NAMES } from '@keyport/queue';
import { Injectable, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { processRegistry } from './metrics';

/** The content type of the Prometheus text format (version 0.0.4). */
export const METRICS_CONTENT_TYPE = processRegistry.contentType;

interface OutboxSnapshot {
  pending: number;
  lagSeconds: number;
}

/**
 * Everything a scrape returns: the process's counters plus gauges read at scrape time from Redis
 * (queue depth) and PostgreSQL (the outbox). Those gauges are the same whichever process answers;
 * nothing is computed between scrapes.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  private readonly scraped = new Registry();
  private readonly merged: Registry;
  /** The outbox figures of the scrape in progress (both outbox gauges read them). */
  private outbox?: Promise<OutboxSnapshot | undefined>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
  ) {
    const service = this;
    new Gauge({
      name: 'keyport_queue_jobs',
      help: 'Jobs on each queue by state (waiting, active, delayed, failed), read at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.scraped],
      async collect() {
        this.reset();
        const counts = await service.jobCounts();
        if (!counts) return;
        for (const queue of QUEUE_NAMES) for (const state of JOB_STATES) this.labels(queue, state).set(counts[queue][state]);
      },
    });
    new Gauge({
      name: 'keyport_outbox_pending',
      help: 'Jobs written to the outbox (job_outbox) and not yet handed to the queue.',
      registers: [this.scraped],
      async collect() {
        this.reset();
        const snapshot = await service.outboxSnapshot();
        if (snapshot) this.set(snapshot.pending);
      },
    });
    new Gauge({
      name: 'keyport_outbox_lag_seconds',
      help: 'Age of the oldest outbox row not yet handed to the queue; 0 when none waits.',
      registers: [this.scraped],
      async collect() {
        this.reset();
        const snapshot = await service.outboxSnapshot();
        if (snapshot) this.set(snapshot.lagSeconds);
      },
    });
    this.merged = Registry.merge([processRegistry, this.scraped]);
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    this.outbox = undefined;
    return this.merged.metrics();
  }

  private async jobCounts() {
    try {
      return await this.queue.jobCounts();
    } catch (error) {
      // Redis away: the series are left out of this scrape (an absent series, not a false zero).
      this.logger.warn(`queue counts unavailable: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** One query for both outbox gauges of a scrape. */
  private outboxSnapshot(): Promise<OutboxSnapshot | undefined> {
    this.outbox ??= this.readOutbox();
    return this.outbox;
  }

  private async readOutbox(): Promise<OutboxSnapshot | undefined> {
    try {
      // Only the unrelayed rows are read (the partial index job_outbox_pending_idx): few, unless the queue is down.
      const [row] = await this.dataSource.query(
        `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS lag
           FROM job_outbox WHERE relayed_at IS NULL`,
      );
      return { pending: Number(row.pending), lagSeconds: Math.max(0, Number(row.lag)) };
    } catch (error) {
      this.logger.warn(`outbox figures unavailable: ${(error as Error).message}`);
      return undefined;
    }
  }
}
