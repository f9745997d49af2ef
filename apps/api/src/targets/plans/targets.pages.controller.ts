import { ConflictError, FieldError, NotFoundError, ValidationError } from '@keyport/common';
import {
  amsterdamDate, CreateTargetDto, ManualFigureDto, ManualFiguresService, PlansService, PlanView, TargetsService, TargetView, UpdateTargetDto,
} from '@keyport/targets';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { validateForm } from '../../common/validation';
import { text, Translate } from '../../mailings/mailing-pages.util';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { yearParam } from './plans.api.controller';
import { figureView, formatNumber, PLANS_BASE } from './plans.pages.controller';
import { describeFilters, emptyTargetForm, planFormErrors, readTargetForm, TargetForm, targetFormOf, targetFormView, targetInput } from './target-form';

interface FigureForm {
  recordedOn: string;
  value: string;
  note: string;
}

/** Staff pages of one plan's targets: add, edit (metric and the filters that apply to it), delete, and the entries of manual figures. */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/plans/:year/targets')
export class TargetsPagesController {
  constructor(
    private readonly plans: PlansService,
    private readonly targets: TargetsService,
    private readonly figures: ManualFiguresService,
    private readonly pages: PageRenderer,
  ) {}

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Query('line') line?: string): Promise<void> {
    const plan = await this.plans.getPlan(yearParam(year));
    await this.renderForm(req, reply, plan, emptyTargetForm(typeof line === 'string' ? line : ''), []);
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Body() body: Record<string, unknown>): Promise<void> {
    const plan = await this.plans.getPlan(yearParam(year));
    await this.submit(actor, req, reply, plan, readTargetForm(body ?? {}), text(body?.action));
  }

  @Get(':id/edit')
  async editForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Param('id') id: string): Promise<void> {
    const { plan, target } = await this.find(year, id);
    await this.renderForm(req, reply, plan, targetFormOf(target), [], target);
  }

  @Post(':id')
  async update(
    @CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Param('id') id: string, @Body() body: Record<string, unknown>,
  ): Promise<void> {
    const { plan, target } = await this.find(year, id);
    await this.submit(actor, req, reply, plan, readTargetForm(body ?? {}), text(body?.action), target);
  }

  @Post(':id/delete')
  async delete(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Param('id') id: string): Promise<void> {
    const { plan, target } = await this.find(year, id);
    await this.targets.delete(actor, target.id);
    await this.pages.redirect(req, reply, `${PLANS_BASE}/${plan.year}`, { type: 'success', key: 'plans.flash.targetDeleted', args: { title: target.title } });
  }

  @Get(':id/figures')
  async figuresPage(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Param('id') id: string): Promise<void> {
    const { plan, target } = await this.find(year, id, true);
    await this.renderFigures(req, reply, plan, target, { recordedOn: amsterdamDate(new Date()), value: '', note: '' }, []);
  }

  @Post(':id/figures')
  async addFigure(
    @CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Param('id') id: string, @Body() body: Record<string, unknown>,
  ): Promise<void> {
    const { plan, target } = await this.find(year, id, true);
    const form: FigureForm = { recordedOn: text(body?.recordedOn), value: text(body?.value), note: text(body?.note) };
    const { value, errors } = await validateForm(ManualFigureDto, { recordedOn: form.recordedOn, value: form.value, note: form.note || undefined });
    if (!value) return this.renderFigures(req, reply, plan, target, form, Object.entries(errors).map(([field, e]) => ({ field, ...e })), 400);
    try {
      await this.figures.add(actor, target.id, value);
    } catch (error) {
      if (error instanceof ValidationError || error instanceof ConflictError) return this.renderFigures(req, reply, plan, target, form, error.fields ?? [], error instanceof ConflictError ? 409 : 400);
      throw error;
    }
    await this.pages.redirect(req, reply, `${PLANS_BASE}/${plan.year}/targets/${target.id}/figures`, { type: 'success', key: 'plans.flash.figureAdded', args: { value: value.value, date: value.recordedOn } });
  }

  @Post(':id/figures/:figureId/delete')
  async removeFigure(
    @CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') year: string, @Param('id') id: string, @Param('figureId') figureId: string,
  ): Promise<void> {
    const { plan, target } = await this.find(year, id, true);
    await this.figures.remove(actor, target.id, figureId);
    await this.pages.redirect(req, reply, `${PLANS_BASE}/${plan.year}/targets/${target.id}/figures`, { type: 'success', key: 'plans.flash.figureRemoved' });
  }

  /** The plan of the path and one of its targets (404 when the target is of another year, or, for figures, not manual). */
  private async find(yearText: string, id: string, manualOnly = false): Promise<{ plan: PlanView; target: TargetView }> {
    const plan = await this.plans.getPlan(yearParam(yearText));
    const target = plan.targets.find((x) => x.id === id);
    if (!target || (manualOnly && target.metric !== 'manual')) throw new NotFoundError('Target');
    return { plan, target };
  }

  /**
   * Saves the target. A changed metric first shows the form again with that metric's own fields (its
   * filters, or the manual settings), so nothing is saved that the organiser did not see.
   */
  private async submit(actor: Actor, req: FastifyRequest, reply: FastifyReply, plan: PlanView, form: TargetForm, action: string, target?: TargetView): Promise<void> {
    if (action === 'metric' || form.metric !== form.shownMetric) {
      const changed = form.metric !== form.shownMetric;
      return this.renderForm(req, reply, plan, { ...form, shownMetric: form.metric }, [], target, 200, changed && action !== 'metric' ? 'plans.form.metricChanged' : undefined);
    }
    const input = targetInput(form);
    let saved: TargetView;
    try {
      saved = target
        ? await this.targets.update(actor, target.id, input as UpdateTargetDto)
        : await this.targets.create(actor, plan.year, input as unknown as CreateTargetDto);
    } catch (error) {
      if (error instanceof ValidationError) return this.renderForm(req, reply, plan, form, error.fields, target, 400);
      if (error instanceof ConflictError) return this.renderForm(req, reply, plan, form, error.fields ?? [], target, 409);
      throw error;
    }
    const key = target ? 'plans.flash.targetSaved' : 'plans.flash.targetAdded';
    await this.pages.redirect(req, reply, `${PLANS_BASE}/${plan.year}#target-${saved.id}`, { type: 'success', key, args: { title: saved.title } });
  }

  private async renderForm(
    req: FastifyRequest, reply: FastifyReply, plan: PlanView, form: TargetForm, errors: FieldError[], target?: TargetView, status = 200, notice?: string,
  ): Promise<void> {
    const lang = resolveLang(req);
    const t: Translate = (key, args) => this.pages.t(lang, key, args);
    const byField = planFormErrors(errors, t);
    const base = `${PLANS_BASE}/${plan.year}`;
    const figureCount = target && target.metric === 'manual' ? (await this.figures.list(target.id)).length : 0;
    await this.pages.render(
      req,
      reply,
      'targets/plans/target-form',
      {
        titleKey: target ? 'plans.form.editTitle' : 'plans.form.newTitle',
        plan,
        planUrl: base,
        target,
        action: target ? `${base}/targets/${target.id}` : `${base}/targets`,
        form: targetFormView(form, byField, t),
        errors: byField,
        errorList: Object.entries(byField).map(([field, e]) => ({ anchor: `f-${field}`, label: fieldLabel(field, t), message: e.message })),
        notice: notice ? t(notice, { metric: t(`plans.metrics.${form.metric}`) }) : null,
        figureCount,
      },
      { status },
    );
  }

  private async renderFigures(req: FastifyRequest, reply: FastifyReply, plan: PlanView, target: TargetView, form: FigureForm, errors: FieldError[], status = 200): Promise<void> {
    const lang = resolveLang(req);
    const t: Translate = (key, args) => this.pages.t(lang, key, args);
    const byField = planFormErrors(errors, t, (f) => f);
    const [entries, figure] = await Promise.all([this.figures.list(target.id), this.targets.figureOf(target.id)]);
    const base = `${PLANS_BASE}/${plan.year}/targets/${target.id}`;
    await this.pages.render(
      req,
      reply,
      'targets/plans/figures',
      {
        titleKey: 'plans.figures.title',
        plan,
        planUrl: `${PLANS_BASE}/${plan.year}`,
        target,
        shownTitle: lang === 'en' && target.titleEn ? target.titleEn : target.title,
        aggregateLabel: target.manualAggregate ? t(`plans.aggregates.${target.manualAggregate}`) : t('plans.aggregates.none'),
        aggregateHint: target.manualAggregate ? t(`plans.aggregateHints.${target.manualAggregate}`) : '',
        baseline: target.baseline === null ? null : formatNumber(target.baseline, lang),
        filterLines: describeFilters(target.filters, t),
        figure: figureView(figure, lang, t),
        entries: entries.map((e) => ({ ...e, valueText: formatNumber(e.value, lang), deleteUrl: `${base}/figures/${e.id}/delete` })),
        action: `${base}/figures`,
        editUrl: `${base}/edit`,
        values: form,
        errors: byField,
        errorList: Object.entries(byField).map(([field, e]) => ({ anchor: `f-${field}`, label: t(`plans.figures.${field}`), message: e.message })),
      },
      { status },
    );
  }
}

function fieldLabel(field: string, t: Translate): string {
  const own = ['programmeLine', 'title', 'titleEn', 'target', 'metric', 'key', 'countingNote', 'manualAggregate', 'baseline'];
  if (own.includes(field)) return t(`plans.form.${field}`);
  return t(`plans.filters.${field}`);
}
