import { TargetsModule } from '@keyport/targets';
import { Module } from '@nestjs/common';

/** Year plans and targets over HTTP: the API and the pages to manage them. */
@Module({
  imports: [TargetsModule],
  controllers: [],
})
export class PlansHttpModule {}
