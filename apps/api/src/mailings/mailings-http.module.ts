import { MailingsModule } from '@keyport/mailings';
import { Module } from '@nestjs/common';
import { BouncesPagesController } from './bounces.pages.controller';
import { MailTemplatesPagesController } from './mail-templates.pages.controller';
import { MailingChoices } from './mailing-choices';
import { BouncesApiController, MailingsApiController, MailTemplatesApiController, SegmentsApiController } from './mailings.api.controller';
import { MailingsPagesController } from './mailings.pages.controller';
import { SegmentsPagesController } from './segments.pages.controller';
import { UnsubscribePagesController } from './unsubscribe.pages.controller';

/** Invitation mailings over HTTP: the organisers' API and pages, and the public unsubscribe link. */
@Module({
  imports: [MailingsModule],
  providers: [MailingChoices],
  controllers: [
    MailingsApiController, MailTemplatesApiController, SegmentsApiController, BouncesApiController, UnsubscribePagesController,
    BouncesPagesController, MailingsPagesController, MailTemplatesPagesController, SegmentsPagesController,
  ],
})
export class MailingsHttpModule {}
