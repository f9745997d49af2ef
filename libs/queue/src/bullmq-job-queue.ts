import { Logger } from '@nestjs/common';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import IORedis, { RedisOptions } from 'ioredis';
import { JobContext, JobCounts, JobHandlers, JobQueue, PermanentJobError, QueueHealth } from './job-queue';
import { isTransactionalMail, JOB_RULES, JobName, JobOptions, JobPayloads, QUEUE_NAMES, QueueName } from './jobs';

export interface BullmqSettings {
  url: string;
  prefix: string;
  concurrency?: number;
  /** A job of a worker that stopped (no lock renewal for this long) is run again, within twice this. Default 30. */
  lockSeconds?: number;
}

/** BullMQ on Redis: several API instances add, several workers consume, nothing lives in process memory. */
export class BullmqJobQueue extends JobQueue {
  readonly driver = 'redis' as const;
  private readonly logger = new Logger('BullmqQueue');
  private readonly producer: IORedis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers: Worker[] = [];
  private workerConnection?: IORedis;
  private readonly schedules = new Map<JobName, { everyMs: number; data: unknown }>();
  private scheduleCheck?: NodeJS.Timeout;

  constructor(private readonly settings: BullmqSettings) {
    super();
    // Producers fail fast while Redis is down (the outbox keeps the job and tries again later)
    // instead of buffering commands in memory.
    this.producer = new IORedis(settings.url, {
      ...baseRedisOptions,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.producer.on('error', (e) => this.logger.warn(`redis (producer): ${e.message}`));
  }

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: this.settings.prefix });
      queue.on('error', (e) => this.logger.warn(`queue ${name}: ${e.message}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** The BullMQ queues themselves, for the queue dashboard (/admin/queues). */
  bullQueues(): Queue[] {
    return QUEUE_NAMES.map((name) => this.queue(name));
  }

  async jobCounts(): Promise<Record<QueueName, JobCounts>> {
    const entries = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const c = await this.queue(name).getJobCounts('waiting', 'prioritized', 'waiting-children', 'active', 'delayed', 'failed');
        const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0);
        return [name, { waiting, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, JobCounts>;
  }

  async add<N extends JobName>(name: N, data: JobPayloads[N], options: JobOptions = {}): Promise<void> {
    const rule = JOB_RULES[name];
    await this.queue(rule.queue).add(name, data, {
      jobId: options.jobId,
      delay: options.delayMs && options.delayMs > 0 ? options.delayMs : undefined,
      priority: options.priority ?? rule.priority,
      attempts: rule.retry.attempts,
      backoff: { type: 'exponential', delay: rule.retry.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 14 * 24 * 3600 },
    });
  }

  async schedule<N extends JobName>(name: N, everyMs: number, data: JobPayloads[N]): Promise<void> {
    await this.upsertScheduler(name, everyMs, data);
    // A Redis that lost its data (restarted without persistence, flushed) lost the schedulers too, and
    // nothing else would create them again: check now and then, and put back any that is missing.
    this.schedules.set(name, { everyMs, data });
    if (!this.scheduleCheck) {
      this.scheduleCheck = setInterval(() => void this.restoreSchedulers(), SCHEDULER_CHECK_MS);
      this.scheduleCheck.unref();
    }
  }

  private async restoreSchedulers(): Promise<void> {
    for (const [name, { everyMs, data }] of this.schedules) {
      try {
        if (await this.queue(JOB_RULES[name].queue).getJobScheduler(name)) continue;
        await this.upsertScheduler(name, everyMs, data as never);
        this.logger.warn(`job scheduler ${name} was missing from Redis (data lost?): created again`);
      } catch {
        // Redis unreachable: the next check tries again.
      }
    }
  }

  private async upsertScheduler<N extends JobName>(name: N, everyMs: number, data: JobPayloads[N]): Promise<void> {
    const rule = JOB_RULES[name];
    // One scheduler per job name, kept in Redis: every worker upserts the same one.
    await this.queue(rule.queue).upsertJobScheduler(name, { every: everyMs }, {
      name,
      data,
      opts: { attempts: rule.retry.attempts, backoff: { type: 'exponential', delay: rule.retry.backoffMs }, priority: rule.priority, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
    });
  }

  async process(handlers: JobHandlers): Promise<void> {
    this.workerConnection = new IORedis(this.settings.url, { ...baseRedisOptions, maxRetriesPerRequest: null });
    this.workerConnection.on('error', (e) => this.logger.warn(`redis (worker): ${e.message}`));
    for (const queueName of QUEUE_NAMES) {
      const worker = new Worker(
        queueName,
        async (job: Job) => {
          const handler = handlers[job.name as JobName] as ((d: unknown, c: JobContext) => Promise<void>) | undefined;
          if (!handler) throw new UnrecoverableError(`no processor for job ${job.name}`);
          const ctx: JobContext = { id: String(job.id), attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 };
          try {
            await handler(job.data, ctx);
          } catch (error) {
            if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
            throw error;
          }
        },
        {
          connection: this.workerConnection,
          prefix: this.settings.prefix,
          concurrency: this.settings.concurrency ?? 8,
          lockDuration: (this.settings.lockSeconds ?? 30) * 1000,
          stalledInterval: (this.settings.lockSeconds ?? 30) * 1000,
          // A job whose worker died is run again (BullMQ: "stalled"). BullMQ's default gives up on a job the
          // second time, without running it: a mail in flight at two worker deaths would be lost. Every job
          // here is safe to run again (state in PostgreSQL), so only a job that took many workers down fails.
          maxStalledCount: MAX_STALLED,
        },
      );
      worker.on('failed', (job, error) =>
        this.logger.warn(`job ${job?.name} ${job?.id} attempt ${job?.attemptsMade} failed: ${error.message}`),
      );
      worker.on('error', (e) => this.logger.warn(`worker ${queueName}: ${e.message}`));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  async takeRateToken(key: string, perSecond: number): Promise<number> {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    const taken = (await this.producer.eval(
      `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end return n`,
      1,
      `${this.settings.prefix}:rate:${key}:${second}`,
    )) as number;
    return taken <= perSecond ? 0 : (second + 1) * 1000 - now + Math.floor(Math.random() * 20);
  }

  async transactionalMailPending(): Promise<boolean> {
    const queue = this.queue(JOB_RULES['registration-mail'].queue);
    // Any one is enough: a few of the waiting and running ones (besides at most two scheduled sweeps), and
    // the delayed ones that failed before (a delayed job that never ran is scheduled for later, not waiting).
    const [ready, delayed] = await Promise.all([queue.getJobs(['active', 'waiting', 'prioritized'], 0, 9), queue.getJobs(['delayed'], 0, 99, true)]);
    return ready.some((j) => j && isTransactionalMail(j.name, j.data)) || delayed.some((j) => j && j.attemptsMade > 0 && isTransactionalMail(j.name, j.data));
  }

  async health(): Promise<QueueHealth> {
    try {
      const pong = await Promise.race([
        this.producer.ping(),
        new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2_000)),
      ]);
      return { ok: pong === 'PONG', driver: this.driver };
    } catch (error) {
      return { ok: false, driver: this.driver, detail: `Redis unreachable: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    if (this.scheduleCheck) clearInterval(this.scheduleCheck);
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.workerConnection?.disconnect();
    this.producer.disconnect();
  }
}

/** How many times a job may be found abandoned by a dead worker and run again before it is failed. */
const MAX_STALLED = 10;

/** How often a worker checks that the job schedulers it created still exist in Redis. */
const SCHEDULER_CHECK_MS = 15_000;

const baseRedisOptions: RedisOptions = {
  // Reconnect with a capped backoff for ever; each command fails fast meanwhile (see above).
  retryStrategy: (times) => Math.min(times * 200, 2_000),
  lazyConnect: false,
};
