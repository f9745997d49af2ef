import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { IssueProgressReportDto, PlansService, ProgressReportsService, ProgressReportView, ProgressSnapshot } from '@keyport/targets';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { FormErrors, validateForm } from '../../common/validation';
import { Lang, PageRenderer, resolveLang } from '../../pages/page-renderer';
import { DashboardQuery } from './dashboard.pages.controller';
import { ReportDrafts, reportView, reportWorkbook } from './report-data';
import { currentQuarter, defaultYear, periodLabel, Translate } from './target-views';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

interface DraftState {
  year: number;
  quarter: number;
  highlights: string;
  errors?: FormErrors;
  conflict?: { id: string | null; message: string };
  previewed?: boolean;
}

/**
 * Quarterly progress reports for the stakeholders: the archive (every staff member), the draft of a
 * quarter with the organiser's highlights (organisers and administrators), issuing (once per quarter:
 * a second time is a 409 shown on the draft), the printable report and its XLSX download.
 */
@ApiExcludeController()
@Controller('reports')
export class ReportsPagesController {
  constructor(
    private readonly reports: ProgressReportsService,
    private readonly plans: PlansService,
    private readonly drafts: ReportDrafts,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const lang = resolveLang(req);
    const t = this.translator(lang);
    const reports = await this.reports.list();
    await this.pages.render(req, reply, 'targets/reports/list', {
      titleKey: 'targets.reports.title',
      reports: reports.map((r) => ({
        id: r.id,
        title: t('targets.report.title', { quarter: r.quarter, year: r.year }),
        period: periodLabel({ year: r.year, quarter: r.quarter }, t),
        issuedAt: r.issuedAt,
        issuedByName: r.issuedByName,
        issued: !!r.issuedAt,
        targets: r.snapshot?.targets?.length ?? 0,
        events: r.snapshot?.eventsHeld?.length ?? 0,
      })),
      canIssue: this.canIssue(req),
    });
  }

  @Get('new')
  @Roles(Role.Organiser)
  async newReport(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: DashboardQuery): Promise<void> {
    const plans = await this.plans.listPlans();
    const now = currentQuarter();
    const year = query.year ?? (plans.some((p) => p.year === now.year) ? now.year : defaultYear(plans));
    if (year === undefined) return this.pages.render(req, reply, 'targets/reports/report', { titleKey: 'targets.reports.new', draft: true, noPlans: true });
    const quarter = query.quarter ?? (year === now.year ? now.quarter : year < now.year ? 4 : 1);
    await this.renderDraft(req, reply, { year, quarter, highlights: '' });
  }

  /** The draft form: "preview" shows the highlights in the draft; "issue" archives the report. */
  @Post()
  @Roles(Role.Organiser)
  async issue(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const fields = { year: text(body?.year), quarter: text(body?.quarter), highlights: text(body?.highlights) };
    const { value, errors } = await validateForm(IssueProgressReportDto, fields);
    const year = Number(fields.year);
    const quarter = Number(fields.quarter);
    if (!value) {
      if (errors.year || errors.quarter || !Number.isInteger(year) || !Number.isInteger(quarter)) throw new ValidationError(Object.entries(errors).map(([field, e]) => ({ field, ...e })));
      return this.renderDraft(req, reply, { year, quarter, highlights: fields.highlights, errors }, 400);
    }
    if (text(body?.action) === 'preview') return this.renderDraft(req, reply, { year, quarter, highlights: fields.highlights, previewed: true });
    let issued: ProgressReportView;
    try {
      issued = await this.reports.issue(actor, { year: value.year, quarter: value.quarter, highlights: value.highlights });
    } catch (error) {
      if (error instanceof ConflictError) {
        const existing = (await this.reports.list(year)).find((r) => r.quarter === quarter && r.issuedAt);
        const t = this.translator(resolveLang(req));
        return this.renderDraft(req, reply, { year, quarter, highlights: fields.highlights, conflict: { id: existing?.id ?? null, message: t('targets.reports.alreadyIssued', { period: periodLabel({ year, quarter }, t) }) } }, 409);
      }
      if (error instanceof ValidationError) {
        return this.renderDraft(req, reply, { year, quarter, highlights: fields.highlights, errors: Object.fromEntries(error.fields.map((f) => [f.field, { rule: f.rule, message: f.message }])) }, 400);
      }
      throw error;
    }
    await this.pages.redirect(req, reply, `/reports/${issued.id}`, { type: 'success', key: 'targets.reports.issued', args: { period: periodLabel({ year, quarter }, this.translator(resolveLang(req))) } });
  }

  /** The printable report; /reports/:id.xlsx is the same report as a workbook. */
  @Get(':id')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') param: string): Promise<void> {
    const lang = resolveLang(req);
    const t = this.translator(lang);
    const xlsx = param.endsWith('.xlsx');
    const report = await this.reports.get(xlsx ? param.slice(0, -'.xlsx'.length) : param);
    if (!report.snapshot || !report.issuedAt) throw new NotFoundError('Progress report');
    if (xlsx) {
      const name = `${lang === 'en' ? 'progress-report' : 'voortgangsrapportage'}-${report.year}-q${report.quarter}.xlsx`;
      const body = await reportWorkbook(report, report.snapshot, lang, t);
      await reply.header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').type(XLSX).send(body);
      return;
    }
    await this.pages.render(req, reply, 'targets/reports/report', {
      titleKey: 'targets.reports.title',
      pageTitle: t('targets.report.title', { quarter: report.quarter, year: report.year }),
      report,
      year: report.year,
      quarter: report.quarter,
      periodText: periodLabel({ year: report.year, quarter: report.quarter }, t),
      highlights: report.highlights,
      ...reportView(report.snapshot, report.year, report.quarter, lang, t, true),
      xlsxUrl: `/reports/${report.id}.xlsx`,
    });
  }

  private async renderDraft(req: FastifyRequest, reply: FastifyReply, state: DraftState, status = 200): Promise<void> {
    const lang = resolveLang(req);
    const t = this.translator(lang);
    const { year, quarter } = state;
    const [plans, issued] = await Promise.all([this.plans.listPlans(), this.reports.list(year)]);
    if (!plans.some((p) => p.year === year)) throw new NotFoundError(`Year plan ${year}`);
    const done = issued.find((r) => r.quarter === quarter && r.issuedAt);
    const snapshot: ProgressSnapshot = await this.drafts.draft(year, quarter);
    await this.pages.render(
      req,
      reply,
      'targets/reports/report',
      {
        titleKey: 'targets.reports.new',
        pageTitle: t('targets.report.draftTitle', { quarter, year }),
        draft: true,
        year,
        quarter,
        periodText: periodLabel({ year, quarter }, t),
        years: plans.map((p) => ({ year: p.year, selected: p.year === year })),
        quarters: [1, 2, 3, 4].map((n) => ({ value: n, selected: n === quarter })),
        highlights: state.highlights,
        previewed: state.previewed && !!state.highlights.trim(),
        errors: state.errors ?? {},
        conflict: state.conflict ?? (done ? { id: done.id, message: t('targets.reports.alreadyIssued', { period: periodLabel({ year, quarter }, t) }) } : null),
        alreadyIssued: !!done,
        ...reportView(snapshot, year, quarter, lang, t, true),
        asOf: new Date(),
      },
      { status },
    );
  }

  private canIssue(req: FastifyRequest): boolean {
    const role = (req as FastifyRequest & { actor?: Actor }).actor?.role;
    return role === Role.Admin || role === Role.Organiser;
  }

  private translator(lang: Lang): Translate {
    return (key, args) => this.pages.t(lang, key, args);
  }
}
