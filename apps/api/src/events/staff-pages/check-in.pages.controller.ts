import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { EventsService, GroupAttendanceDto, GroupAttendanceService, RegistrationDto, RegistrationsService } from '@keyport/events';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { FormErrors } from '../../common/validation';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { text, translated, Translate, validateFields } from './event-form';
import { CheckInQuery, StaffEventViews } from './staff-event-views';
import { BASE, fullName, registrationFormErrors, registrationFormToDto } from './staff-views';

const GROUP_FIELDS = ['label', 'headcount', 'participantType', 'educationLevel', 'organisationName', 'organisationId'] as const;
const groupField = (field: string) => `group${field.charAt(0).toUpperCase()}${field.slice(1)}`;

/**
 * Check-in at the door, on a phone or tablet: search and tap, a scanner or the camera for the QR code,
 * walk-ins, and whole groups by headcount. Every form posts and comes back to this page with a message.
 */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/events/:id')
export class CheckInPagesController {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
    private readonly groups: GroupAttendanceService,
    private readonly views: StaffEventViews,
    private readonly pages: PageRenderer,
  ) {}

  @Get('check-in')
  @Roles(Role.Organiser, Role.AccountManager)
  async page(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: CheckInQuery): Promise<void> {
    await this.views.renderCheckIn(actor, req, reply, id, query);
  }

  /** A tap on "Inchecken" in the search results: back to the same search. */
  @Post('check-in/registrations/:registrationId')
  async checkIn(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('registrationId') rid: string, @Body() body: Record<string, unknown>): Promise<void> {
    const registration = await this.registrations.get(rid);
    if (registration.eventId !== id) throw new NotFoundError('Registration');
    const back = this.searchUrl(id, body);
    try {
      const after = await this.registrations.checkIn(actor, rid);
      await this.pages.redirect(req, reply, back, { type: 'success', key: 'events.flash.checkedIn', args: { name: fullName(after) } });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await this.pages.redirect(req, reply, back, { type: 'error', key: 'events.flash.cancelledCannotCheckIn', args: { name: fullName(registration) } });
    }
  }

  /** The code of the QR in the confirmation mail: typed by a scanner (+ Enter) or read by the camera. */
  @Post('check-in/code')
  async checkInByCode(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const code = text(body.code).slice(0, 1000);
    const t = this.translator(req);
    const fail = (error: { rule?: string; message: string }) =>
      this.views.renderCheckIn(actor, req, reply, id, { q: text(body.q) }, { code }, { code: translated(error, t) }, 400);
    if (!code) return fail({ rule: 'isNotEmpty', message: 'code should not be empty' });
    try {
      const registration = await this.registrations.checkInByCode(actor, id, code);
      await this.pages.redirect(req, reply, this.searchUrl(id, body), { type: 'success', key: 'events.flash.checkedIn', args: { name: fullName(registration) } });
    } catch (error) {
      if (error instanceof ValidationError) return fail({ rule: error.fields[0]?.message === 'belongs to another event' ? 'otherEventCode' : 'invalidCode', message: error.fields[0]?.message ?? error.message });
      if (error instanceof ConflictError) return fail({ rule: 'cancelledCode', message: error.message });
      if (error instanceof NotFoundError) return fail({ rule: 'invalidCode', message: error.message });
      throw error;
    }
  }

  /** Someone who did not register: registered as a walk-in and checked in at once. */
  @Post('check-in/walk-in')
  async walkIn(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const event = await this.events.get(id);
    const t = this.translator(req);
    const fail = (errors: FormErrors) => this.views.renderCheckIn(actor, req, reply, id, {}, { walkIn: body }, errors, 400);
    const { value, errors } = await validateFields(RegistrationDto, registrationFormToDto(event, body));
    if (!value) return fail(registrationFormErrors(errors, t));
    let registrationId: string;
    try {
      registrationId = (await this.registrations.register({ id }, value, { source: 'walk_in', ignoreWindow: true })).id;
    } catch (error) {
      if (error instanceof ValidationError) return fail(registrationFormErrors(error.fields, t));
      if (error instanceof ConflictError) return this.pages.redirect(req, reply, `${BASE}/${id}/check-in`, { type: 'error', key: 'events.flash.registrationRefused' });
      throw error;
    }
    const name = `${value.firstName} ${value.lastName}`;
    try {
      await this.registrations.checkIn(actor, registrationId);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return this.pages.redirect(req, reply, `${BASE}/${id}/check-in`, { type: 'error', key: 'events.flash.cancelledCannotCheckIn', args: { name } });
    }
    await this.pages.redirect(req, reply, `${BASE}/${id}/check-in`, { type: 'success', key: 'events.flash.walkInCheckedIn', args: { name } });
  }

  @Post('groups')
  async addGroup(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const t = this.translator(req);
    const input = Object.fromEntries(GROUP_FIELDS.map((f) => [f, text(body[groupField(f)])]).filter(([, v]) => v !== ''));
    const fail = (fields: { field: string; rule?: string; message: string }[]) =>
      this.views.renderCheckIn(actor, req, reply, id, {}, { group: body }, Object.fromEntries(fields.map((e) => [groupField(e.field.split('.')[0]), translated(e, t)]).reverse()), 400);
    const { value, errors } = await validateFields(GroupAttendanceDto, input);
    if (!value) return fail(errors);
    try {
      const group = await this.groups.record(actor, id, value);
      // A name that matches no organisation is kept out of the link, and the organiser is told so.
      const unlinked = Boolean(value.organisationName) && !group.organisationId;
      await this.pages.redirect(req, reply, `${BASE}/${id}/check-in#groups`, {
        type: 'success',
        key: unlinked ? 'events.flash.groupAddedUnlinked' : 'events.flash.groupAdded',
        args: { label: group.label, headcount: group.headcount, organisation: value.organisationName },
      });
    } catch (error) {
      if (error instanceof ValidationError) return fail(error.fields);
      if (error instanceof ConflictError) return this.pages.redirect(req, reply, `${BASE}/${id}/check-in#groups`, { type: 'error', key: 'events.flash.groupRefused' });
      throw error;
    }
  }

  @Post('groups/:groupId/delete')
  async deleteGroup(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('groupId') groupId: string): Promise<void> {
    const group = await this.groups.remove(actor, id, groupId);
    await this.pages.redirect(req, reply, `${BASE}/${id}/check-in#groups`, { type: 'success', key: 'events.flash.groupDeleted', args: { label: group.label } });
  }

  /** Back to the search the person came from (the search text is all that is kept). */
  private searchUrl(id: string, body: Record<string, unknown>): string {
    const q = text(body.q).slice(0, 200);
    return `${BASE}/${id}/check-in${q ? `?q=${encodeURIComponent(q)}` : ''}`;
  }

  private translator(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }
}
