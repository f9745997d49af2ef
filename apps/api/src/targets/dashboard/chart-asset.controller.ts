import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { Public, RateLimit } from '../../auth/auth.decorators';

/** Chart.js's browser bundle, straight from node_modules (its package exports only the module builds). */
const CHART_JS = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

@ApiExcludeController()
@Controller('assets/vendor')
export class ChartAssetController {
  @Get('chart.umd.min.js')
  @Public()
  @RateLimit('none')
  async chartJs(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=604800')
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(CHART_JS));
  }
}
