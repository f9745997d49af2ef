import { MailingsModule } from '@keyport/mailings';
import { Module } from '@nestjs/common';
import { BouncesApiController, MailingsApiController, MailTemplatesApiController, SegmentsApiController } from './mailings.api.controller';
import { UnsubscribePagesController } from './unsubscribe.pages.controller';

/** Invitation mailings over HTTP: the organisers' API and pages, and the public unsubscribe link. */
@Module({
  imports: [MailingsModule],
  controllers: [MailingsApiController, MailTemplatesApiController, SegmentsApiController, BouncesApiController, UnsubscribePagesController],
})
export class MailingsHttpModule {}
