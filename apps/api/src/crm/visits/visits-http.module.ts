import { VisitsModule } from '@keyport/crm/visits';
import { Module } from '@nestjs/common';
import { FollowUpsApiController } from './follow-ups.api.controller';
import { FollowUpsPagesController } from './follow-ups.pages.controller';
import { InnovationQuestionsApiController } from './innovation-questions.api.controller';
import { QuestionsPagesController } from './questions.pages.controller';
import { VisitsApiController } from './visits.api.controller';
import { VisitsPagesController } from './visits.pages.controller';

/** Company visits, innovation questions and follow-ups over HTTP: /api/v1/… and pages under /crm. */
@Module({
  imports: [VisitsModule],
  controllers: [VisitsApiController, InnovationQuestionsApiController, FollowUpsApiController, VisitsPagesController, QuestionsPagesController, FollowUpsPagesController],
})
export class VisitsHttpModule {}
