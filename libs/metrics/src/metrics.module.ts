import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics: the API serves them at GET /metrics (apps/api/src/ops), the worker on METRICS_PORT
 * (MetricsServer, provided by apps/worker). The counters themselves (metrics.ts) need no module:
 * libraries import and increment them.
 */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
