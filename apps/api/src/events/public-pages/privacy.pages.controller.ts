import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../auth/auth.decorators';
import { PageRenderer } from '../../pages/page-renderer';

/** The privacy statement the sign-up form links to: what is stored, why, how long, and how to be erased. */
@ApiExcludeController()
@Public()
@Controller('privacy')
export class PrivacyPageController {
  constructor(private readonly pages: PageRenderer) {}

  @Get()
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.pages.render(req, reply, 'events/public/privacy', { titleKey: 'publicEvents.privacy.title', section: 'privacy' }, { layout: 'public' });
  }
}
