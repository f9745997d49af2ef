import { Logger } from '@nestjs/common';
import { JobContext, JobCounts, JobHandlers, JobQueue, PermanentJobError, QueueHealth } from './job-queue';
import { backoffDelay, isTransactionalMail, JOB_RULES, JobName, JobOptions, JobPayloads, QUEUE_NAMES, QueueName } from './jobs';

interface PendingJob {
  id: string;
  name: JobName;
  data: unknown;
  attempt: number;
}

/**
 * Runs jobs inside this process, with the processors and retry rules the Redis driver uses. For the
 * embedded default only: a job waiting here is lost if the process dies, which the outbox makes good
 * for every job written through it (it is relayed again on the next start).
 */
export class InProcessJobQueue extends JobQueue {
  readonly driver = 'in-process' as const;
  private readonly logger = new Logger('InProcessQueue');
  private handlers: JobHandlers | undefined;
  private readonly known = new Set<string>();
  private readonly waiting: PendingJob[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  /** Transactional mail jobs waiting, running or waiting for a retry (see transactionalMailPending). */
  private readonly transactional = new Set<string>();
  private closed = false;
  private seq = 0;
  /** Running, delayed (waiting for their time or a retry) and failed-for-good jobs per queue, since start. */
  private readonly tally = new Map<QueueName, { active: number; delayed: number; failed: number }>(
    QUEUE_NAMES.map((q) => [q, { active: 0, delayed: 0, failed: 0 }]),
  );

  constructor(private readonly concurrency = 4) {
    super();
  }

  async add<N extends JobName>(name: N, data: JobPayloads[N], options: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    const id = options.jobId ?? `${name}:${++this.seq}:${Date.now()}`;
    if (this.known.has(id)) return;
    this.remember(id);
    const job: PendingJob = { id, name, data, attempt: 1 };
    this.enqueueAfter(job, options.delayMs ?? 0);
  }

  async schedule<N extends JobName>(name: N, everyMs: number, data: JobPayloads[N]): Promise<void> {
    const tick = () => {
      if (this.closed) return;
      void this.add(name, data, { jobId: `${name}:${Math.floor(Date.now() / everyMs)}` });
      const t = setTimeout(() => {
        this.timers.delete(t);
        tick();
      }, everyMs);
      this.timers.add(t);
    };
    tick();
  }

  async process(handlers: JobHandlers): Promise<void> {
    this.handlers = handlers;
    this.pump();
  }

  private readonly rate = new Map<string, { second: number; taken: number }>();

  async takeRateToken(key: string, perSecond: number): Promise<number> {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    const current = this.rate.get(key);
    const window = current && current.second === second ? current : { second, taken: 0 };
    window.taken++;
    this.rate.set(key, window);
    return window.taken <= perSecond ? 0 : (second + 1) * 1000 - now;
  }

  async transactionalMailPending(): Promise<boolean> {
    return this.transactional.size > 0;
  }

  async health(): Promise<QueueHealth> {
    return { ok: !this.closed, driver: this.driver, detail: `${this.waiting.length} waiting, ${this.running} running` };
  }

  async jobCounts(): Promise<Record<QueueName, JobCounts>> {
    const counts = {} as Record<QueueName, JobCounts>;
    for (const [queue, t] of this.tally) counts[queue] = { waiting: 0, active: t.active, delayed: t.delayed, failed: t.failed };
    for (const job of this.waiting) counts[this.queueOf(job)].waiting++;
    return counts;
  }

  private queueOf(job: PendingJob): QueueName {
    return JOB_RULES[job.name]?.queue ?? 'mail';
  }

  /** Enqueues now, or after `ms` (counted as delayed meanwhile). */
  private enqueueAfter(job: PendingJob, ms: number): void {
    if (ms <= 0) return this.enqueue(job);
    const tally = this.tally.get(this.queueOf(job))!;
    tally.delayed++;
    this.later(ms, () => {
      tally.delayed--;
      this.enqueue(job);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const deadline = Date.now() + 5_000;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Job ids stay known after the job ends (as BullMQ keeps finished jobs), the newest 50,000 of them. */
  private remember(id: string): void {
    this.known.add(id);
    if (this.known.size > 50_000) this.known.delete(this.known.values().next().value as string);
  }

  private later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private enqueue(job: PendingJob): void {
    if (isTransactionalMail(job.name, job.data)) this.transactional.add(job.id);
    this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.handlers && this.running < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      const tally = this.tally.get(this.queueOf(job))!;
      this.running++;
      tally.active++;
      void this.run(job).finally(() => {
        this.running--;
        tally.active--;
        this.pump();
      });
    }
  }

  private async run(job: PendingJob): Promise<void> {
    const handler = this.handlers?.[job.name] as ((data: unknown, ctx: JobContext) => Promise<void>) | undefined;
    const rule = JOB_RULES[job.name]?.retry;
    if (!handler || !rule) {
      this.transactional.delete(job.id);
      this.logger.error(`no processor for job ${job.name}; dropped ${job.id}`);
      return;
    }
    try {
      await handler(job.data, { id: job.id, attempt: job.attempt, maxAttempts: rule.attempts });
      this.transactional.delete(job.id);
    } catch (error) {
      const permanent = error instanceof PermanentJobError;
      if (permanent || job.attempt >= rule.attempts) {
        this.transactional.delete(job.id);
        this.tally.get(this.queueOf(job))!.failed++;
        this.logger.error(`job ${job.name} ${job.id} failed for good after ${job.attempt} attempt(s): ${(error as Error).message}`);
        return;
      }
      const delay = backoffDelay(rule, job.attempt);
      this.logger.warn(`job ${job.name} ${job.id} attempt ${job.attempt} failed (${(error as Error).message}); retry in ${delay} ms`);
      this.enqueueAfter({ ...job, attempt: job.attempt + 1 }, delay);
    }
  }
}
