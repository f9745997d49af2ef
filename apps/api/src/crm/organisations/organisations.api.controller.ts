import { Page } from '@keyport/common';
import {
  AuditEntry, AuditService, CreateOrganisationDto, DuplicateCandidate, MergeDto, OrganisationQuery, OrganisationsService,
  OrganisationView, TimelineItem, UpdateOrganisationDto,
} from '@keyport/crm';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { streamExport } from '../../common/export';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { organisationColumns } from './organisation.columns';

@ApiTags('organisations')
@ApiBearerAuth()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/organisations')
export class OrganisationsApiController {
  constructor(
    private readonly organisations: OrganisationsService,
    private readonly audit: AuditService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Search and filter organisations (merged ones are left out)' })
  list(@Query() query: OrganisationQuery): Promise<Page<OrganisationView>> {
    return this.organisations.list(query);
  }

  @Get('export')
  @ApiOperation({ summary: 'Every matching organisation as CSV (default) or XLSX (?format=xlsx)' })
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: OrganisationQuery): Promise<void> {
    const lang = resolveLang(req);
    await streamExport(reply, query.format ?? 'csv', 'organisations', organisationColumns((k) => this.pages.t(lang, k)), this.organisations.all(query));
  }

  @Get('duplicates')
  @ApiOperation({ summary: 'Likely duplicates of a record about to be saved: same KvK, or same name in the same municipality' })
  duplicates(@Query('name') name?: string, @Query('kvkNumber') kvkNumber?: string, @Query('municipality') municipality?: string): Promise<DuplicateCandidate[]> {
    return this.organisations.findDuplicates({ name: name?.slice(0, 300), kvkNumber: kvkNumber?.slice(0, 20), municipality: municipality?.slice(0, 100) });
  }

  @Post()
  @ApiConflictResponse({ description: 'The KvK number is in use, or likely duplicates exist (listed in `duplicates`; resend with allowDuplicate: true)' })
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateOrganisationDto): Promise<OrganisationView> {
    return this.organisations.get((await this.organisations.create(actor, dto)).id);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<OrganisationView> {
    return this.organisations.get(id);
  }

  @Patch(':id')
  async update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateOrganisationDto): Promise<OrganisationView> {
    return this.organisations.get((await this.organisations.update(actor, id, dto)).id);
  }

  @Delete(':id')
  @Roles(Role.Admin)
  @HttpCode(204)
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.organisations.delete(actor, id);
  }

  @Post(':id/merge')
  @Roles(Role.Admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge another organisation (mergeId) into this one; everything of both is kept (admins only)' })
  async merge(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: MergeDto): Promise<OrganisationView> {
    return this.organisations.get((await this.organisations.merge(actor, id, dto.mergeId)).id);
  }

  @Get(':id/timeline')
  @ApiOkResponse({ description: 'Visits, questions, follow-ups and support records, newest first' })
  async timeline(@Param('id') id: string): Promise<TimelineItem[]> {
    await this.organisations.get(id);
    return this.organisations.timeline(id);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The audit log of this organisation: who changed what, when, old and new values' })
  async history(@Param('id') id: string, @Query('page') page?: string): Promise<Page<AuditEntry>> {
    await this.organisations.get(id);
    return this.audit.forEntity('organisation', id, Number(page) || 1);
  }
}
