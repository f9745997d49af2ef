import { ConflictError, ValidationError } from '@keyport/common';
import { KEYPORT_MUNICIPALITIES, PROGRAMME_LINES } from '@keyport/crm';
import {
  CreateEventDto, EVENT_FORMATS, EVENT_STATUSES, EventsService, EventView, QUESTION_KINDS, RegistrationsService, UpdateEventDto,
} from '@keyport/events';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { streamExport } from '../../common/export';
import { FormErrors } from '../../common/validation';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { StaffEventListQuery, StaffRegistrationListQuery } from './staff-queries';
import { registrationColumns } from '../registration.columns';
import { eventFormErrors, eventFormToDto, eventToForm, formRows, sameQuestions, sameSessions, Translate, validateFields } from './event-form';
import { StaffEventViews } from './staff-event-views';
import { BASE, canWrite, editable } from './staff-views';

/** Staff event pages: the list, the event form, the event with its registrations, and its actions. */
@ApiExcludeController()
@Roles(Role.Organiser, Role.AccountManager)
@Controller('manage/events')
export class EventsPagesController {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
    private readonly views: StaffEventViews,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: StaffEventListQuery): Promise<void> {
    const { lang: _lang, ...filters } = query;
    const page = await this.events.list({ ...filters, pageSize: filters.pageSize ?? 25 });
    await this.pages.render(req, reply, 'events/staff/list', {
      titleKey: 'events.title',
      page: { ...page, items: page.items.map((e) => ({ ...e, seats: e.capacity === null ? null : `${e.confirmed} / ${e.capacity}` })) },
      query,
      formats: EVENT_FORMATS,
      statuses: EVENT_STATUSES,
      programmeLines: PROGRAMME_LINES,
      canWrite: canWrite(actor),
      currentUrl: req.url,
    });
  }

  @Get('new')
  @Roles(Role.Organiser)
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.renderForm(req, reply, { format: 'breakfast_session', programmeLines: [], language: 'nl', reminderHours: 48 }, {});
  }

  @Post()
  @Roles(Role.Organiser)
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const t = this.translator(req);
    const form = eventFormToDto(body);
    const { value, errors } = await validateFields(CreateEventDto, form.dto);
    if (!value || form.errors.length) return this.renderForm(req, reply, body, eventFormErrors([...form.errors, ...errors], form, t), undefined, 400);
    try {
      const event = await this.events.create(actor, value);
      await this.pages.redirect(req, reply, `${BASE}/${event.id}`, { type: 'success', key: 'events.flash.created', args: { title: event.title } });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await this.renderForm(req, reply, body, eventFormErrors(error.fields, form, t), undefined, 400);
    }
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: StaffRegistrationListQuery): Promise<void> {
    await this.views.renderShow(actor, req, reply, id, query);
  }

  @Get(':id/export')
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: StaffRegistrationListQuery): Promise<void> {
    const event = await this.events.get(id);
    const lang = resolveLang(req);
    const rows = this.registrations.all(id, { q: query.q, status: query.status });
    await streamExport(reply, query.format ?? 'csv', `registrations-${event.slug}`, registrationColumns(event, (k) => this.pages.t(lang, k)), rows);
  }

  @Get(':id/edit')
  @Roles(Role.Organiser)
  async editForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const event = await this.events.get(id);
    if (!editable(event)) return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'events.flash.notEditable' });
    await this.renderForm(req, reply, eventToForm(event), {}, event);
  }

  @Post(':id')
  @Roles(Role.Organiser)
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const t = this.translator(req);
    const event = await this.events.get(id);
    if (!editable(event)) return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'events.flash.notEditable' });
    const form = eventFormToDto(body);
    const { value, errors } = await validateFields(CreateEventDto, form.dto);
    const problems = [...form.errors, ...errors];
    const anyone = await this.hasRegistrations(id);
    const questionsChanged = !sameQuestions(event, form.dto.questions);
    const sessionsChanged = !sameSessions(event, form.dto.sessions);
    // Answers and seats hang on the questions and sessions people registered with.
    if (anyone && questionsChanged) problems.push({ field: 'questions', message: 'questions cannot change once people have registered', rule: 'questionsLocked' });
    if (anyone && sessionsChanged) problems.push({ field: 'sessions', message: 'sessions cannot change once people have registered', rule: 'sessionsLocked' });
    if (typeof form.dto.capacity === 'number' && form.dto.capacity < event.confirmed) {
      problems.push({ field: 'capacity', message: `cannot be below the ${event.confirmed} confirmed registrations`, rule: 'capacityBelowConfirmed' });
    }
    if (!value || problems.length) return this.renderForm(req, reply, body, eventFormErrors(problems, form, t), event, 400);
    const { questions, sessions, ...fields } = value;
    const update: UpdateEventDto = { ...fields, tags: value.tags ?? [], ...(questionsChanged ? { questions } : {}), ...(sessionsChanged ? { sessions } : {}) };
    try {
      await this.events.update(actor, id, update);
      await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'events.flash.saved' });
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      const fields = error.fields.length ? error.fields : [{ field: 'form', message: error.message }];
      await this.renderForm(req, reply, body, eventFormErrors(fields, form, t), event, error instanceof ConflictError ? 409 : 400);
    }
  }

  @Post(':id/publish')
  @Roles(Role.Organiser)
  publish(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    return this.act(req, reply, id, 'events.flash.published', () => this.events.publish(actor, id));
  }

  @Post(':id/close-registration')
  @Roles(Role.Organiser)
  close(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    return this.act(req, reply, id, 'events.flash.registrationClosed', () => this.events.closeRegistration(actor, id));
  }

  @Post(':id/cancel')
  @Roles(Role.Organiser)
  async cancel(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    if (body.confirm === undefined) return this.pages.redirect(req, reply, `${BASE}/${id}#danger-zone`, { type: 'error', key: 'events.flash.confirmCancel' });
    return this.act(req, reply, id, 'events.flash.cancelled', () => this.events.cancel(actor, id));
  }

  @Post(':id/held')
  @Roles(Role.Organiser)
  held(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    return this.act(req, reply, id, 'events.flash.held', () => this.events.markHeld(actor, id));
  }

  private async act(req: FastifyRequest, reply: FastifyReply, id: string, key: string, run: () => Promise<EventView>): Promise<void> {
    try {
      const event = await run();
      await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key, args: { title: event.title } });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const event = await this.events.get(id);
      const t = this.translator(req);
      await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'events.flash.notAllowed', args: { status: t(`events.statuses.${event.status}`) } });
    }
  }

  private async hasRegistrations(id: string): Promise<boolean> {
    const s = await this.events.stats(id);
    return s.confirmed + s.waitlisted + s.cancelled + s.attended + s.noShow > 0;
  }

  private translator(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }

  private async renderForm(req: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors: FormErrors, event?: EventView, status = 200): Promise<void> {
    const ticked = new Set(Array.isArray(values.programmeLines) ? values.programmeLines : values.programmeLines ? [values.programmeLines] : []);
    await this.pages.render(
      req,
      reply,
      'events/staff/form',
      {
        titleKey: event ? 'events.edit' : 'events.new',
        event,
        values,
        errors,
        formats: EVENT_FORMATS,
        lines: PROGRAMME_LINES.map((line) => ({ line, checked: ticked.has(line) })),
        municipalities: KEYPORT_MUNICIPALITIES,
        kinds: QUESTION_KINDS,
        questionRows: formRows(values, 'question').map((r) => ({
          ...r,
          label: values[`question${r.index}Label`] ?? '',
          kind: values[`question${r.index}Kind`] ?? 'text',
          options: values[`question${r.index}Options`] ?? '',
          required: values[`question${r.index}Required`] === true || values[`question${r.index}Required`] === 'on',
        })),
        sessionRows: formRows(values, 'session').map((r) => ({ ...r, title: values[`session${r.index}Title`] ?? '', capacity: values[`session${r.index}Capacity`] ?? '' })),
        locked: event ? await this.hasRegistrations(event.id) : false,
      },
      { status },
    );
  }
}
