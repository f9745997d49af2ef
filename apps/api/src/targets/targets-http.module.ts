import { Module } from '@nestjs/common';
import { DashboardHttpModule } from './dashboard/dashboard-http.module';
import { PlansHttpModule } from './plans/plans-http.module';

/** Targets over HTTP: plans and targets, the dashboard, drill-downs and quarterly reports. */
@Module({ imports: [PlansHttpModule, DashboardHttpModule] })
export class TargetsHttpModule {}
