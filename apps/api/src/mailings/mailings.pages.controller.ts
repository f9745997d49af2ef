import { ConflictError, FieldError, NotFoundError, utcToAmsterdam, ValidationError } from '@keyport/common';
import {
  AudienceFiltersDto, AudiencePreview, CreateMailingDto, MAILING_STATUSES, MailingQueryDto, MailingsService, MailingView, RECIPIENT_STATUSES, RecipientQueryDto,
  RecipientStatus, SegmentsService, SKIP_REASONS,
} from '@keyport/mailings';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { streamExport } from '../common/export';
import { validateForm } from '../common/validation';
import { PageRenderer, resolveLang } from '../pages/page-renderer';
import {
  audienceChecks, audienceField, AudienceForm, audienceFromFilters, audienceToFilters, audienceView, countView, describeAudience, emptyAudience, readAudience,
} from './audience-form';
import { mailingColumns, recipientColumns } from './mailing.columns';
import { MailingChoices } from './mailing-choices';
import { amsterdamLocalToUtc, errorText, formErrors, isUuid, queryString, templateErrorList, text, Translate } from './mailing-pages.util';

const BASE = '/manage/mailings';
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The mailing page's query: the recipients table (status, search, page) and the preview's recipient. */
class MailingPageQuery {
  @Transform(emptyToUndefined) @IsOptional() @IsIn(RECIPIENT_STATUSES) status?: RecipientStatus;
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() || undefined : value)) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(100) contactId?: string;
}

interface MailingFormValues {
  name: string;
  templateId: string;
  eventId: string;
  audienceSource: 'filters' | 'segment';
  segmentId: string;
  saveSegment: boolean;
  segmentName: string;
}

interface MailingFormState {
  values: MailingFormValues;
  audience: AudienceForm;
  errors: FieldError[];
  count?: AudiencePreview | null;
}

/** Labels of the form's fields, for the error summary above the form. */
const FIELD_LABELS: Record<string, string> = {
  name: 'mailings.fields.name',
  templateId: 'mailings.fields.template',
  eventId: 'mailings.fields.event',
  segmentId: 'mailings.fields.segment',
  segmentName: 'mailings.fields.segmentName',
  organisationTypes: 'mailings.audience.organisationTypes',
  municipalities: 'mailings.audience.municipalities',
  sectors: 'mailings.audience.sectors',
  tags: 'mailings.audience.tags',
  interests: 'mailings.audience.interests',
  languages: 'mailings.audience.languages',
  attendanceMode: 'mailings.audience.attendanceLegend',
  attendanceFormats: 'mailings.audience.attendanceFormats',
  attendanceLines: 'mailings.audience.attendanceLines',
  attendanceFrom: 'mailings.audience.attendanceFrom',
  attendanceTo: 'mailings.audience.attendanceTo',
  registration: 'mailings.audience.registrationLegend',
  receivedMailingId: 'mailings.audience.receivedLegend',
};

/** Where the summary's link for a field goes (checkbox groups: their fieldset). */
const anchorOf = (field: string): string => `f-${field}`;

/** Staff pages of invitation mailings: list, form (audience with a live count), the mailing with its actions, preview and recipients. */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/mailings')
export class MailingsPagesController {
  constructor(
    private readonly mailings: MailingsService,
    private readonly segments: SegmentsService,
    private readonly choices: MailingChoices,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: MailingQueryDto): Promise<void> {
    const page = await this.mailings.list({ ...query, pageSize: query.pageSize ?? 25 });
    const filters = queryString({ q: query.q, status: query.status, eventId: query.eventId });
    await this.pages.render(req, reply, 'mailings/list', {
      titleKey: 'mailings.title',
      section: 'mailings',
      page,
      query,
      statuses: MAILING_STATUSES,
      exportCsvUrl: `${BASE}/export?${queryString({ format: 'csv' })}${filters ? `&${filters}` : ''}`,
      exportXlsxUrl: `${BASE}/export?${queryString({ format: 'xlsx' })}${filters ? `&${filters}` : ''}`,
      currentUrl: req.url,
    });
  }

  @Get('export')
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: MailingQueryDto): Promise<void> {
    const lang = resolveLang(req);
    await streamExport(reply, query.format ?? 'csv', 'mailings', mailingColumns((k) => this.pages.t(lang, k)), this.mailings.all(query));
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('segmentId') segmentId?: string, @Query('eventId') eventId?: string): Promise<void> {
    const fromSegment = typeof segmentId === 'string' && isUuid(segmentId);
    await this.renderForm(req, reply, {
      values: {
        name: '', templateId: '', eventId: typeof eventId === 'string' && isUuid(eventId) ? eventId : '',
        audienceSource: fromSegment ? 'segment' : 'filters', segmentId: fromSegment ? segmentId : '', saveSegment: false, segmentName: '',
      },
      audience: emptyAudience(),
      errors: [],
    });
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    await this.submit(actor, req, reply, body);
  }

  /** The live count for the form's script: the same form posted, answered with the counts and the count's HTML. */
  @Post('audience-count')
  @HttpCode(200)
  async audienceCount(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const t = this.translator(req);
    const state = this.readForm(body ?? {});
    const needsEvent = text(body?.form) !== 'segment';
    const { filters, errors } = await this.audienceOf(state, needsEvent);
    const count = filters ? await this.segments.preview(filters, isUuid(state.values.eventId) ? state.values.eventId : null) : null;
    const errorMap = formErrors(errors, t);
    const html = this.pages.html(req, reply, 'mailings/audience-count-fragment', { count: count ? countView(count) : null, countErrors: Object.values(errorMap).map((e) => e.message) }, { layout: 'bare' });
    await reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send({
      eligible: count?.eligible ?? null,
      matched: count?.matched ?? null,
      excluded: count?.excluded ?? null,
      sample: count?.sample ?? [],
      errors: errorMap,
      html,
    });
  }

  @Get(':id')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: MailingPageQuery): Promise<void> {
    await this.renderShow(req, reply, id, query);
  }

  @Get(':id/status.json')
  async status(@Req() req: FastifyRequest, @Param('id') id: string) {
    const t = this.translator(req);
    const view = await this.mailings.get(id);
    return {
      status: view.status,
      statusText: t(`mailings.statuses.${view.status}`),
      counts: view.counts,
      skippedBy: view.skippedBy,
      progress: view.progress,
      progressText: this.progressText(view, t),
      active: view.status === 'sending' || view.status === 'scheduled',
    };
  }

  /** The mailing's HTML for one recipient, alone, for a sandboxed frame: its own policy allows inline styles and nothing else. */
  @Get(':id/preview/:lang')
  async previewHtml(@Res() reply: FastifyReply, @Param('id') id: string, @Param('lang') lang: string, @Query('contactId') contactId?: string): Promise<void> {
    if (lang !== 'nl' && lang !== 'en') throw new NotFoundError('Preview');
    let html: string;
    let status = 200;
    try {
      const preview = await this.mailings.preview(id, typeof contactId === 'string' && isUuid(contactId) ? contactId : undefined);
      html = preview[lang].html;
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      html = '<!doctype html><meta charset="utf-8"><title>-</title><p>—</p>';
      status = 400;
    }
    await reply
      .status(status)
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'; sandbox")
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  @Get(':id/recipients/export')
  async exportRecipients(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: RecipientQueryDto): Promise<void> {
    const lang = resolveLang(req);
    await this.mailings.get(id);
    await streamExport(
      reply,
      query.format ?? 'csv',
      lang === 'en' ? 'mailing-recipients' : 'mailing-ontvangers',
      recipientColumns((k) => this.pages.t(lang, k)),
      this.mailings.allRecipients(id, { status: query.status, q: query.q }),
    );
  }

  @Get(':id/edit')
  async editForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const mailing = await this.mailings.get(id);
    if (!editable(mailing)) return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'mailings.flash.notEditable' });
    await this.renderForm(
      req,
      reply,
      {
        values: {
          name: mailing.name, templateId: mailing.templateId, eventId: mailing.eventId ?? '',
          audienceSource: mailing.segmentId ? 'segment' : 'filters', segmentId: mailing.segmentId ?? '', saveSegment: false, segmentName: '',
        },
        audience: audienceFromFilters(mailing.filters),
        errors: [],
      },
      mailing,
    );
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const mailing = await this.mailings.get(id);
    if (!editable(mailing)) return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'mailings.flash.notEditable' });
    await this.submit(actor, req, reply, body, mailing);
  }

  @Post(':id/send')
  async send(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    try {
      await this.mailings.send(actor, id);
    } catch (error) {
      if (error instanceof ValidationError) return this.renderShow(req, reply, id, {}, { sendErrors: error.fields }, 400);
      if (error instanceof ConflictError) return this.notAllowed(req, reply, id);
      throw error;
    }
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'mailings.flash.sending' });
  }

  @Post(':id/schedule')
  async schedule(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const typed = text(body.scheduledAt);
    const at = typed ? amsterdamLocalToUtc(typed) : undefined;
    let problem: FieldError | undefined;
    if (!typed) problem = { field: 'scheduledAt', message: 'choose a date and time', rule: 'isNotEmpty' };
    else if (!at) problem = { field: 'scheduledAt', message: 'not a date and time', rule: 'dateTime' };
    else if (new Date(at).getTime() < Date.now() + 60_000) problem = { field: 'scheduledAt', message: 'choose a time in the future', rule: 'future' };
    if (problem) return this.renderShow(req, reply, id, {}, { scheduleErrors: [problem], scheduledAt: typed }, 400);
    try {
      await this.mailings.send(actor, id, at);
    } catch (error) {
      if (error instanceof ValidationError) {
        const template = error.fields.filter((f) => f.field !== 'scheduledAt');
        return this.renderShow(req, reply, id, {}, { sendErrors: template, scheduleErrors: error.fields.filter((f) => f.field === 'scheduledAt'), scheduledAt: typed }, 400);
      }
      if (error instanceof ConflictError) return this.notAllowed(req, reply, id);
      throw error;
    }
    const view = await this.mailings.get(id);
    const key = view.status === 'scheduled' ? 'mailings.flash.scheduled' : view.status === 'sending' ? 'mailings.flash.sending' : 'mailings.flash.notAllowed';
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: view.status === 'scheduled' || view.status === 'sending' ? 'success' : 'error', key, args: { status: this.translator(req)(`mailings.statuses.${view.status}`) } });
  }

  @Post(':id/pause')
  pause(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    return this.act(req, reply, id, 'mailings.flash.paused', () => this.mailings.pause(actor, id));
  }

  @Post(':id/resume')
  resume(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    return this.act(req, reply, id, 'mailings.flash.resumed', () => this.mailings.resume(actor, id));
  }

  @Post(':id/cancel')
  async cancel(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    if (body?.confirm === undefined) return this.pages.redirect(req, reply, `${BASE}/${id}#cancel`, { type: 'error', key: 'mailings.flash.confirmCancel' });
    return this.act(req, reply, id, 'mailings.flash.cancelled', () => this.mailings.cancel(actor, id));
  }

  @Post(':id/resend-failed')
  resendFailed(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    return this.act(req, reply, id, 'mailings.flash.resent', () => this.mailings.resendFailed(actor, id));
  }

  @Post(':id/follow-up')
  async followUp(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const mailing = await this.mailings.get(id);
    if (!canFollowUp(mailing)) return this.notAllowed(req, reply, id);
    const t = this.translator(req);
    let draft: MailingView;
    try {
      draft = await this.mailings.followUp(actor, id, t('mailings.followUpName', { name: mailing.name }).slice(0, 200));
    } catch (error) {
      if (error instanceof ConflictError) return this.notAllowed(req, reply, id);
      throw error;
    }
    await this.pages.redirect(req, reply, `${BASE}/${draft.id}`, { type: 'success', key: 'mailings.flash.followUp', args: { name: draft.name } });
  }

  @Post(':id/test')
  async testSend(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const contactId = text(body?.contactId);
    const back = `${BASE}/${id}${contactId && isUuid(contactId) ? `?contactId=${contactId}` : ''}#preview`;
    try {
      const { to } = await this.mailings.testSend(actor, id, contactId && isUuid(contactId) ? contactId : undefined);
      await this.pages.redirect(req, reply, back, { type: 'success', key: 'mailings.flash.testSent', args: { email: to } });
    } catch (error) {
      if (error instanceof ValidationError) return this.renderShow(req, reply, id, { contactId }, { sendErrors: error.fields }, 400);
      if (error instanceof ConflictError) return this.pages.redirect(req, reply, back, { type: 'error', key: 'mailings.flash.emptyAudience' });
      throw error;
    }
  }

  @Post(':id/delete')
  async delete(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const mailing = await this.mailings.get(id);
    try {
      await this.mailings.delete(actor, id);
    } catch (error) {
      if (error instanceof ConflictError) return this.notAllowed(req, reply, id);
      throw error;
    }
    await this.pages.redirect(req, reply, BASE, { type: 'success', key: 'mailings.flash.deleted', args: { name: mailing.name } });
  }

  // ---------------------------------------------------------------------------------------------------

  private async act(req: FastifyRequest, reply: FastifyReply, id: string, key: string, run: () => Promise<MailingView>): Promise<void> {
    try {
      const view = await run();
      await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key, args: { name: view.name } });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await this.notAllowed(req, reply, id);
    }
  }

  private async notAllowed(req: FastifyRequest, reply: FastifyReply, id: string): Promise<void> {
    const view = await this.mailings.get(id);
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'mailings.flash.notAllowed', args: { status: this.translator(req)(`mailings.statuses.${view.status}`) } });
  }

  private translator(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }

  private readForm(body: Record<string, unknown>): MailingFormState {
    const save = text(body.saveSegment);
    return {
      values: {
        name: text(body.name),
        templateId: text(body.templateId),
        eventId: text(body.eventId),
        audienceSource: text(body.audienceSource) === 'segment' ? 'segment' : 'filters',
        segmentId: text(body.segmentId),
        saveSegment: save === 'on' || save === 'true' || save === '1',
        segmentName: text(body.segmentName),
      },
      audience: readAudience(body),
      errors: [],
    };
  }

  /** The audience the form describes (a saved segment's filters, or the filters), or what is wrong with it. */
  private async audienceOf(state: MailingFormState, needsEvent: boolean): Promise<{ filters?: AudienceFiltersDto; errors: FieldError[] }> {
    const { values, audience } = state;
    if (values.audienceSource === 'segment') {
      if (!values.segmentId) return { errors: [{ field: 'segmentId', message: 'choose a segment', rule: 'isNotEmpty' }] };
      try {
        return { filters: (await this.segments.get(values.segmentId)).filters, errors: [] };
      } catch (error) {
        if (error instanceof NotFoundError) return { errors: [{ field: 'segmentId', message: 'is not a saved segment' }] };
        throw error;
      }
    }
    const checks = audienceChecks(audience, { eventId: values.eventId || null, needsEvent });
    const { value, errors } = await validateForm(AudienceFiltersDto, audienceToFilters(audience));
    const all = [...Object.entries(errors).map(([field, e]) => ({ field: audienceField(field), ...e })), ...checks];
    return all.length || !value ? { errors: all } : { filters: value, errors: [] };
  }

  /** Create or update from the posted form; "count" shows the audience now instead of saving. */
  private async submit(actor: Actor, req: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>, mailing?: MailingView): Promise<void> {
    const state = this.readForm(body ?? {});
    const { values } = state;
    if (text(body?.action) === 'count') {
      const { filters, errors } = await this.audienceOf(state, true);
      state.errors = errors;
      state.count = filters ? await this.segments.preview(filters, isUuid(values.eventId) ? values.eventId : null) : null;
      return this.renderForm(req, reply, state, mailing, errors.length ? 400 : 200);
    }

    const bySegment = values.audienceSource === 'segment';
    const dto: Record<string, unknown> = {
      name: values.name,
      templateId: values.templateId,
      eventId: values.eventId || undefined,
      ...(bySegment ? { segmentId: values.segmentId } : { filters: audienceToFilters(state.audience) }),
    };
    const { value, errors } = await validateForm(CreateMailingDto, dto);
    const problems: FieldError[] = Object.entries(errors).map(([field, e]) => ({ field: rename(field), ...e }));
    if (bySegment && !values.segmentId && !problems.some((p) => p.field === 'segmentId')) problems.push({ field: 'segmentId', message: 'choose a segment', rule: 'isNotEmpty' });
    if (!bySegment) problems.push(...audienceChecks(state.audience, { eventId: values.eventId || null, needsEvent: true }));
    if (!bySegment && values.saveSegment && !values.segmentName) problems.push({ field: 'segmentName', message: 'name the segment', rule: 'segmentName' });
    if (!value || problems.length) return this.renderForm(req, reply, { ...state, errors: problems }, mailing, 400);

    let saved: MailingView;
    try {
      saved = mailing
        ? await this.mailings.update(actor, mailing.id, { ...value, eventId: value.eventId ?? (null as unknown as undefined), segmentId: bySegment ? value.segmentId : undefined })
        : await this.mailings.create(actor, value);
    } catch (error) {
      if (error instanceof ValidationError) return this.renderForm(req, reply, { ...state, errors: error.fields.map((f) => ({ ...f, field: rename(f.field) })) }, mailing, 400);
      if (error instanceof ConflictError) return this.notAllowed(req, reply, mailing?.id ?? '');
      throw error;
    }
    if (!bySegment && values.saveSegment) {
      const segment = await this.segments.create(actor, { name: values.segmentName.slice(0, 200), filters: saved.filters });
      return this.pages.redirect(req, reply, `${BASE}/${saved.id}`, { type: 'success', key: 'mailings.flash.savedWithSegment', args: { name: saved.name, segment: segment.name } });
    }
    await this.pages.redirect(req, reply, `${BASE}/${saved.id}`, { type: 'success', key: mailing ? 'mailings.flash.saved' : 'mailings.flash.created', args: { name: saved.name } });
  }

  private async renderForm(req: FastifyRequest, reply: FastifyReply, state: MailingFormState, mailing?: MailingView, status = 200): Promise<void> {
    const lang = resolveLang(req);
    const t = this.translator(req);
    const errors = formErrors(state.errors, t);
    const { values } = state;
    const [templates, events, segments, received] = await Promise.all([
      this.choices.templateChoices(values.templateId),
      this.choices.eventChoices(values.eventId, lang),
      this.choices.segmentChoices(values.segmentId),
      state.audience.receivedMailingId && isUuid(state.audience.receivedMailingId) ? this.mailings.get(state.audience.receivedMailingId).catch(() => null) : Promise.resolve(null),
    ]);
    await this.pages.render(
      req,
      reply,
      'mailings/form',
      {
        titleKey: mailing ? 'mailings.edit' : 'mailings.new',
        section: 'mailings',
        mailing,
        action: mailing ? `${BASE}/${mailing.id}` : BASE,
        cancelUrl: mailing ? `${BASE}/${mailing.id}` : BASE,
        values,
        bySegment: values.audienceSource === 'segment',
        templates,
        events,
        segments,
        audience: audienceView(state.audience, errors, t, { showRegistration: true, registrationHint: t('mailings.audience.registrationHint') }),
        receivedMailing: received ? { id: received.id, name: received.name } : state.audience.receivedMailingId ? { id: state.audience.receivedMailingId, name: state.audience.receivedMailingId } : null,
        count: state.count ? countView(state.count) : null,
        countErrors: state.count === null && state.errors.length ? Object.values(errors).map((e) => e.message) : [],
        errors,
        summary: Object.entries(errors).map(([field, e]) => ({ href: `#${anchorOf(field)}`, label: FIELD_LABELS[field] ? t(FIELD_LABELS[field]) : field, message: e.message })),
        wasScheduled: mailing?.status === 'scheduled',
        countUrl: `${BASE}/audience-count`,
      },
      { status },
    );
  }

  private progressText(view: MailingView, t: Translate): string {
    const done = view.counts.total - view.counts.queued;
    return t('mailings.progressText', { progress: view.progress, done, total: view.counts.total });
  }

  private async renderShow(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    query: MailingPageQuery,
    extra: { sendErrors?: FieldError[]; scheduleErrors?: FieldError[]; scheduledAt?: string } = {},
    status = 200,
  ): Promise<void> {
    const lang = resolveLang(req);
    const t = this.translator(req);
    const mailing = await this.mailings.get(id);
    const started = !['draft', 'scheduled'].includes(mailing.status);
    const [recipients, audienceNow, firstRecipients, parent] = await Promise.all([
      this.mailings.recipients(id, { status: query.status, q: query.q, page: query.page, pageSize: 25 }),
      started ? Promise.resolve(null) : this.segments.preview(mailing.filters, mailing.eventId),
      started ? this.mailings.recipients(id, { pageSize: 10 }) : Promise.resolve(null),
      mailing.filters.receivedMailingId && isUuid(mailing.filters.receivedMailingId) ? this.mailings.get(mailing.filters.receivedMailingId).catch(() => null) : Promise.resolve(null),
    ]);

    // The preview: for the chosen recipient (by contactId), else the first of the audience.
    const contactId = query.contactId && isUuid(query.contactId) ? query.contactId : undefined;
    let preview: Awaited<ReturnType<MailingsService['preview']>> | null = null;
    let previewErrors: ReturnType<typeof templateErrorList> = [];
    let previewProblem: string | null = query.contactId && !contactId ? t('mailings.errors.notInAudience') : null;
    try {
      preview = await this.mailings.preview(id, contactId);
    } catch (error) {
      if (error instanceof ValidationError) {
        previewErrors = templateErrorList(error.fields, t);
        const other = error.fields.filter((f) => !/^(nl|en)\./.test(f.field));
        if (other.length) previewProblem = other.map((f) => errorText(f, t)).join(' ');
        if (contactId && !previewErrors.length) {
          // Not in the audience: show the first one instead, and say so.
          preview = await this.mailings.preview(id).catch(() => null);
        }
      } else if (error instanceof ConflictError) {
        previewProblem = t('mailings.errors.emptyAudience');
      } else {
        throw error;
      }
    }
    const sample = started
      ? (firstRecipients?.items ?? []).map((r) => ({ contactId: r.contactId, label: `${r.name} <${r.email}>` }))
      : (audienceNow?.sample ?? []).map((m) => ({ contactId: m.contactId, label: `${m.name} <${m.email}>${m.organisation ? ` · ${m.organisation}` : ''}` }));
    const chosen = preview?.recipient.contactId;
    const previewChoices = sample.map((s) => ({ ...s, selected: s.contactId === chosen }));
    if (preview && !previewChoices.some((c) => c.selected)) {
      previewChoices.unshift({ contactId: preview.recipient.contactId, label: `${preview.recipient.name} <${preview.recipient.email}>`, selected: true });
    }
    const previewQuery = preview ? `?contactId=${preview.recipient.contactId}` : '';

    const s = mailing.status;
    const actions = {
      canEdit: editable(mailing),
      canSend: s === 'draft' || s === 'scheduled',
      canSchedule: s === 'draft' || s === 'scheduled',
      canPause: s === 'sending',
      canResume: s === 'paused',
      canCancel: s === 'scheduled' || s === 'sending' || s === 'paused',
      canResendFailed: (s === 'sending' || s === 'paused' || s === 'sent') && mailing.counts.failed > 0,
      canFollowUp: canFollowUp(mailing),
      canTest: s !== 'cancelled' && !!preview,
      canDelete: s === 'draft' || s === 'scheduled',
    };
    const scheduleErrors = formErrors(extra.scheduleErrors ?? [], t);
    const recipientFilters = queryString({ status: query.status, q: query.q });
    await this.pages.render(
      req,
      reply,
      'mailings/show',
      {
        titleKey: 'mailings.mailing',
        pageTitle: mailing.name,
        section: 'mailings',
        mailing,
        statusText: t(`mailings.statuses.${s}`),
        active: s === 'sending' || s === 'scheduled',
        started,
        showProgress: started || s === 'scheduled',
        audienceLines: describeAudience(mailing.filters, t, { receivedMailing: parent?.name }),
        parentMailing: parent ? { id: parent.id, name: parent.name } : null,
        count: audienceNow ? countView(audienceNow) : null,
        progressText: this.progressText(mailing, t),
        countItems: (['total', 'queued', 'sent', 'failed', 'bounced', 'skipped'] as const).map((key) => ({ key, label: t(`mailings.counts.${key}`), value: mailing.counts[key] })),
        skippedReasons: Object.entries(mailing.skippedBy).map(([reason, n]) => ({ reason, label: reasonText(reason, t), count: n })),
        ...actions,
        hasActions: Object.values(actions).some(Boolean),
        scheduledAtValue: extra.scheduledAt ?? (mailing.scheduledAt ? localValue(mailing.scheduledAt) : ''),
        scheduleErrors,
        sendErrors: templateErrorList(extra.sendErrors ?? [], t),
        sendProblem: (extra.sendErrors ?? []).filter((f) => !/^(nl|en)\./.test(f.field)).map((f) => errorText(f, t)).join(' '),
        preview: preview
          ? {
              recipient: preview.recipient,
              languages: (['nl', 'en'] as const).map((l) => ({
                lang: l,
                label: t(`mailings.languages.${l}`),
                subject: preview![l].subject,
                text: preview![l].text,
                frameUrl: `${BASE}/${id}/preview/${l}${previewQuery}`,
                own: preview!.recipient.language === l,
              })),
            }
          : null,
        previewErrors,
        previewProblem,
        previewChoices,
        recipients: {
          ...recipients,
          items: recipients.items.map((r) => ({ ...r, statusText: t(`mailings.recipientStatuses.${r.status}`), reasonText: r.reason ? reasonText(r.reason, t) : '' })),
        },
        page: recipients,
        recipientStatuses: RECIPIENT_STATUSES.filter((x) => x !== 'sending'),
        query,
        exportCsvUrl: `${BASE}/${id}/recipients/export?format=csv${recipientFilters ? `&${recipientFilters}` : ''}`,
        exportXlsxUrl: `${BASE}/${id}/recipients/export?format=xlsx${recipientFilters ? `&${recipientFilters}` : ''}`,
        currentUrl: req.url,
        lang,
      },
      { status },
    );
  }
}

/** A DTO field of the mailing form ('filters.attendance.from') as the form's own field. */
function rename(field: string): string {
  return field.startsWith('filters.') ? audienceField(field) : field === 'filters' ? 'audience' : field;
}

const editable = (m: MailingView): boolean => m.status === 'draft' || m.status === 'scheduled';
const canFollowUp = (m: MailingView): boolean => !!m.eventId && (m.status === 'sent' || m.status === 'sending');

function reasonText(reason: string, t: Translate): string {
  return (SKIP_REASONS as readonly string[]).includes(reason) ? t(`mailings.skipReasons.${reason}`) : reason;
}

/** An instant as the value of a datetime-local input, in Amsterdam. */
function localValue(value: Date | string): string {
  const { date, time } = utcToAmsterdam(value);
  return date ? `${date}T${time}` : '';
}

