import { APP_CONFIG, AppConfig } from '@keyport/config';
import { MailTransport, SmtpRefusal } from '@keyport/mail';
import { countMail } from '@keyport/metrics';
import { JobQueue } from '@keyport/queue';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CompiledContent, RecipientVariables } from './mailing-content';
import { MAX_RETRY_DELAY_MS, MAX_SEND_ATTEMPTS, RETRY_BASE_MS } from './mailings.constants';
import { MailingSource, MailingsService } from './mailings.service';
import { SubscriptionsService } from './subscriptions.service';

interface ClaimedRow {
  id: string;
  contact_id: string;
  email: string;
  language: 'nl' | 'en';
  attempts: number;
  skip: string | null;
  /** When this pump claimed it (ms): a row held longer than a third of the lease renews it before sending. */
  claimedAt: number;
}

/** Recipients claimed per round; sent CONCURRENCY at a time over the pooled SMTP connections. */
const BATCH = 20;
const CONCURRENCY = 5;
/** A pump sends for this long, then queues its continuation (and lets pause, resume and other mailings in). */
const SLICE_MS = 20_000;
/** While transactional mail is pending, a pump stops and looks again this much later (README, Mailings). */
const HOLD_MS = 2_000;

/**
 * Delivers a mailing, exactly once per recipient as far as SMTP allows:
 * 1. a recipient row is claimed ('sending', with a lease) by one pump only (FOR UPDATE SKIP LOCKED);
 * 2. the message goes out with a fixed Message-ID, at the global rate (MAIL_RATE_PER_SECOND);
 * 3. the row is marked 'sent' only after the SMTP server accepted it (250), with its answer;
 *    4xx, time-outs and refused connections queue it again with exponential backoff; 5xx ends it
 *    ('bounced' for a mailbox that does not exist, else 'failed').
 * A worker that dies between 1 and 3 leaves its rows 'sending'; when their lease runs out they are sent
 * again. Only a death in the moment between the server's 250 and step 3 can give a second copy (README).
 */
@Injectable()
export class MailingSender {
  private readonly logger = new Logger(MailingSender.name);
  private readonly compiled = new Map<string, CompiledContent>();
  private transactionalCheck?: { at: number; pending: Promise<boolean> };

  constructor(
    private readonly dataSource: DataSource,
    private readonly mailings: MailingsService,
    private readonly subscriptions: SubscriptionsService,
    private readonly transport: MailTransport,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Sends due recipients of the mailing for up to SLICE_MS, then queues what comes next. */
  async pump(mailingId: string): Promise<void> {
    await this.recoverLeases(mailingId);
    const source = await this.mailings.source(mailingId);
    if (source.status !== 'sending') return;
    const compiled = this.compiledFor(source);
    const deadline = Date.now() + SLICE_MS;
    const slice = { held: false };
    while (Date.now() < deadline) {
      await this.dataSource.query(`UPDATE mailings SET pumped_at = now() WHERE id = $1`, [mailingId]);
      // Transactional mail first: while confirmations or reminders wait (or wait for a retry, as after an
      // SMTP outage), claim nothing and look again shortly.
      if (slice.held || (await this.transactionalPending())) {
        slice.held = true;
        break;
      }
      const claimedAt = Date.now();
      const rows = (await this.claim(mailingId)).map((r) => ({ ...r, claimedAt }));
      if (!rows.length) break;
      const skipped = rows.filter((r) => r.skip);
      if (skipped.length) await this.skip(skipped);
      const due = rows.filter((r) => !r.skip);
      const variables = new Map<string, RecipientVariables>();
      for (const lang of ['nl', 'en'] as const) {
        const ids = due.filter((r) => r.language === lang).map((r) => r.contact_id);
        if (ids.length) for (const [k, v] of await this.mailings.variables(source, ids, lang)) variables.set(`${lang}:${k}`, v);
      }
      await runPool(due, CONCURRENCY, (row) => this.deliver(source, compiled, row, variables.get(`${row.language}:${row.contact_id}`), slice));
    }
    await this.continueOrFinish(mailingId, false, slice.held);
  }

  /** transactionalMailPending of the queue, asked at most once a second per process. */
  private transactionalPending(): Promise<boolean> {
    if (!this.transactionalCheck || Date.now() - this.transactionalCheck.at > 1_000) {
      // Unknown (Redis away) counts as none: sending then stops at the rate limiter anyway.
      this.transactionalCheck = { at: Date.now(), pending: this.queue.transactionalMailPending().catch(() => false) };
    }
    return this.transactionalCheck.pending;
  }

  /** Rows of stopped workers (lease over) go back to the queue; returns how many. */
  async recoverLeases(mailingId?: string): Promise<number> {
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [rows] = await this.dataSource.query(
      `UPDATE mailing_recipients SET status = 'queued', lease_until = NULL, next_attempt_at = now(), updated_at = now(),
              reason = 'interrupted attempt; sent again'
        WHERE status = 'sending' AND lease_until < now() ${mailingId ? 'AND mailing_id = $1' : ''} RETURNING id`,
      mailingId ? [mailingId] : [],
    );
    if (rows.length) this.logger.warn(`${rows.length} recipient(s) of a stopped attempt queued again`);
    return rows.length;
  }

  /**
   * After a pump: when recipients remain (now or waiting for a retry), the next pump is queued with a job id
   * made of the mailing's generation and progress, so pumps racing to queue it queue it once; when none
   * remain, the mailing is sent.
   */
  async continueOrFinish(mailingId: string, onlyIfIdle = false, held = false): Promise<void> {
    const [state] = await this.dataSource.query(
      `SELECT m.status, m.generation, COALESCE(m.pumped_at > now() - interval '30 seconds', false) AS pumping,
              count(r.id) FILTER (WHERE r.status = 'queued')::int AS queued,
              count(r.id) FILTER (WHERE r.status = 'sending')::int AS sending,
              COALESCE(sum(r.attempts), 0)::bigint AS attempts,
              EXTRACT(EPOCH FROM (LEAST(min(r.next_attempt_at) FILTER (WHERE r.status = 'queued'), min(r.lease_until) FILTER (WHERE r.status = 'sending')) - now())) * 1000 AS wait_ms
         FROM mailings m LEFT JOIN mailing_recipients r ON r.mailing_id = m.id
        WHERE m.id = $1 GROUP BY m.id`,
      [mailingId],
    );
    if (!state || state.status !== 'sending') return;
    if (state.queued === 0 && state.sending === 0) {
      await this.dataSource.query(
        `UPDATE mailings SET status = 'sent', finished_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'sending' AND NOT EXISTS (SELECT 1 FROM mailing_recipients WHERE mailing_id = $1 AND status IN ('queued', 'sending'))`,
        [mailingId],
      );
      return;
    }
    // The sweep leaves a mailing alone while a pump is at work on it (it would only add a second one).
    if (onlyIfIdle && state.pumping) return;
    let delayMs = Math.max(0, Math.ceil(Number(state.wait_ms ?? 0))) + (state.queued === 0 ? 500 : 0);
    let jobId = `mailing-${mailingId}-${state.generation}-${state.attempts}-${state.queued}`;
    // Held for transactional mail, the mailing made no progress, so its id would be that of this very pump:
    // the continuation gets the period in its id (pumps held in the same period still queue it once).
    if (held) {
      delayMs = Math.max(delayMs, HOLD_MS);
      jobId += `-held-${Math.floor(Date.now() / HOLD_MS)}`;
    }
    await this.queue.add('mailing-pump', { mailingId }, { jobId, delayMs });
  }

  private compiledFor(source: MailingSource): CompiledContent {
    const key = `${source.id}:${source.generation}`;
    let compiled = this.compiled.get(key);
    if (!compiled) {
      compiled = this.mailings.compile(source.content);
      if (this.compiled.size > 50) this.compiled.clear();
      this.compiled.set(key, compiled);
    }
    return compiled;
  }

  /**
   * Claims up to BATCH due recipients while the mailing is 'sending', and tells for each whether it must
   * be skipped now (unsubscribed, bounced, consent withdrawn or erased since the mailing started).
   */
  private async claim(mailingId: string): Promise<ClaimedRow[]> {
    const [rows] = await this.dataSource.query(
      `WITH due AS (
         SELECT r.id FROM mailing_recipients r
          WHERE r.mailing_id = $1 AND r.status = 'queued' AND r.next_attempt_at <= now()
            AND EXISTS (SELECT 1 FROM mailings m WHERE m.id = $1 AND m.status = 'sending')
          ORDER BY r.next_attempt_at, r.id LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE mailing_recipients r
          SET status = 'sending', attempts = r.attempts + 1, lease_until = now() + make_interval(secs => $3),
              last_attempt_at = now(), updated_at = now()
         FROM due, contacts c
        WHERE r.id = due.id AND c.id = r.contact_id
       RETURNING r.id, r.contact_id, r.email, r.language, r.attempts,
         CASE
           WHEN c.erased_at IS NOT NULL THEN 'erased'
           WHEN EXISTS (SELECT 1 FROM contacts u WHERE lower(u.email) = r.email_key AND u.unsubscribed_at IS NOT NULL) THEN 'unsubscribed'
           WHEN EXISTS (SELECT 1 FROM contacts b WHERE lower(b.email) = r.email_key AND b.bounced_at IS NOT NULL)
             OR EXISTS (SELECT 1 FROM mail_bounces mb WHERE mb.email_key = r.email_key AND mb.kind = 'hard') THEN 'bounced'
           WHEN NOT c.mailing_consent THEN 'no_consent'
         END AS skip`,
      [mailingId, BATCH, this.config.mail.leaseSeconds],
    );
    return rows;
  }

  private async renewLease(row: ClaimedRow): Promise<boolean> {
    const [renewed] = await this.dataSource.query(
      `UPDATE mailing_recipients SET lease_until = now() + make_interval(secs => $3), updated_at = now()
        WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id`,
      [row.id, row.attempts, this.config.mail.leaseSeconds],
    );
    if (renewed.length) row.claimedAt = Date.now();
    return renewed.length > 0;
  }

  private async skip(rows: ClaimedRow[]): Promise<void> {
    for (const row of rows) {
      await this.dataSource.query(
        `UPDATE mailing_recipients SET status = 'skipped', reason = $2, lease_until = NULL, updated_at = now() WHERE id = $1 AND status = 'sending'`,
        [row.id, row.skip],
      );
    }
  }

  private async deliver(source: MailingSource, compiled: CompiledContent, row: ClaimedRow, variables: RecipientVariables | undefined, slice: { held: boolean }): Promise<void> {
    if (!variables) return this.finish(row.id, 'skipped', { reason: 'erased' });
    if (slice.held || (await this.transactionalPending())) {
      // Transactional mail came meanwhile: this row goes back, untried, and the pump stops (see pump).
      slice.held = true;
      return this.finish(row.id, 'queued', { reason: 'waiting for transactional mail to go first', retryInMs: 0, undoAttempt: true });
    }
    let mail;
    try {
      mail = compiled.render(row.language, variables);
    } catch (error) {
      return this.finish(row.id, 'failed', { reason: `template: ${(error as Error).message}` });
    }
    try {
      await this.queue.waitForRateToken('bulk-mail', this.config.mail.ratePerSecond);
      // Waiting for the rate can be long (a low rate, many pumps): renew the lease before it could run out,
      // and leave the row alone if it was taken back meanwhile (its attempt number is the fencing token).
      if (Date.now() - row.claimedAt > (this.config.mail.leaseSeconds * 1000) / 3 && !(await this.renewLease(row))) return;
    } catch (error) {
      // Redis (the shared rate counter) is away: nothing was sent, so the row simply waits for a later pump.
      return this.finish(row.id, 'queued', { reason: `rate limiter unavailable: ${(error as Error).message}`.slice(0, 300), retryInMs: 5_000, undoAttempt: true });
    }
    try {
      const result = await countMail('bulk', 'mailing', () => this.transport.send({
        ...mail,
        to: row.email,
        from: this.config.mail.from,
        replyTo: source.sender.email,
        messageId: `<mailing-${source.id}-${row.id}@keyport.platform>`,
        headers: {
          'List-Unsubscribe': `<${variables.unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'X-Keyport-Mailing': source.id,
          Precedence: 'bulk',
        },
      }));
      await this.finish(row.id, 'sent', { response: result.response, messageId: result.messageId });
    } catch (error) {
      if (error instanceof SmtpRefusal) {
        if (error.isBadMailbox) {
          await this.subscriptions.recordBounces([{ email: row.email, kind: 'hard', reason: error.response, mailingId: source.id }], 'smtp');
          return this.finish(row.id, 'bounced', { response: error.response, reason: 'the address does not exist' });
        }
        return this.finish(row.id, 'failed', { response: error.response, reason: 'refused by the mail server' });
      }
      const message = (error as Error).message?.slice(0, 500) ?? String(error);
      if (row.attempts >= MAX_SEND_ATTEMPTS) return this.finish(row.id, 'failed', { response: message, reason: `gave up after ${row.attempts} attempts` });
      const delay = Math.min(MAX_RETRY_DELAY_MS, RETRY_BASE_MS * 2 ** (row.attempts - 1));
      await this.finish(row.id, 'queued', { response: message, reason: 'temporary failure; will retry', retryInMs: delay });
    }
  }

  /**
   * Records the outcome of one attempt. Tried again for a while when PostgreSQL is away: a row left
   * 'sending' would be sent again when its lease runs out.
   */
  private async finish(
    id: string,
    status: 'sent' | 'failed' | 'bounced' | 'skipped' | 'queued',
    details: { response?: string; messageId?: string; reason?: string; retryInMs?: number; undoAttempt?: boolean },
  ): Promise<void> {
    const deadline = Date.now() + (this.config.mail.leaseSeconds * 1000) / 2;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.dataSource.query(
          `UPDATE mailing_recipients
              SET status = $2, smtp_response = COALESCE($3, smtp_response), message_id = COALESCE($4, message_id), reason = $5,
                  sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END,
                  next_attempt_at = CASE WHEN $2 = 'queued' THEN now() + make_interval(secs => $6::double precision / 1000) ELSE next_attempt_at END,
                  attempts = attempts - CASE WHEN $7 THEN 1 ELSE 0 END,
                  lease_until = NULL, updated_at = now()
            WHERE id = $1 AND status = 'sending'`,
          [id, status, details.response ?? null, details.messageId ?? null, status === 'sent' ? null : (details.reason ?? null), details.retryInMs ?? 0, details.undoAttempt === true],
        );
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        this.logger.warn(`could not record a mailing result (attempt ${attempt}): ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
      }
    }
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function runPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}
