import { APP_CONFIG, AppConfig } from '@keyport/config';
import { bearerMatches, METRICS_CONTENT_TYPE, MetricsService } from '@keyport/metrics';
import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, RateLimit } from '../auth/auth.decorators';

/**
 * Prometheus scrapes GET /metrics with `Authorization: Bearer $METRICS_TOKEN`. Without METRICS_TOKEN the
 * endpoint is off and answers 404 like any unknown path. Not rate-limited (a scrape every few seconds
 * is normal); a wrong token gets 401.
 */
@ApiExcludeController()
@Public()
@RateLimit('none')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = this.config.metrics.token;
    if (!token) throw new NotFoundException(`Cannot ${req.method} /metrics`);
    if (!bearerMatches(req.headers.authorization, token)) {
      await reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .type('application/json; charset=utf-8')
        .send({ statusCode: 401, error: 'Unauthorized', message: 'A valid metrics token is required' });
      return;
    }
    const body = await this.metrics.metrics();
    await reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(body);
  }
}
