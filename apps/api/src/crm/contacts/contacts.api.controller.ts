import { Page } from '@keyport/common';
import {
  AuditEntry, AuditService, ContactDuplicate, ContactOrganisationDto, ContactQuery, ContactsService, ContactView, CreateContactDto, MergeDto, UpdateContactDto,
} from '@keyport/crm';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { streamExport } from '../../common/export';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { contactColumns } from './contact.columns';

export class EndEmploymentDto {
  @ApiProperty({ example: '2026-06-30' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'endedOn must be a date YYYY-MM-DD' })
  endedOn: string;
}

@ApiTags('contacts')
@ApiBearerAuth()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/contacts')
export class ContactsApiController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  list(@Query() query: ContactQuery): Promise<Page<ContactView>> {
    return this.contacts.list(query);
  }

  @Get('export')
  @ApiOperation({ summary: 'Every matching contact as CSV (default) or XLSX (?format=xlsx)' })
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: ContactQuery): Promise<void> {
    const lang = resolveLang(req);
    await streamExport(reply, query.format ?? 'csv', 'contacts', contactColumns((k) => this.pages.t(lang, k)), this.contacts.all(query));
  }

  @Get('duplicates')
  @ApiOperation({ summary: 'Likely duplicates: same email, or same name at one of the given organisations' })
  duplicates(@Query('firstName') firstName?: string, @Query('lastName') lastName?: string, @Query('email') email?: string, @Query('organisationId') organisationId?: string): Promise<ContactDuplicate[]> {
    const ids = organisationId && /^[0-9a-f-]{36}$/i.test(organisationId) ? [organisationId] : [];
    return this.contacts.findDuplicates({ firstName: firstName?.slice(0, 100), lastName: lastName?.slice(0, 100), email: email?.slice(0, 320), organisationIds: ids });
  }

  @Post()
  @ApiConflictResponse({ description: 'The email is in use, or likely duplicates exist (listed in `duplicates`; resend with allowDuplicate: true)' })
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateContactDto): Promise<ContactView> {
    return this.contacts.get((await this.contacts.create(actor, dto)).id);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<ContactView> {
    return this.contacts.get(id);
  }

  @Patch(':id')
  async update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateContactDto): Promise<ContactView> {
    return this.contacts.get((await this.contacts.update(actor, id, dto)).id);
  }

  @Post(':id/organisations')
  @ApiOperation({ summary: 'Record that the person works (or worked) at an organisation' })
  async addEmployment(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: ContactOrganisationDto): Promise<ContactView> {
    await this.contacts.addLink(actor, id, dto);
    return this.contacts.get(id);
  }

  @Post(':id/organisations/:linkId/end')
  @HttpCode(200)
  @ApiOperation({ summary: 'The person left the organisation on endedOn; the history stays' })
  async endEmployment(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('linkId') linkId: string, @Body() dto: EndEmploymentDto): Promise<ContactView> {
    await this.contacts.endLink(actor, id, linkId, dto.endedOn);
    return this.contacts.get(id);
  }

  @Post(':id/merge')
  @Roles(Role.Admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge another contact (mergeId) into this one; everything of both is kept (admins only)' })
  async merge(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: MergeDto): Promise<ContactView> {
    await this.contacts.merge(actor, id, dto.mergeId);
    return this.contacts.get(id);
  }

  @Get(':id/personal-data')
  @Roles(Role.Admin)
  @ApiOperation({ summary: 'GDPR: everything about this person, as JSON (admins only; the export itself is logged)' })
  exportPersonalData(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<Record<string, unknown>> {
    return this.contacts.exportPersonalData(actor, id);
  }

  @Post(':id/erase')
  @Roles(Role.Admin)
  @HttpCode(204)
  @ApiOperation({ summary: 'GDPR: erase the personal data; the person stays counted, without a name (admins only)' })
  async erase(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.contacts.erase(actor, id);
  }

  @Get(':id/history')
  async history(@Param('id') id: string, @Query('page') page?: string): Promise<Page<AuditEntry>> {
    await this.contacts.get(id);
    return this.audit.forEntity('contact', id, Number(page) || 1);
  }
}
