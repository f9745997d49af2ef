import { CompanyVisitsService, CreateVisitDto, UpdateVisitDto, VisitDetail, VisitPage, VisitQuery } from '@keyport/crm/visits';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { streamExport } from '../../common/export';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { visitColumns } from './visits.columns';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

@ApiTags('visits')
@ApiBearerAuth()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/visits')
export class VisitsApiController {
  constructor(
    private readonly visits: CompanyVisitsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Search, filter and page company visits (newest first); ?format=csv|xlsx exports every match' })
  @ApiProduces('application/json', 'text/csv', XLSX_TYPE)
  @ApiOkResponse({ type: VisitPage })
  async list(@CurrentActor() actor: Actor, @Query() query: VisitQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (query.format) {
      const lang = resolveLang(req);
      return streamExport(reply, query.format, 'visits', visitColumns((k) => this.pages.t(lang, k)), this.visits.all(actor, query));
    }
    await reply.send(await this.visits.list(actor, query));
  }

  @Post()
  @ApiOperation({ summary: 'Log a visit, with the innovation questions raised and the follow-ups agreed, in one transaction' })
  @ApiBadRequestResponse({ description: 'Each refused field and why (e.g. `followUps.0.assigneeId`); nothing is written' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateVisitDto): Promise<VisitDetail> {
    return this.visits.create(actor, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A visit with its contacts, questions and follow-ups' })
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<VisitDetail> {
    return this.visits.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a visit (questions and follow-ups have their own endpoints)' })
  @ApiNotFoundResponse()
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateVisitDto): Promise<VisitDetail> {
    return this.visits.update(actor, id, dto);
  }
}
