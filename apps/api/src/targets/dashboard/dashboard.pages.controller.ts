import { NotFoundError } from '@keyport/common';
import { APP_CONFIG, AppConfig } from '@keyport/config';
import { PlansService, resolvePeriod, TargetsService, YEAR_MAX, YEAR_MIN } from '@keyport/targets';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { streamExport } from '../../common/export';
import { Lang, PageRenderer, resolveLang } from '../../pages/page-renderer';
import {
  breakdownView, byLine, chartPoints, defaultYear, drillColumns, drillItemView, figureView, iterate, numberFormat, periodLabel, periodQuery, titleOf, Translate,
} from './target-views';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
/** A whole number from the query; an empty field (the form's "whole year") is no value. */
const optionalNumber = ({ value }: { value: unknown }) => (value === '' || value === undefined || value === null ? undefined : Number(value));
export const DRILL_PAGE_SIZE = 50;

/** ?year=2018&quarter=2: the period shown (no quarter: the whole year). */
export class DashboardQuery {
  @Transform(optionalNumber) @IsOptional() @IsInt() @Min(YEAR_MIN) @Max(YEAR_MAX) year?: number;
  @Transform(optionalNumber) @IsOptional() @IsInt() @Min(1) @Max(4) quarter?: number;
}

class TargetPageQuery extends DashboardQuery {
  @Transform(optionalNumber) @IsOptional() @IsInt() @Min(1) page?: number;
}

class DrillExportQuery extends DashboardQuery {
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}

/**
 * The targets dashboard (every staff member reads it): per programme line each target's figure against
 * its number, with a progress bar, a pace marker and the pace in words; a year and quarter switch that
 * is a plain GET form. Each figure opens its detail page: the chart over the months (with its data table),
 * the breakdown per municipality and the drill-down list of exactly what is counted, exportable.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardPagesController {
  constructor(
    private readonly plans: PlansService,
    private readonly targets: TargetsService,
    private readonly pages: PageRenderer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async dashboard(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: DashboardQuery): Promise<void> {
    const lang = resolveLang(req);
    const t = this.translator(lang);
    const plans = await this.plans.listPlans();
    const year = query.year ?? defaultYear(plans);
    if (year === undefined) {
      return this.pages.render(req, reply, 'targets/dashboard/index', { titleKey: 'targets.dashboard.title', noPlans: true });
    }
    if (!plans.some((p) => p.year === year)) throw new NotFoundError(`Year plan ${year}`);
    const quarter = query.quarter;
    const now = new Date();
    const figures = await this.targets.listForYear(year, quarter ? { year, quarter } : { year }, now);
    const q = periodQuery(year, quarter);
    const views = figures.map((f) => figureView(f, lang, t, `/dashboard/targets/${f.id}?${q}`));
    const period = resolvePeriod(quarter ? { year, quarter } : { year });
    const tally = (s: string[]) => views.filter((v) => s.includes(v.status)).length;
    await this.pages.render(req, reply, 'targets/dashboard/index', {
      titleKey: 'targets.dashboard.title',
      year,
      quarter,
      periodText: periodLabel({ year, quarter }, t),
      years: plans.map((p) => ({ year: p.year, selected: p.year === year })),
      quarters: [1, 2, 3, 4].map((n) => ({ value: n, selected: n === quarter })),
      lines: byLine(views, t),
      summary: {
        total: views.length,
        ahead: tally(['achieved', 'ahead', 'on_track']),
        atRisk: tally(['at_risk']),
        behind: tally(['behind']),
        other: tally(['not_started', 'no_data']),
      },
      asOf: now,
      paceNote: period.endsAt.getTime() <= now.getTime() ? 'targets.dashboard.paceNotePast' : period.startsAt.getTime() > now.getTime() ? 'targets.dashboard.paceNoteFuture' : 'targets.dashboard.paceNoteNow',
      reportUrl: quarter ? `/reports/new?year=${year}&quarter=${quarter}` : null,
    });
  }

  @Get('targets/:id')
  async target(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: TargetPageQuery): Promise<void> {
    const lang = resolveLang(req);
    const t = this.translator(lang);
    const n = numberFormat(lang);
    const target = await this.targets.get(id);
    const year = query.year ?? target.year;
    const quarter = query.quarter;
    const input = quarter ? { year, quarter } : { year };
    const period = resolvePeriod(input);
    const now = new Date();
    const [figure, breakdown, items, monthly, plans] = await Promise.all([
      this.targets.figureOf(id, input, now),
      this.targets.breakdown(id, input),
      this.targets.drillDown(id, input),
      this.targets.monthly(id, input),
      this.plans.listPlans(),
    ]);
    const view = figureView(figure, lang, t);
    const pages = Math.max(1, Math.ceil(items.length / DRILL_PAGE_SIZE));
    const page = Math.min(query.page ?? 1, pages);
    const shown = items.slice((page - 1) * DRILL_PAGE_SIZE, page * DRILL_PAGE_SIZE);
    const countSum = items.reduce((s, i) => s + i.count, 0);
    // A distinct count is the number of rows; a headcount or summed figure is the sum of the counts.
    const weighted = items.some((i) => i.count !== 1);
    const q = periodQuery(year, quarter);
    const points = chartPoints(figure, monthly, period, lang, now);
    await this.pages.render(req, reply, 'targets/dashboard/target', {
      titleKey: 'targets.detail.title',
      pageTitle: titleOf(target, lang),
      target,
      figure: view,
      line: t(`targets.lines.${target.programmeLine}`),
      year,
      quarter,
      periodText: periodLabel({ year, quarter }, t),
      years: [...new Set([...plans.map((p) => p.year), year])].sort((a, b) => b - a).map((y) => ({ year: y, selected: y === year })),
      quarters: [1, 2, 3, 4].map((x) => ({ value: x, selected: x === quarter })),
      dashboardUrl: `/dashboard?${q}`,
      chart: {
        points,
        valueLabel: t('targets.chart.value'),
        expectedLabel: t('targets.chart.expected'),
        targetLabel: t('targets.chart.target'),
        summary: t('targets.chart.summary', { title: view.title, value: view.valueText, period: periodLabel({ year, quarter }, t) }),
      },
      breakdown: breakdown.length ? breakdownView(breakdown, figure.value, lang, t) : null,
      drill: {
        items: shown.map((i) => drillItemView(i, target.metric, lang, t)),
        rows: items.length,
        rowsText: n(items.length),
        sumText: n(countSum),
        weighted,
        figureText: view.valueText,
        matches: weighted ? countSum === figure.value : items.length === figure.value,
        latest: target.metric === 'manual' && target.manualAggregate === 'latest',
      },
      page: { page, pages, total: items.length, pageSize: DRILL_PAGE_SIZE },
      currentUrl: req.url,
      exportCsvUrl: `/dashboard/targets/${id}/export?format=csv&${q}`,
      exportXlsxUrl: `/dashboard/targets/${id}/export?format=xlsx&${q}`,
    });
  }

  /** The whole drill-down list as CSV or XLSX: the rows the figure counts, streamed. */
  @Get('targets/:id/export')
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: DrillExportQuery): Promise<void> {
    const lang = resolveLang(req);
    const target = await this.targets.get(id);
    const year = query.year ?? target.year;
    const input = query.quarter ? { year, quarter: query.quarter } : { year };
    const items = await this.targets.drillDown(id, input);
    const name = `${lang === 'en' ? 'target' : 'doel'}-${target.key ?? target.id}-${year}${query.quarter ? `-q${query.quarter}` : ''}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    await streamExport(reply, query.format ?? 'csv', name, drillColumns(this.translator(lang), this.config.app.url.replace(/\/$/, '')), iterate(items));
  }

  private translator(lang: Lang): Translate {
    return (key, args) => this.pages.t(lang, key, args);
  }
}
