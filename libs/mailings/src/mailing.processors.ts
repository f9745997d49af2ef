import { JobProcessor, JobProcessorHandler, JobQueue, MailingPumpJob } from '@keyport/queue';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MailingSender } from './mailing-sender';
import { MailingsService } from './mailings.service';

@Injectable()
@JobProcessor('mailing-pump')
export class MailingPumpProcessor implements JobProcessorHandler<'mailing-pump'> {
  constructor(private readonly sender: MailingSender) {}

  process(job: MailingPumpJob): Promise<void> {
    return this.sender.pump(job.mailingId);
  }
}

/**
 * Every few seconds, on one worker: starts scheduled mailings that are due, queues again the recipients
 * of workers that stopped mid-send, wakes every sending mailing (a pump lost with Redis or a dead worker is
 * replaced) and marks finished ones sent.
 */
@Injectable()
@JobProcessor('mailings-sweep')
export class MailingsSweepProcessor implements JobProcessorHandler<'mailings-sweep'> {
  private readonly logger = new Logger(MailingsSweepProcessor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly mailings: MailingsService,
    private readonly sender: MailingSender,
    private readonly queue: JobQueue,
  ) {}

  async process(): Promise<void> {
    await this.startDue();
    await this.sender.recoverLeases();
    // A message in flight when its mailing was cancelled that then failed for a while (or whose worker
    // stopped) went back to 'queued' after cancel had skipped the rest: it is skipped too.
    await this.dataSource.query(
      `UPDATE mailing_recipients r SET status = 'skipped', reason = 'cancelled', lease_until = NULL, updated_at = now()
         FROM mailings m WHERE m.id = r.mailing_id AND m.status = 'cancelled' AND r.status = 'queued'`,
    );
    const sending: { id: string }[] = await this.dataSource.query(`SELECT id FROM mailings WHERE status = 'sending'`);
    for (const { id } of sending) await this.sender.continueOrFinish(id, true);
  }

  private async startDue(): Promise<void> {
    for (;;) {
      const started = await this.dataSource.transaction(async (m) => {
        const [due] = await m.query(
          `SELECT id FROM mailings WHERE status = 'scheduled' AND scheduled_at <= now() ORDER BY scheduled_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        );
        if (!due) return false;
        await this.mailings.start(m, due.id);
        this.logger.log(`scheduled mailing ${due.id} started`);
        return true;
      });
      if (!started) return;
    }
  }
}
