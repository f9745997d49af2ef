import { TargetsModule } from '@keyport/targets';
import { Module } from '@nestjs/common';
import { PlansApiController, ProgressReportsApiController, TargetsApiController } from './plans.api.controller';
import { PlansPagesController } from './plans.pages.controller';
import { TargetsPagesController } from './targets.pages.controller';

/** Year plans and targets over HTTP: the API and the pages to manage them. */
@Module({
  imports: [TargetsModule],
  controllers: [PlansApiController, TargetsApiController, ProgressReportsApiController, PlansPagesController, TargetsPagesController],
})
export class PlansHttpModule {}
