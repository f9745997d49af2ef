import { Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import {
  CreatePlanDto, CreateTargetDto, DrillDownItem, IssueProgressReportDto, ManualFigureDto, ManualFiguresService, ManualFigureView, MonthlyPoint,
  MunicipalityFigure, PeriodQueryDto, periodFromQuery, PeriodView, PlansService, PlanSummary, PlanView, ProgressReportsService, ProgressReportView,
  TargetFigure, TargetsService, TargetView, UpdateTargetDto,
} from '@keyport/targets';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse,
  ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { streamExport } from '../../common/export';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { drillDownColumns, each } from './drill-down.columns';
import {
  DrillDownPageDoc, ItemsQueryDto, ManualFigureDoc, MonthlyPointDoc, MunicipalityFigureDoc, PlanDoc, PlanSummaryDoc, ProgressReportDoc, ReportsQueryDto, TargetDoc,
  TargetFigureDoc,
} from './plans-api.dto';

/** A year in a path: digits only, else NaN (which the services answer with 404). */
export const yearParam = (value: string): number => (/^\d{1,4}$/.test(value) ? Number(value) : NaN);

const READERS = 'Account managers, organisers and admins read; organisers and admins write';
const PERIOD_HELP = 'Without a period: the target’s plan year. ?year=2018, ?year=2018&quarter=1, ?year=2018&month=3 or ?from=2018-01-15&to=2018-02-14 (days in Europe/Amsterdam, both included).';

@ApiTags('targets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: `${READERS}; deleting a plan is for admins` })
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/plans')
export class PlansApiController {
  constructor(
    private readonly plans: PlansService,
    private readonly targets: TargetsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every year plan, newest year first, with its number of targets' })
  @ApiOkResponse({ type: [PlanSummaryDoc] })
  list(): Promise<PlanSummary[]> {
    return this.plans.listPlans();
  }

  @Post()
  @Roles(Role.Organiser)
  @ApiOperation({
    summary: 'Starts the plan of a year, empty or as a copy of another year’s targets',
    description: 'Body `{ "year": 2026, "copyFrom": 2018 }`: the targets of 2018 (metric, filters, numbers; not their manual figures) become those of 2026, to edit after.',
  })
  @ApiCreatedResponse({ type: PlanDoc })
  @ApiBadRequestResponse({ description: 'A bad year, or copyFrom names a year without a plan (field copyFrom)' })
  @ApiConflictResponse({ description: 'That year has a plan already' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreatePlanDto): Promise<PlanView> {
    return this.plans.createPlan(actor, dto);
  }

  @Get(':year')
  @ApiParam({ name: 'year', example: 2018 })
  @ApiOperation({ summary: 'A year plan with its targets (definitions; figures are at /api/v1/targets?year=)' })
  @ApiOkResponse({ type: PlanDoc })
  @ApiNotFoundResponse()
  get(@Param('year') year: string): Promise<PlanView> {
    return this.plans.getPlan(yearParam(year));
  }

  @Delete(':year')
  @Roles(Role.Admin)
  @HttpCode(204)
  @ApiParam({ name: 'year', example: 2026 })
  @ApiOperation({ summary: 'Deletes a plan with its targets and manual figures (admins only); the audit log keeps that it existed' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async delete(@CurrentActor() actor: Actor, @Param('year') year: string): Promise<void> {
    await this.plans.deletePlan(actor, yearParam(year));
  }

  @Post(':year/targets')
  @Roles(Role.Organiser)
  @ApiParam({ name: 'year', example: 2026 })
  @ApiOperation({ summary: 'Adds a target to a plan: a number, a metric and the filters that apply to that metric', description: 'Filters a metric does not take are refused (400, field filters.<name>).' })
  @ApiCreatedResponse({ type: TargetDoc })
  @ApiBadRequestResponse({ description: 'Each invalid field with the reason, e.g. filters.supportKinds for a support metric without kinds' })
  @ApiConflictResponse({ description: 'Another target of the plan has that key' })
  @ApiNotFoundResponse({ description: 'No plan for that year' })
  addTarget(@CurrentActor() actor: Actor, @Param('year') year: string, @Body() dto: CreateTargetDto): Promise<TargetView> {
    return this.targets.create(actor, yearParam(year), dto);
  }
}

@ApiTags('targets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: READERS })
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/targets')
export class TargetsApiController {
  constructor(
    private readonly targets: TargetsService,
    private readonly figures: ManualFiguresService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The targets of a year’s plan, each with its figure, pace and (for attendance) registered and no-show counts',
    description: `year is required (the plan). ${PERIOD_HELP}`,
  })
  @ApiOkResponse({ type: [TargetFigureDoc] })
  @ApiBadRequestResponse({ description: 'No or a bad year, quarter, month or range' })
  @ApiNotFoundResponse({ description: 'No plan for that year' })
  list(@Query() query: PeriodQueryDto): Promise<TargetFigure[]> {
    if (query.year === undefined) throw new ValidationError([{ field: 'year', message: 'year is required: the plan to list', rule: 'isNotEmpty' }]);
    return this.targets.listForYear(query.year, periodFromQuery(query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One target with its figure and pace', description: PERIOD_HELP })
  @ApiOkResponse({ type: TargetFigureDoc })
  @ApiNotFoundResponse()
  get(@Param('id') id: string, @Query() query: PeriodQueryDto): Promise<TargetFigure> {
    return this.targets.figureOf(id, periodFromQuery(query));
  }

  @Patch(':id')
  @Roles(Role.Organiser)
  @ApiOperation({ summary: 'Changes a target; fields left out stay, null clears an optional one', description: 'The filters are checked against the (new) metric.' })
  @ApiOkResponse({ type: TargetDoc })
  @ApiBadRequestResponse({ description: 'Each invalid field with the reason' })
  @ApiConflictResponse({ description: 'The key is taken in the plan, or a manual target with figures would be counted another way' })
  @ApiNotFoundResponse()
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateTargetDto): Promise<TargetView> {
    return this.targets.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles(Role.Organiser)
  @HttpCode(204)
  @ApiOperation({ summary: 'Removes a target with its manual figures; the audit log keeps its definition' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.targets.delete(actor, id);
  }

  @Get(':id/items')
  @ApiOperation({
    summary: 'The drill-down: exactly what the figure counts (organisations, persons, groups, events, …), a page at a time; or all as CSV/XLSX with ?format=',
    description: `The list is as long as the figure (for headcounts and summed manual figures, the counts add up to it). ${PERIOD_HELP}`,
  })
  @ApiProduces('application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({ type: DrillDownPageDoc })
  @ApiNotFoundResponse()
  async items(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: ItemsQueryDto): Promise<void> {
    const { page, pageSize, format, ...periodQuery } = query;
    const period = periodFromQuery(periodQuery);
    const items = await this.targets.drillDown(id, period);
    if (format) {
      const lang = resolveLang(req);
      return streamExport(reply, format, 'target-items', drillDownColumns((k) => this.pages.t(lang, k)), each(items));
    }
    const tally = await this.targets.tally(id, period);
    const window = pageWindow(page, pageSize ?? 50);
    const body: Page<DrillDownItem> & { value: number | null; period: PeriodView } = {
      ...pageOf(items.slice(window.offset, window.offset + window.pageSize), items.length, window.page, window.pageSize),
      value: tally.value,
      period: tally.period,
    };
    await reply.send(body);
  }

  @Get(':id/breakdown')
  @ApiOperation({ summary: 'The figure per funding municipality (the seven, then outside), adding up to the figure', description: `Empty for manual figures and progress reports. ${PERIOD_HELP}` })
  @ApiOkResponse({ type: [MunicipalityFigureDoc] })
  @ApiNotFoundResponse()
  breakdown(@Param('id') id: string, @Query() query: PeriodQueryDto): Promise<MunicipalityFigure[]> {
    return this.targets.breakdown(id, periodFromQuery(query));
  }

  @Get(':id/monthly')
  @ApiOperation({ summary: 'The figure month by month, cumulative over the period (for a chart)', description: PERIOD_HELP })
  @ApiOkResponse({ type: [MonthlyPointDoc] })
  @ApiNotFoundResponse()
  monthly(@Param('id') id: string, @Query() query: PeriodQueryDto): Promise<MonthlyPoint[]> {
    return this.targets.monthly(id, periodFromQuery(query));
  }

  @Get(':id/figures')
  @ApiOperation({ summary: 'The entries of a manual target, newest first' })
  @ApiOkResponse({ type: [ManualFigureDoc] })
  @ApiNotFoundResponse()
  listFigures(@Param('id') id: string): Promise<ManualFigureView[]> {
    return this.figures.list(id);
  }

  @Post(':id/figures')
  @Roles(Role.Organiser)
  @ApiOperation({ summary: 'Enters a manual figure: a value on a day, with a note saying where it comes from' })
  @ApiCreatedResponse({ type: ManualFigureDoc })
  @ApiBadRequestResponse({ description: 'Each invalid field with the reason' })
  @ApiConflictResponse({ description: 'The target is counted from the records, not by hand' })
  @ApiNotFoundResponse()
  addFigure(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: ManualFigureDto): Promise<ManualFigureView> {
    return this.figures.add(actor, id, dto);
  }

  @Delete(':id/figures/:figureId')
  @Roles(Role.Organiser)
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async removeFigure(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('figureId') figureId: string): Promise<void> {
    await this.figures.remove(actor, id, figureId);
  }
}

@ApiTags('targets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: READERS })
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/reports')
export class ProgressReportsApiController {
  constructor(private readonly reports: ProgressReportsService) {}

  @Get()
  @ApiOperation({ summary: 'The archive of quarterly progress reports (of a year), newest quarter first' })
  @ApiOkResponse({ type: [ProgressReportDoc] })
  list(@Query() query: ReportsQueryDto): Promise<ProgressReportView[]> {
    return this.reports.list(query.year);
  }

  @Post()
  @Roles(Role.Organiser)
  @ApiOperation({
    summary: 'Issues the progress report of a quarter: its figures are frozen in a snapshot and it counts towards “progress communicated”',
    description: 'Body `{ "year": 2018, "quarter": 1, "highlights": "…" }`. Once per quarter.',
  })
  @ApiCreatedResponse({ type: ProgressReportDoc })
  @ApiBadRequestResponse({ description: 'A bad year or quarter, or no plan for the year' })
  @ApiConflictResponse({ description: 'That quarter’s report was issued already' })
  issue(@CurrentActor() actor: Actor, @Body() dto: IssueProgressReportDto): Promise<ProgressReportView> {
    return this.reports.issue(actor, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProgressReportDoc })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<ProgressReportView> {
    return this.reports.get(id);
  }
}
