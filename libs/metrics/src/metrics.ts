import { PermanentJobError } from '@keyport/queue';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The process's own metrics: counters of what this process did (sign-ups taken, mails sent) and
 * prom-client's default process metrics. One registry per process; each API instance and each worker
 * is scraped on its own and Prometheus adds them up (README, Operations).
 */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

export const signupsTotal = new Counter({
  name: 'keyport_signups_total',
  help: 'New registrations taken, by the status they got (confirmed: a seat; waitlisted: the waiting list).',
  labelNames: ['status'] as const,
  registers: [processRegistry],
});

export type MailKind = 'transactional' | 'bulk';

export const mailsSentTotal = new Counter({
  name: 'keyport_mails_sent_total',
  help: 'Messages accepted by the SMTP server (or kept in the local mailbox), by kind and template.',
  labelNames: ['kind', 'template'] as const,
  registers: [processRegistry],
});

export const mailsFailedTotal = new Counter({
  name: 'keyport_mails_failed_total',
  help: 'Delivery attempts that failed, by kind; reason temporary (4xx, time-out, refused connection: tried again) or permanent (5xx: final).',
  labelNames: ['kind', 'reason'] as const,
  registers: [processRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'keyport_http_request_duration_seconds',
  help: 'HTTP response time by method, route pattern (never the raw URL) and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [processRegistry],
});

// Known series start at 0, so that rate() and alerts see them before the first event.
for (const status of ['confirmed', 'waitlisted']) signupsTotal.labels(status).inc(0);
for (const kind of ['transactional', 'bulk']) for (const reason of ['temporary', 'permanent']) mailsFailedTotal.labels(kind, reason).inc(0);

/** Counts a new registration (not a repeated sign-up that returned the existing one). */
export function countSignup(status: string): void {
  signupsTotal.labels(status).inc();
}

/**
 * Runs one delivery attempt and counts its outcome: sent, or failed (permanent for a 5xx refusal,
 * temporary otherwise). The error is passed on unchanged.
 */
export async function countMail<T>(kind: MailKind, template: string, send: () => Promise<T>): Promise<T> {
  try {
    const result = await send();
    mailsSentTotal.labels(kind, template).inc();
    return result;
  } catch (error) {
    mailsFailedTotal.labels(kind, error instanceof PermanentJobError ? 'permanent' : 'temporary').inc();
    throw error;
  }
}
