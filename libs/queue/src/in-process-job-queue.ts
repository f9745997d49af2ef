import { Logger } from '@nestjs/common';
import { JobContext, JobHandlers, JobQueue, PermanentJobError, QueueHealth } from './job-queue';
import { backoffDelay, JOB_RULES, JobName, JobOptions, JobPayloads } from './jobs';

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
  private closed = false;
  private seq = 0;

  constructor(private readonly concurrency = 4) {
    super();
  }

  async add<N extends JobName>(name: N, data: JobPayloads[N], options: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    const id = options.jobId ?? `${name}:${++this.seq}:${Date.now()}`;
    if (this.known.has(id)) return;
    this.remember(id);
    const job: PendingJob = { id, name, data, attempt: 1 };
    this.later(options.delayMs ?? 0, () => this.enqueue(job));
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

  async health(): Promise<QueueHealth> {
    return { ok: !this.closed, driver: this.driver, detail: `${this.waiting.length} waiting, ${this.running} running` };
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
    this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.handlers && this.running < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: PendingJob): Promise<void> {
    const handler = this.handlers?.[job.name] as ((data: unknown, ctx: JobContext) => Promise<void>) | undefined;
    const rule = JOB_RULES[job.name]?.retry;
    if (!handler || !rule) {
      this.logger.error(`no processor for job ${job.name}; dropped ${job.id}`);
      return;
    }
    try {
      await handler(job.data, { id: job.id, attempt: job.attempt, maxAttempts: rule.attempts });
    } catch (error) {
      const permanent = error instanceof PermanentJobError;
      if (permanent || job.attempt >= rule.attempts) {
        this.logger.error(`job ${job.name} ${job.id} failed for good after ${job.attempt} attempt(s): ${(error as Error).message}`);
        return;
      }
      const delay = backoffDelay(rule, job.attempt);
      this.logger.warn(`job ${job.name} ${job.id} attempt ${job.attempt} failed (${(error as Error).message}); retry in ${delay} ms`);
      this.later(delay, () => this.enqueue({ ...job, attempt: job.attempt + 1 }));
    }
  }
}
