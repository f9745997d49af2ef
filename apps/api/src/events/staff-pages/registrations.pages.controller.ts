import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { EventsService, RegistrationDto, RegistrationsService, RegistrationView } from '@keyport/events';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { text, validateFields } from './event-form';
import { StaffEventViews } from './staff-event-views';
import { backTo, BASE, fullName, registrationFormErrors, registrationFormToDto } from './staff-views';

/** What organisers do with registrations on the event page: register someone, move, cancel, check in. */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/events/:id/registrations')
export class RegistrationsPagesController {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
    private readonly views: StaffEventViews,
    private readonly pages: PageRenderer,
  ) {}

  /** "Registreer iemand": by phone or mail, whatever the registration window. */
  @Post()
  async register(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const event = await this.events.get(id);
    const lang = resolveLang(req);
    const t = (key: string, args?: Record<string, unknown>) => this.pages.t(lang, key, args);
    const { value, errors } = await validateFields(RegistrationDto, registrationFormToDto(event, body));
    if (!value) return this.views.renderShow(actor, req, reply, id, {}, body, registrationFormErrors(errors, t), 400);
    try {
      const result = await this.registrations.register({ id }, value, { source: 'staff', ignoreWindow: true });
      const name = `${value.firstName} ${value.lastName}`;
      await this.pages.redirect(req, reply, `${BASE}/${id}#registrations`, {
        type: result.created ? 'success' : 'info',
        key: result.created ? 'events.flash.registered' : 'events.flash.alreadyRegistered',
        args: { name, status: t(`registrations.statuses.${result.status}`) },
      });
    } catch (error) {
      if (error instanceof ValidationError) return this.views.renderShow(actor, req, reply, id, {}, body, registrationFormErrors(error.fields, t), 400);
      if (error instanceof ConflictError) return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'events.flash.registrationRefused' });
      throw error;
    }
  }

  @Post(':registrationId/move')
  async move(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('registrationId') rid: string, @Body() body: Record<string, unknown>): Promise<void> {
    const to = text(body.to);
    if (to !== 'confirmed' && to !== 'waitlisted') throw new ValidationError([{ field: 'to', message: 'to must be confirmed or waitlisted', rule: 'isIn' }]);
    await this.act(req, reply, id, rid, body, 'events.flash.moved', (r) => this.registrations.move(actor, r.id, to));
  }

  @Post(':registrationId/cancel')
  async cancel(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('registrationId') rid: string, @Body() body: Record<string, unknown>): Promise<void> {
    await this.act(req, reply, id, rid, body, 'events.flash.registrationCancelled', async (r) => {
      await this.registrations.cancel(r.id, 'staff', actor);
      return this.registrations.get(r.id);
    });
  }

  @Post(':registrationId/check-in')
  async checkIn(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('registrationId') rid: string, @Body() body: Record<string, unknown>): Promise<void> {
    await this.act(req, reply, id, rid, body, 'events.flash.checkedIn', (r) => this.registrations.checkIn(actor, r.id));
  }

  /** One small action on a registration of this event, then back to the list as it was. */
  private async act(
    req: FastifyRequest, reply: FastifyReply, id: string, rid: string, body: Record<string, unknown>, key: string, run: (r: RegistrationView) => Promise<RegistrationView>,
  ): Promise<void> {
    const registration = await this.registrations.get(rid);
    if (registration.eventId !== id) throw new NotFoundError('Registration');
    const back = backTo(id, body, `${BASE}/${id}#registrations`);
    const t = (k: string) => this.pages.t(resolveLang(req), k);
    try {
      const after = await run(registration);
      await this.pages.redirect(req, reply, back, { type: 'success', key, args: { name: fullName(after), status: t(`registrations.statuses.${after.status}`) } });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await this.pages.redirect(req, reply, back, {
        type: 'error',
        key: 'events.flash.registrationNotChanged',
        args: { name: fullName(registration), status: t(`registrations.statuses.${registration.status}`) },
      });
    }
  }
}
