import { CompanyVisitsService, FollowUpsService } from '@keyport/crm/visits';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, Public, RateLimit } from '../auth/auth.decorators';
import { PageRenderer } from './page-renderer';

/** The start page: the staff member's open follow-ups (overdue first) and recent visits, and where to go next. */
@ApiExcludeController()
@Controller()
export class HomeController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly visits: CompanyVisitsService,
    private readonly followUps: FollowUpsService,
  ) {}

  @Get()
  @Public()
  @RateLimit('none')
  async home(@Req() req: AuthenticatedRequest, @Res() reply: FastifyReply): Promise<void> {
    // Visitors without a login land on the public events; staff on their own start page.
    const actor = req.actor;
    if (!actor) return reply.redirect('/events', 303);
    const [openActions, recentVisits] = await Promise.all([this.followUps.openFollowUpsFor(actor.id, 20), this.visits.recentVisitsFor(actor.id, 5)]);
    await this.pages.render(req, reply, 'home', {
      titleKey: 'home.title',
      role: actor.role,
      openActions,
      overdueCount: openActions.filter((a) => a.overdue).length,
      recentVisits,
      currentUrl: '/',
    });
  }
}
