import {
  CreateSupportRecordDto, SupportRecordPage, SupportRecordQuery, SupportRecordsService, SupportRecordView, UpdateSupportRecordDto,
} from '@keyport/crm/support';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse,
  ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { exportSupportRecords } from './support-export';

@ApiTags('support-records')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: 'Account managers, organisers and admins only; deleting is for admins' })
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/support-records')
export class SupportRecordsApiController {
  constructor(
    private readonly support: SupportRecordsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Support records, filtered, sorted and a page at a time; or all of them as CSV/XLSX with ?format=' })
  @ApiProduces('application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({ type: SupportRecordPage })
  @ApiBadRequestResponse({ description: 'An invalid filter' })
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: SupportRecordQuery): Promise<void> {
    if (query.format) return exportSupportRecords(reply, this.pages, resolveLang(req), query.format, this.support.all(query));
    await reply.send(await this.support.list(query));
  }

  @Get(':id')
  @ApiOkResponse({ type: SupportRecordView })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<SupportRecordView> {
    return this.support.get(id);
  }

  @Post()
  @ApiOperation({ summary: 'Records support for one or more organisations (a merged organisation counts as its survivor)' })
  @ApiCreatedResponse({ type: SupportRecordView })
  @ApiBadRequestResponse({ description: 'Each invalid field with the reason: unknown organisation or contact, endedOn before startedOn, …' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateSupportRecordDto): Promise<SupportRecordView> {
    return this.support.create(actor, dto);
  }

  @Patch(':id')
  @ApiOkResponse({ type: SupportRecordView })
  @ApiBadRequestResponse()
  @ApiNotFoundResponse()
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateSupportRecordDto): Promise<SupportRecordView> {
    return this.support.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles(Role.Admin)
  @HttpCode(204)
  @ApiOperation({ summary: 'Deletes a support record (admins only); the audit log keeps its contents' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.support.delete(actor, id);
  }

  @Post(':id/organisations/:organisationId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Links an organisation (again: no change)' })
  @ApiOkResponse({ type: SupportRecordView })
  @ApiNotFoundResponse({ description: 'No such record or organisation' })
  addOrganisation(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('organisationId') organisationId: string): Promise<SupportRecordView> {
    return this.support.addOrganisation(actor, id, organisationId);
  }

  @Delete(':id/organisations/:organisationId')
  @ApiOperation({ summary: 'Unlinks an organisation; the last one cannot be unlinked (409)' })
  @ApiOkResponse({ type: SupportRecordView })
  @ApiNotFoundResponse({ description: 'No such record, or the organisation is not linked' })
  @ApiConflictResponse({ description: 'It is the only linked organisation' })
  removeOrganisation(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('organisationId') organisationId: string): Promise<SupportRecordView> {
    return this.support.removeOrganisation(actor, id, organisationId);
  }

  @Post(':id/contacts/:contactId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Links a person (again: no change); erased persons cannot be linked (409)' })
  @ApiOkResponse({ type: SupportRecordView })
  @ApiNotFoundResponse({ description: 'No such record or contact' })
  @ApiConflictResponse({ description: 'The contact was erased' })
  addContact(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('contactId') contactId: string): Promise<SupportRecordView> {
    return this.support.addContact(actor, id, contactId);
  }

  @Delete(':id/contacts/:contactId')
  @ApiOkResponse({ type: SupportRecordView })
  @ApiNotFoundResponse({ description: 'No such record, or the person is not linked' })
  removeContact(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('contactId') contactId: string): Promise<SupportRecordView> {
    return this.support.removeContact(actor, id, contactId);
  }
}
