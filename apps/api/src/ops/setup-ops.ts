import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { installHttpMetrics } from './http-metrics';
import { registerQueueDashboard } from './queue-dashboard';

/** The operations parts that live on Fastify itself: request timing, and bull-board with Redis. */
export async function setupOps(app: NestFastifyApplication): Promise<void> {
  installHttpMetrics(app.getHttpAdapter().getInstance());
  await registerQueueDashboard(app);
}
