import { FieldError, ValidationError } from '@keyport/common';
import { AudienceFiltersDto, AudiencePreview, CreateSegmentDto, NameQueryDto, SegmentsService, SegmentView } from '@keyport/mailings';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { validateForm } from '../common/validation';
import { PageRenderer, resolveLang } from '../pages/page-renderer';
import { audienceChecks, audienceField, AudienceForm, audienceFromFilters, audienceToFilters, audienceView, countView, describeAudience, emptyAudience, readAudience } from './audience-form';
import { formErrors, text, Translate } from './mailing-pages.util';

const BASE = '/manage/segments';

/** Saved audiences: list, the same filter fieldset as the mailing form with a count, delete. */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/segments')
export class SegmentsPagesController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: NameQueryDto): Promise<void> {
    const t = this.translator(req);
    const page = await this.segments.list({ q: query.q, page: query.page, pageSize: query.pageSize ?? 25 });
    await this.pages.render(req, reply, 'mailings/segments/list', {
      titleKey: 'mailings.segments.title',
      section: 'segments',
      page: { ...page, items: page.items.map((s) => ({ ...s, audienceLines: describeAudience(s.filters, t) })) },
      query,
      currentUrl: req.url,
    });
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.renderForm(req, reply, '', emptyAudience(), []);
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    await this.submit(actor, req, reply, body ?? {});
  }

  @Get(':id')
  async show(@Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const segment = await this.segments.get(id);
    await reply.redirect(`${BASE}/${segment.id}/edit`, 303);
  }

  @Get(':id/edit')
  async editForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const segment = await this.segments.get(id);
    await this.renderForm(req, reply, segment.name, audienceFromFilters(segment.filters), [], segment);
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const segment = await this.segments.get(id);
    await this.submit(actor, req, reply, body ?? {}, segment);
  }

  @Post(':id/delete')
  async delete(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const segment = await this.segments.get(id);
    await this.segments.delete(id);
    await this.pages.redirect(req, reply, BASE, { type: 'success', key: 'mailings.segments.deleted', args: { name: segment.name } });
  }

  private translator(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }

  private async submit(actor: Actor, req: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>, segment?: SegmentView): Promise<void> {
    const name = text(body.name);
    const audience = readAudience(body);
    const checks = audienceChecks(audience, { needsEvent: false });
    const { value, errors } = await validateForm(CreateSegmentDto, { name, filters: audienceToFilters(audience) });
    const problems: FieldError[] = [...Object.entries(errors).map(([field, e]) => ({ field: field.startsWith('filters') ? audienceField(field) : field, ...e })), ...checks];
    if (text(body.action) === 'count') {
      const filters = await validateForm(AudienceFiltersDto, audienceToFilters(audience));
      const filterProblems = problems.filter((p) => p.field !== 'name');
      const count = filterProblems.length || !filters.value ? null : await this.segments.preview(filters.value, null);
      return this.renderForm(req, reply, name, audience, filterProblems, segment, count, filterProblems.length ? 400 : 200);
    }
    if (!value || problems.length) return this.renderForm(req, reply, name, audience, problems, segment, undefined, 400);
    let saved: SegmentView;
    try {
      saved = segment ? await this.segments.update(segment.id, value) : await this.segments.create(actor, value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return this.renderForm(req, reply, name, audience, error.fields, segment, undefined, 400);
    }
    await this.pages.redirect(req, reply, BASE, { type: 'success', key: segment ? 'mailings.segments.saved' : 'mailings.segments.created', args: { name: saved.name } });
  }

  private async renderForm(
    req: FastifyRequest,
    reply: FastifyReply,
    name: string,
    audience: AudienceForm,
    errors: FieldError[],
    segment?: SegmentView,
    count?: AudiencePreview | null,
    status = 200,
  ): Promise<void> {
    const t = this.translator(req);
    const byField = formErrors(errors, t);
    await this.pages.render(
      req,
      reply,
      'mailings/segments/form',
      {
        titleKey: segment ? 'mailings.segments.edit' : 'mailings.segments.new',
        section: 'segments',
        segment,
        action: segment ? `${BASE}/${segment.id}` : BASE,
        values: { name },
        errors: byField,
        audience: audienceView(audience, byField, t, { showRegistration: true, registrationHint: t('mailings.segments.registrationHint') }),
        count: count ? countView(count) : null,
        countErrors: count === null && errors.length ? Object.values(byField).map((e) => e.message) : [],
        countUrl: '/manage/mailings/audience-count',
      },
      { status },
    );
  }
}
