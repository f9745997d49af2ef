import { Actor } from '@keyport/users';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor } from '../auth/auth.decorators';
import { PageRenderer } from './page-renderer';

@ApiExcludeController()
@Controller()
export class HomeController {
  constructor(private readonly pages: PageRenderer) {}

  @Get()
  async home(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.pages.render(req, reply, 'home', { titleKey: 'home.title', role: actor.role });
  }
}
