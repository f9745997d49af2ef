import { Module } from '@nestjs/common';
import { CrmModule } from '../crm.module';
import { SupportChoicesService } from './support-choices.service';
import { SupportRecordsService } from './support-records.service';

/** Support records (trajectories, clusters, projects, funding and plan support, training) that the targets count. */
@Module({
  imports: [CrmModule],
  providers: [SupportRecordsService, SupportChoicesService],
  exports: [SupportRecordsService, SupportChoicesService],
})
export class SupportModule {}
