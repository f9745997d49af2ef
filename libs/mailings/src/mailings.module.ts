import { CrmModule } from '@keyport/crm';
import { Module } from '@nestjs/common';
import { MailingSender } from './mailing-sender';
import { MailingPumpProcessor, MailingsSweepProcessor } from './mailing.processors';
import { MailingsService } from './mailings.service';
import { SegmentsService } from './segments.service';
import { SubscriptionsService } from './subscriptions.service';
import { MailTemplatesService } from './templates.service';

/** Invitation mailings: templates, segments, mailings, their sending (worker) and unsubscribes. */
@Module({
  imports: [CrmModule],
  providers: [MailTemplatesService, SegmentsService, SubscriptionsService, MailingsService, MailingSender, MailingPumpProcessor, MailingsSweepProcessor],
  exports: [MailTemplatesService, SegmentsService, SubscriptionsService, MailingsService, MailingSender],
})
export class MailingsModule {}
