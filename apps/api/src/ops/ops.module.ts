import { AppConfig } from '@keyport/config';
import { MetricsModule } from '@keyport/metrics';
import { DynamicModule, Module } from '@nestjs/common';
import { InProcessQueuesController } from './in-process-queues.controller';
import { MetricsController } from './metrics.controller';

/**
 * Operations: GET /metrics (Prometheus), and /admin/queues. With Redis the queue dashboard is bull-board,
 * mounted on Fastify by setupOps (setup-app.ts); without, our own page of the in-process counts.
 */
@Module({})
export class OpsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OpsModule,
      imports: [MetricsModule],
      controllers: [MetricsController, ...(config.redis.url ? [] : [InProcessQueuesController])],
    };
  }
}
