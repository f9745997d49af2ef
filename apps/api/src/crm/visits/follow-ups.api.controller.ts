import { CreateFollowUpDto, FollowUpPage, FollowUpQuery, FollowUpsService, FollowUpView, UpdateFollowUpDto } from '@keyport/crm/visits';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { streamExport } from '../../common/export';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { XLSX_TYPE } from './visits.api.controller';
import { followUpColumns } from './visits.columns';

@ApiTags('follow-ups')
@ApiBearerAuth()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/follow-ups')
export class FollowUpsApiController {
  constructor(
    private readonly followUps: FollowUpsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Search, filter and page follow-up actions (soonest due first); ?format=csv|xlsx exports every match' })
  @ApiProduces('application/json', 'text/csv', XLSX_TYPE)
  @ApiOkResponse({ type: FollowUpPage })
  async list(@CurrentActor() actor: Actor, @Query() query: FollowUpQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (query.format) {
      const lang = resolveLang(req);
      return streamExport(reply, query.format, 'follow-ups', followUpColumns((k) => this.pages.t(lang, k)), this.followUps.all(actor, query));
    }
    await reply.send(await this.followUps.list(actor, query));
  }

  @Post()
  @ApiOperation({ summary: 'Add a follow-up action for an organisation (optionally of a visit); assigned to you unless assigneeId says otherwise' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateFollowUpDto): Promise<FollowUpView> {
    return this.followUps.create(actor, dto);
  }

  @Get(':id')
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<FollowUpView> {
    return this.followUps.get(actor, id);
  }

  @Patch(':id')
  @ApiNotFoundResponse()
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateFollowUpDto): Promise<FollowUpView> {
    return this.followUps.update(actor, id, dto);
  }

  @Post(':id/done')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark it done (now)' })
  @ApiNotFoundResponse()
  done(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<FollowUpView> {
    return this.followUps.markDone(actor, id);
  }

  @Post(':id/undone')
  @HttpCode(200)
  @ApiOperation({ summary: 'Open it again' })
  @ApiNotFoundResponse()
  undone(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<FollowUpView> {
    return this.followUps.markUndone(actor, id);
  }
}
