import { JobProcessor, JobProcessorHandler } from '@keyport/queue';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** How long after its end an event is closed by itself: time to check in late arrivals by hand. */
export const HELD_AFTER_HOURS = 12;

/**
 * Every quarter of an hour: published events that ended more than HELD_AFTER_HOURS ago become held, and
 * their confirmed registrations that were never checked in become no-shows. Staff can still check
 * someone in afterwards (a no-show can become attended).
 */
@Injectable()
@JobProcessor('events-held')
export class EventsHeldProcessor implements JobProcessorHandler<'events-held'> {
  private readonly logger = new Logger(EventsHeldProcessor.name);

  constructor(private readonly dataSource: DataSource) {}

  async process(): Promise<void> {
    const rows: { n: number }[] = await this.dataSource.query(
      `WITH ended AS (
         UPDATE events SET status = 'held', updated_at = now()
          WHERE status = 'published' AND ends_at < now() - make_interval(hours => $1) RETURNING id),
       absent AS (
         UPDATE registrations r SET status = 'no_show', updated_at = now() FROM ended WHERE r.event_id = ended.id AND r.status = 'confirmed' RETURNING 1)
       SELECT (SELECT count(*) FROM ended)::int AS n`,
      [HELD_AFTER_HOURS],
    );
    if (rows[0].n) this.logger.log(`${rows[0].n} event(s) marked as held`);
  }
}
