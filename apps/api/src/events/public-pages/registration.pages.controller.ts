import { EventsService, EventView, RegistrationsService, RegistrationView } from '@keyport/events';
import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../auth/auth.decorators';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { eventCard } from './public-event.view';

const ACTIVE = new Set(['confirmed', 'waitlisted']);

/** A registration can still be cancelled by its registrant: it holds a seat or a place in line, and the event is still to come. */
const cancellable = (r: RegistrationView, e: EventView): boolean => ACTIVE.has(r.status) && e.status === 'published' && new Date(e.endsAt).getTime() > Date.now();

/**
 * The registrant's own page, reached through the signed link in every mail: what they signed up for,
 * the status, and cancelling (a confirmation tick box, so it works without script). A tampered link is a
 * 404. Nothing personal beyond the first name is shown: the link may be forwarded.
 */
@ApiExcludeController()
@Public()
@Controller('registrations')
export class RegistrationPagesController {
  constructor(
    private readonly registrations: RegistrationsService,
    private readonly events: EventsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get(':token')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('token') token: string): Promise<void> {
    const registration = await this.registrations.fromManageToken(token);
    await this.render(req, reply, token, registration);
  }

  @Post(':token/cancel')
  async cancel(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('token') token: string, @Body() body: Record<string, unknown> | undefined): Promise<void> {
    const registration = await this.registrations.fromManageToken(token);
    const back = `/registrations/${encodeURIComponent(token)}`;
    if (registration.status === 'cancelled') return this.pages.redirect(req, reply, back, { type: 'info', key: 'publicEvents.registration.alreadyCancelled' });
    const event = await this.events.get(registration.eventId);
    if (!cancellable(registration, event)) return this.pages.redirect(req, reply, back, { type: 'error', key: 'publicEvents.registration.cannotCancel' });
    if (body?.confirm !== 'yes') return this.render(req, reply, token, registration, event, true);
    await this.registrations.cancel(registration.id, 'registrant');
    await this.pages.redirect(req, reply, back, { type: 'success', key: 'publicEvents.registration.cancelledFlash' });
  }

  private async render(req: FastifyRequest, reply: FastifyReply, token: string, r: RegistrationView, known?: EventView, confirmMissing = false): Promise<void> {
    const lang = resolveLang(req);
    const event = known ?? (await this.events.get(r.eventId));
    const path = `/registrations/${encodeURIComponent(token)}`;
    await this.pages.render(
      req,
      reply,
      'events/public/registration',
      {
        titleKey: 'publicEvents.registration.title',
        langSwitchUrl: `${path}?lang=${lang === 'nl' ? 'en' : 'nl'}`,
        action: `${path}/cancel`,
        firstName: r.firstName,
        status: r.status,
        session: r.sessionTitle,
        event: { ...eventCard(event, lang), cancelled: event.status === 'cancelled', linkable: event.status !== 'draft' },
        canCancel: cancellable(r, event),
        confirmError: confirmMissing ? this.pages.t(lang, 'publicEvents.registration.confirmError') : null,
      },
      { status: confirmMissing ? 400 : 200, layout: 'public' },
    );
  }
}
