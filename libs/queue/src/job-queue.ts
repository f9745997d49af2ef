import { JobName, JobOptions, JobPayloads, QueueName } from './jobs';

export interface JobContext {
  id: string;
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<N extends JobName = JobName> = (data: JobPayloads[N], ctx: JobContext) => Promise<void>;
export type JobHandlers = Partial<{ [N in JobName]: JobHandler<N> }>;

/** Thrown by a processor when trying again cannot help (a 5xx from SMTP, a bad payload). */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** How many jobs of a queue are in each state (waiting includes prioritised ones and those waiting for children). */
export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}
export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

export interface QueueHealth {
  ok: boolean;
  driver: 'redis' | 'in-process';
  detail?: string;
}

/**
 * The queue as the rest of the platform sees it. Two drivers: BullMQ on Redis (REDIS_URL set), and an
 * in-process one with the same processors and retry rules for the embedded default.
 */
export abstract class JobQueue {
  abstract readonly driver: 'redis' | 'in-process';
  abstract add<N extends JobName>(name: N, data: JobPayloads[N], options?: JobOptions): Promise<void>;
  /** Runs a job every `everyMs` (a scheduler on the queue: once per period, however many workers run). */
  abstract schedule<N extends JobName>(name: N, everyMs: number, data: JobPayloads[N]): Promise<void>;
  /** Starts consuming with these processors (the worker's part). */
  abstract process(handlers: JobHandlers): Promise<void>;
  abstract health(): Promise<QueueHealth>;
  /** Jobs per queue and state (the queue dashboard, the keyport_queue_jobs metric). */
  abstract jobCounts(): Promise<Record<QueueName, JobCounts>>;
  /**
   * Takes one of `perSecond` tokens of the current second for `key`, shared by every process on this
   * queue; returns 0 when taken, else the ms to wait before asking again.
   */
  abstract takeRateToken(key: string, perSecond: number): Promise<number>;

  /**
   * Is transactional mail (isTransactionalMail) waiting, being sent or waiting for a retry on this queue?
   * Mailings hold back meanwhile, so that after an SMTP outage confirmations and reminders go first.
   */
  abstract transactionalMailPending(): Promise<boolean>;

  /** Waits until a token of `key` is taken (see takeRateToken). */
  async waitForRateToken(key: string, perSecond: number): Promise<void> {
    for (;;) {
      const wait = await this.takeRateToken(key, perSecond);
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  abstract close(): Promise<void>;

  /** Nest calls this on shutdown. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
