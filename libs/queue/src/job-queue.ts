import { JobName, JobOptions, JobPayloads } from './jobs';

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
  /**
   * Takes one of `perSecond` tokens of the current second for `key`, shared by every process on this
   * queue; returns 0 when taken, else the ms to wait before asking again.
   */
  abstract takeRateToken(key: string, perSecond: number): Promise<number>;

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
