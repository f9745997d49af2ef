import { ImportsModule } from '@keyport/crm/import';
import { Module } from '@nestjs/common';
import { ImportsApiController } from './imports.api.controller';
import { ImportsPagesController } from './imports.pages.controller';

/** CSV imports over HTTP: /api/v1/imports and the pages under /crm/imports (the run-import job comes with ImportsModule). */
@Module({
  imports: [ImportsModule],
  controllers: [ImportsApiController, ImportsPagesController],
})
export class ImportsHttpModule {}
