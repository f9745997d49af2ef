import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import { Public, RateLimit } from '../../auth/auth.decorators';

/** The QR-code reader's browser bundle, straight from node_modules (no copy in the repository). */
const HTML5_QRCODE = require.resolve('html5-qrcode/html5-qrcode.min.js');

@ApiExcludeController()
@Controller('assets/vendor')
export class VendorAssetsController {
  @Get('html5-qrcode.min.js')
  @Public()
  @RateLimit('none')
  async html5Qrcode(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=604800')
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(HTML5_QRCODE));
  }
}
