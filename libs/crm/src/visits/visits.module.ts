import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CrmModule } from '../crm.module';
import { FollowUpsService } from './follow-ups.service';
import { InnovationQuestionsService } from './innovation-questions.service';
import { CompanyVisit, FollowUpAction, InnovationQuestion } from './visit.entity';
import { CompanyVisitsService } from './visits.service';

/** Company visits, innovation questions and follow-up actions (the audit log comes from CrmModule). */
@Module({
  imports: [CrmModule, TypeOrmModule.forFeature([CompanyVisit, InnovationQuestion, FollowUpAction])],
  providers: [CompanyVisitsService, InnovationQuestionsService, FollowUpsService],
  exports: [CompanyVisitsService, InnovationQuestionsService, FollowUpsService],
})
export class VisitsModule {}
