/**
 * Every job the platform runs: its name, its payload's type, the queue it goes to and its retry rule.
 * Producers and processors both use these types, so a payload cannot drift from its processor.
 */

export interface MailAttachment {
  filename: string;
  contentType: string;
  /** base64 */
  content: string;
  /** Set to show the attachment inside the HTML part as <img src="cid:…">. */
  cid?: string;
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
  /** A fixed Message-ID (mailings: the same for every attempt, so a rare second copy is one message to mailbox software). */
  messageId?: string;
  replyTo?: string;
}

export interface SendMailJob {
  /** 'transactional' (confirmations, reminders) goes before 'bulk' (mailings). */
  kind: 'transactional' | 'bulk';
  /** Which template it came from: for metrics and logs (never the recipient). */
  template: string;
  mail: OutgoingMail;
}

/** Writes the accepted lines of a previewed CSV import (libs/crm/src/import). */
export interface RunImportJob {
  importId: string;
}

/** Renders and sends one mail about a registration (written by keyport_register and friends in SQL). */
export interface RegistrationMailJob {
  registrationId: string;
  kind: 'confirmed' | 'waitlisted' | 'promoted' | 'cancelled' | 'event_cancelled' | 'waitlist_closed' | 'registration_closed' | 'reminder';
}

/** Finds registrations whose reminder is due and queues their mails (a scheduled sweep). */
export type EventRemindersJob = Record<string, never>;

/** Marks events that ended as held: confirmed registrations not checked in become no-shows. */
export type EventsHeldJob = Record<string, never>;

/** Sends the due recipients of a mailing for a while, then queues its own continuation (libs/mailings). */
export interface MailingPumpJob {
  mailingId: string;
}

/** Starts scheduled mailings, recovers recipients of stopped workers, wakes and completes mailings. */
export type MailingsSweepJob = Record<string, never>;

export interface JobPayloads {
  'send-mail': SendMailJob;
  'events-held': EventsHeldJob;
  'registration-mail': RegistrationMailJob;
  'event-reminders': EventRemindersJob;
  'run-import': RunImportJob;
  'mailing-pump': MailingPumpJob;
  'mailings-sweep': MailingsSweepJob;
}

export type JobName = keyof JobPayloads;

export const QUEUE_NAMES = ['mail', 'imports', 'mailings'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface RetryRule {
  attempts: number;
  /** First retry after this many ms, doubling each time. */
  backoffMs: number;
}

export interface JobRule {
  queue: QueueName;
  retry: RetryRule;
  priority: number;
  /** Run on this schedule (ms between runs) by the workers, once per period however many run. */
  everyMs?: number;
}

export const JOB_RULES: Record<JobName, JobRule> = {
  'send-mail': { queue: 'mail', retry: { attempts: 8, backoffMs: 2_000 }, priority: 5 },
  'registration-mail': { queue: 'mail', retry: { attempts: 8, backoffMs: 2_000 }, priority: 1 },
  'event-reminders': { queue: 'mail', retry: { attempts: 3, backoffMs: 5_000 }, priority: 3, everyMs: 60_000 },
  'events-held': { queue: 'mail', retry: { attempts: 3, backoffMs: 60_000 }, priority: 9, everyMs: 15 * 60_000 },
  // An import resumes where it stopped (its progress commits with each batch), so a retry is cheap.
  'run-import': { queue: 'imports', retry: { attempts: 3, backoffMs: 10_000 }, priority: 5 },
  // Mailings have their own queue: a long pump never holds up a confirmation mail. Each recipient's state
  // is in PostgreSQL, so a pump that fails or dies is simply run again.
  'mailing-pump': { queue: 'mailings', retry: { attempts: 10, backoffMs: 2_000 }, priority: 5 },
  'mailings-sweep': { queue: 'mailings', retry: { attempts: 1, backoffMs: 1_000 }, priority: 1, everyMs: 10_000 },
};

/**
 * Mail a person is waiting for (confirmations, reminders and other transactional mail): it goes before
 * the mailings (bulk), which hold back while any of it is waiting, being sent or waiting for a retry.
 */
export function isTransactionalMail(name: string, data: unknown): boolean {
  return name === 'registration-mail' || (name === 'send-mail' && (data as SendMailJob | undefined)?.kind !== 'bulk');
}

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
