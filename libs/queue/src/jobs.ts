/**
 * Every job the platform runs: its name, its payload's type, the queue it goes to and its retry rule.
 * Producers and processors both use these types, so a payload cannot drift from its processor.
 */

export interface MailAttachment {
  filename: string;
  contentType: string;
  /** base64 */
  content: string;
}

/** A message rendered and ready to deliver: render first, then send. */
export interface OutgoingMail {
  to: string;
  from?: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
}

export interface SendMailJob {
  /** 'transactional' (confirmations, reminders) goes before 'bulk' (mailings). */
  kind: 'transactional' | 'bulk';
  /** Which template it came from: for metrics and logs (never the recipient). */
  template: string;
  mail: OutgoingMail;
}

export interface JobPayloads {
  'send-mail': SendMailJob;
}

export type JobName = keyof JobPayloads;

export const QUEUE_NAMES = ['mail'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface RetryRule {
  attempts: number;
  /** First retry after this many ms, doubling each time. */
  backoffMs: number;
}

export const JOB_RULES: Record<JobName, { queue: QueueName; retry: RetryRule; priority: number }> = {
  'send-mail': { queue: 'mail', retry: { attempts: 8, backoffMs: 2_000 }, priority: 5 },
};

export interface JobOptions {
  /** Deterministic id: a second add with the same id is ignored while the first is known. */
  jobId?: string;
  delayMs?: number;
  /** Lower runs first (BullMQ's convention); defaults to the job's rule. */
  priority?: number;
}

/** The delay before attempt `attempt + 1` after `attempt` failed (1-based), exponential. */
export function backoffDelay(rule: RetryRule, attempt: number): number {
  return rule.backoffMs * 2 ** Math.max(0, attempt - 1);
}
