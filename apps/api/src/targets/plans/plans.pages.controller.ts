import { ConflictError, FieldError, ValidationError } from '@keyport/common';
import { amsterdamDate, CreatePlanDto, PlansService, PlanSummary, TargetFigure, TargetsService } from '@keyport/targets';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { validateForm } from '../../common/validation';
import { text, Translate } from '../../mailings/mailing-pages.util';
import { Lang, PageRenderer, resolveLang } from '../../pages/page-renderer';
import { yearParam } from './plans.api.controller';
import { describeFilters, PLAN_LINES, planFormErrors } from './target-form';

export const PLANS_BASE = '/manage/plans';

interface PlanForm {
  year: string;
  copyFrom: string;
  title: string;
}

/** A number in the reader's language (16.900 / 16,900). */
export const formatNumber = (n: number | null | undefined, lang: Lang): string =>
  n === null || n === undefined ? '–' : n.toLocaleString(lang === 'en' ? 'en-GB' : 'nl-NL', { maximumFractionDigits: 2 });

/** A target's figure as the pages show it: value of target, progress, pace, and what is shown beside. */
export function figureView(f: TargetFigure, lang: Lang, t: Translate) {
  const progress = f.value === null ? 0 : Math.max(0, Math.min(f.target, f.value));
  return {
    value: formatNumber(f.value, lang),
    target: formatNumber(f.target, lang),
    progressMax: f.target,
    progress,
    percent: f.pace.progress === null ? null : Math.round(f.pace.progress * 100),
    paceStatus: f.pace.status,
    paceLabel: t(`plans.pace.${f.pace.status}`),
    expected: formatNumber(Math.round(f.pace.expected), lang),
    attendance: f.attendance ? { registered: formatNumber(f.attendance.registered, lang), noShow: formatNumber(f.attendance.noShow, lang) } : null,
    baseline: f.baseline === null ? null : formatNumber(f.baseline, lang),
  };
}

/** Staff pages of the year plans: the list with "start a plan as a copy", one plan with its targets, deleting a plan. */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/plans')
export class PlansPagesController {
  constructor(
    private readonly plans: PlansService,
    private readonly targets: TargetsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const plans = await this.plans.listPlans();
    await this.renderList(req, reply, plans, defaultPlanForm(plans), []);
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const form: PlanForm = { year: text(body?.year), copyFrom: text(body?.copyFrom), title: text(body?.title) };
    const { value, errors } = await validateForm(CreatePlanDto, { year: form.year, copyFrom: form.copyFrom || undefined, title: form.title || undefined });
    const fail = async (fields: FieldError[], status: number) => this.renderList(req, reply, await this.plans.listPlans(), form, fields, status);
    if (!value) return fail(Object.entries(errors).map(([field, e]) => ({ field, ...e })), 400);
    try {
      const plan = await this.plans.createPlan(actor, value);
      const key = plan.copiedFromYear ? 'plans.flash.copied' : 'plans.flash.created';
      await this.pages.redirect(req, reply, `${PLANS_BASE}/${plan.year}`, { type: 'success', key, args: { year: plan.year, from: plan.copiedFromYear, count: plan.targetCount } });
    } catch (error) {
      if (error instanceof ConflictError) return fail(error.fields?.length ? error.fields : [{ field: 'year', message: error.message, rule: 'planExists' }], 409);
      if (error instanceof ValidationError) return fail(error.fields, 400);
      throw error;
    }
  }

  @Get(':year')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') yearText: string): Promise<void> {
    const lang = resolveLang(req);
    const t: Translate = (key, args) => this.pages.t(lang, key, args);
    const plan = await this.plans.getPlan(yearParam(yearText));
    const figures = new Map((await this.targets.listForYear(plan.year)).map((f) => [f.id, f]));
    const base = `${PLANS_BASE}/${plan.year}`;
    const lines = PLAN_LINES.map((line) => ({
      line,
      label: t(`events.programmeLines.${line}`),
      addUrl: `${base}/targets/new?line=${line}`,
      targets: plan.targets
        .filter((x) => x.programmeLine === line)
        .map((x, i) => {
          const figure = figures.get(x.id);
          return {
            ...x,
            number: i + 1,
            shownTitle: lang === 'en' && x.titleEn ? x.titleEn : x.title,
            metricLabel: t(`plans.metrics.${x.metric}`),
            aggregateLabel: x.manualAggregate ? t(`plans.aggregates.${x.manualAggregate}`) : null,
            filterLines: describeFilters(x.filters, t),
            figure: figure ? figureView(figure, lang, t) : null,
            isManual: x.metric === 'manual',
            editUrl: `${base}/targets/${x.id}/edit`,
            figuresUrl: `${base}/targets/${x.id}/figures`,
          };
        }),
    }));
    await this.pages.render(req, reply, 'targets/plans/show', {
      plan,
      pageTitle: plan.title || t('plans.planTitle', { year: plan.year }),
      planTitle: plan.title || t('plans.planTitle', { year: plan.year }),
      lines,
      today: amsterdamDate(new Date()),
      addUrl: `${base}/targets/new`,
    });
  }

  @Post(':year/delete')
  @Roles(Role.Admin)
  async delete(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('year') yearText: string, @Body() body: Record<string, unknown>): Promise<void> {
    const plan = await this.plans.getPlan(yearParam(yearText));
    if (text(body?.confirm) !== 'yes') {
      return this.pages.redirect(req, reply, `${PLANS_BASE}/${plan.year}#delete-plan`, { type: 'error', key: 'plans.flash.confirmDelete' });
    }
    await this.plans.deletePlan(actor, plan.year);
    await this.pages.redirect(req, reply, PLANS_BASE, { type: 'success', key: 'plans.flash.deleted', args: { year: plan.year } });
  }

  private async renderList(req: FastifyRequest, reply: FastifyReply, plans: PlanSummary[], form: PlanForm, errors: FieldError[], status = 200): Promise<void> {
    const lang = resolveLang(req);
    const t: Translate = (key, args) => this.pages.t(lang, key, args);
    await this.pages.render(
      req,
      reply,
      'targets/plans/list',
      {
        titleKey: 'plans.title',
        plans: plans.map((p) => ({ ...p, url: `${PLANS_BASE}/${p.year}` })),
        values: form,
        errors: planFormErrors(errors, t, (f) => f),
        copyChoices: plans.map((p) => ({ year: p.year, selected: String(p.year) === form.copyFrom })),
        noCopy: form.copyFrom === '',
        currentYear: Number(amsterdamDate(new Date()).slice(0, 4)),
      },
      { status },
    );
  }
}

/**
 * What the "start a plan" form proposes: this year (or the first year after it without a plan) as a
 * copy of the newest plan before that year; on a fresh install, the current year as a copy of the
 * shipped plan in one click.
 */
export function defaultPlanForm(plans: PlanSummary[], today = new Date()): PlanForm {
  const years = new Set(plans.map((p) => p.year));
  let year = Number(amsterdamDate(today).slice(0, 4));
  while (years.has(year)) year++;
  const earlier = plans.map((p) => p.year).filter((y) => y < year);
  const copyFrom = earlier.length ? Math.max(...earlier) : plans.length ? Math.max(...plans.map((p) => p.year)) : null;
  return { year: String(year), copyFrom: copyFrom === null ? '' : String(copyFrom), title: '' };
}
