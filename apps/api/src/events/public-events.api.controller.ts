import { Page } from '@keyport/common';
import { EventsService, EventView, RegistrationDto, RegistrationResult, RegistrationsService, RegistrationView } from '@keyport/events';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { NotFoundError } from '@keyport/common';

/** What the public sees of an event: no counts of people, no internal fields. */
function publicView(e: EventView) {
  const { confirmed: _c, reminderHours: _r, ...rest } = e;
  return { ...rest, full: e.seatsLeft === 0, sessions: e.sessions.map(({ confirmed, capacity, ...s }) => ({ ...s, full: capacity !== null && confirmed >= capacity })) };
}

@ApiTags('public')
@Public()
@Controller('api/v1/public')
export class PublicEventsApiController {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
  ) {}

  @Get('events')
  @ApiOperation({ summary: 'Upcoming published events, soonest first' })
  async upcoming(@Query('format') format?: string, @Query('programmeLine') programmeLine?: string, @Query('page') page?: string): Promise<Page<ReturnType<typeof publicView>>> {
    const result = await this.events.upcoming({ format: format?.slice(0, 40), programmeLine: programmeLine?.slice(0, 40), page: Number(page) || 1 });
    return { ...result, items: result.items.map(publicView) };
  }

  @Get('events/:slug')
  async event(@Param('slug') slug: string): Promise<ReturnType<typeof publicView>> {
    const event = await this.events.getBySlug(slug);
    if (event.status === 'draft') throw new NotFoundError('Event');
    return publicView(event);
  }

  @Post('events/:slug/registrations')
  @ApiOperation({ summary: 'Sign up (no login): 201 { id, status: confirmed | waitlisted }; the same email again: 200 with the same id; closed: 409' })
  async register(@Res({ passthrough: true }) reply: FastifyReply, @Param('slug') slug: string, @Body() dto: RegistrationDto): Promise<Pick<RegistrationResult, 'id' | 'status'>> {
    const result = await this.registrations.register({ slug }, dto, { source: 'public' });
    reply.status(result.created ? 201 : 200);
    return { id: result.id, status: result.status };
  }

  @Get('registrations/:token')
  @ApiOperation({ summary: 'A registration, through the signed link in its mails' })
  async registration(@Param('token') token: string): Promise<Pick<RegistrationView, 'id' | 'status' | 'eventId' | 'firstName' | 'lastName' | 'sessionTitle'>> {
    const r = await this.registrations.fromManageToken(token);
    return { id: r.id, status: r.status, eventId: r.eventId, firstName: r.firstName, lastName: r.lastName, sessionTitle: r.sessionTitle };
  }

  @Post('registrations/:token/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel through the signed link: the seat goes to the first on the waiting list' })
  async cancel(@Param('token') token: string): Promise<{ id: string; status: string }> {
    const r = await this.registrations.fromManageToken(token);
    await this.registrations.cancel(r.id, 'registrant');
    return { id: r.id, status: 'cancelled' };
  }
}
