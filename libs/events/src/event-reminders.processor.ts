import { JobProcessor, JobProcessorHandler } from '@keyport/queue';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * The reminder sweep, run every minute from the queue's scheduler: registrations that are confirmed,
 * of a published event whose reminder time (reminder_hours before the start) has come, and not yet
 * reminded, are marked and their reminder mails written to the outbox in one statement: never twice,
 * never to a cancelled registration, and none lost if a worker dies halfway.
 */
@Injectable()
@JobProcessor('event-reminders')
export class EventRemindersProcessor implements JobProcessorHandler<'event-reminders'> {
  private readonly logger = new Logger(EventRemindersProcessor.name);

  constructor(private readonly dataSource: DataSource) {}

  async process(): Promise<void> {
    const rows: { n: number }[] = await this.dataSource.query(
      `WITH due AS (
         UPDATE registrations r SET reminder_sent_at = now()
           FROM events e
          WHERE r.event_id = e.id AND e.status = 'published' AND r.status = 'confirmed' AND r.reminder_sent_at IS NULL
            AND e.starts_at > now() AND e.starts_at - make_interval(hours => e.reminder_hours) <= now()
         RETURNING r.id),
       queued AS (
         INSERT INTO job_outbox (name, payload, priority)
         SELECT 'registration-mail', jsonb_build_object('registrationId', due.id, 'kind', 'reminder'), 2 FROM due RETURNING 1)
       SELECT count(*)::int AS n FROM queued`,
    );
    if (rows[0].n) this.logger.log(`queued ${rows[0].n} reminder(s)`);
  }
}
