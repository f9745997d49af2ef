import { SupportModule } from '@keyport/crm/support';
import { Module } from '@nestjs/common';
import { SupportRecordsApiController } from './support-records.api.controller';
import { SupportRecordsPagesController } from './support-records.pages.controller';

/** Support records over HTTP: the JSON API under /api/v1/support-records and the pages under /crm/support. */
@Module({
  imports: [SupportModule],
  controllers: [SupportRecordsApiController, SupportRecordsPagesController],
})
export class SupportHttpModule {}
