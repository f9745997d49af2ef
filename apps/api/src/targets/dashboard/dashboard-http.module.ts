import { TargetsModule } from '@keyport/targets';
import { Module } from '@nestjs/common';

/** The targets dashboard, drill-downs and the quarterly progress report. */
@Module({
  imports: [TargetsModule],
  controllers: [],
})
export class DashboardHttpModule {}
