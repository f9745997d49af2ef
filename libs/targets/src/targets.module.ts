import { CrmModule } from '@keyport/crm';
import { Module } from '@nestjs/common';
import { ManualFiguresService } from './manual-figures.service';
import { PlansService } from './plans.service';
import { ProgressReportsService } from './progress-reports.service';
import { TargetsService } from './targets.service';

/** Year plans, their targets and tallies, manual figures and quarterly progress reports. No HTTP here. */
@Module({
  imports: [CrmModule],
  providers: [PlansService, TargetsService, ManualFiguresService, ProgressReportsService],
  exports: [PlansService, TargetsService, ManualFiguresService, ProgressReportsService],
})
export class TargetsModule {}
