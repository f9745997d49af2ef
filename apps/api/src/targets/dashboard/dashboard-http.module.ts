import { TargetsModule } from '@keyport/targets';
import { Module } from '@nestjs/common';
import { ChartAssetController } from './chart-asset.controller';
import { DashboardPagesController } from './dashboard.pages.controller';
import { ReportDrafts } from './report-data';
import { ReportsPagesController } from './reports.pages.controller';

/** The targets dashboard, drill-downs and the quarterly progress report. */
@Module({
  imports: [TargetsModule],
  controllers: [DashboardPagesController, ReportsPagesController, ChartAssetController],
  providers: [ReportDrafts],
})
export class DashboardHttpModule {}
